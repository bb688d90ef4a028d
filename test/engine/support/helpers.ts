/**
 * Test helpers every area shares: a manual clock, the ledger invariant checker, an engine factory
 * that closes every engine it made after each test, the one `sleep`, and the environment for a
 * child `holdfast` process.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, expect } from 'vitest';
import { createEngine } from '../../../dist/engine/index.js';

export type Engine = Awaited<ReturnType<typeof createEngine>>;
export type EngineOptions = NonNullable<Parameters<typeof createEngine>[0]>;

/** The two ways an engine runs: ledger on the calling thread, and two worker-thread shards. */
export const SHARD_COUNTS = [0, 2] as const;

export interface ManualClock {
  nowMs(): number;
  advance(ms: number): number;
  set(ms: number): void;
}

export function manualClock(startMs = 1_000_000): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms: number) {
      now += ms;
      return now;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

interface Quantities {
  onHand: number;
  reserved: number;
  committed: number;
  available: number;
  shortfall: number;
}

/** The position identities every view must satisfy. `where` names the view in failure messages. */
export function assertPositionIdentities(q: Quantities, where: string): void {
  expect(q.available, `${where}: available >= 0`).toBeGreaterThanOrEqual(0);
  expect(q.shortfall, `${where}: shortfall >= 0`).toBeGreaterThanOrEqual(0);
  expect(q.onHand, `${where}: onHand >= 0`).toBeGreaterThanOrEqual(0);
  expect(q.reserved, `${where}: reserved >= 0`).toBeGreaterThanOrEqual(0);
  expect(q.committed, `${where}: committed >= 0`).toBeGreaterThanOrEqual(0);
  expect(q.onHand + q.shortfall, `${where}: onHand + shortfall === available + reserved + committed`).toBe(
    q.available + q.reserved + q.committed,
  );
}

/**
 * Reads every SKU and checks, for the SKU totals and each position:
 * available >= 0, shortfall >= 0, onHand + shortfall === available + reserved + committed,
 * and (per position) available === max(0, onHand − reserved − committed).
 * SKU totals must be the sums of their positions. SKUs the engine does not know are skipped;
 * `locations`, when given, is the set the test used: no SKU may report a position elsewhere.
 */
export async function assertInvariants(
  engine: Engine,
  skus: readonly string[],
  locations: readonly string[] = [],
): Promise<void> {
  for (const sku of skus) {
    const view = await engine.get(sku);
    if (!view.ok) {
      expect(view.error.code, `get(${sku})`).toBe('NOT_FOUND');
      continue;
    }
    assertPositionIdentities(view, `sku ${sku}`);
    const sums = { onHand: 0, reserved: 0, committed: 0, available: 0, shortfall: 0 };
    for (const [location, position] of Object.entries(view.locations)) {
      const where = `sku ${sku} @ ${location}`;
      assertPositionIdentities(position, where);
      expect(position.available, `${where}: available === max(0, onHand - reserved - committed)`).toBe(
        Math.max(0, position.onHand - position.reserved - position.committed),
      );
      expect(position.shortfall, `${where}: shortfall === max(0, reserved + committed - onHand)`).toBe(
        Math.max(0, position.reserved + position.committed - position.onHand),
      );
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += position[key];
    }
    if (locations.length > 0) {
      for (const location of Object.keys(view.locations)) {
        expect(locations, `sku ${sku}: reported location '${location}' is one the test used`).toContain(location);
      }
    }
    expect(
      {
        onHand: view.onHand,
        reserved: view.reserved,
        committed: view.committed,
        available: view.available,
        shortfall: view.shortfall,
      },
      `sku ${sku}: totals are the sums of its positions`,
    ).toEqual(sums);
  }
}

/**
 * Returns a `make(options)` that creates engines and closes all of them after each test.
 * Call it at describe level (it registers an afterEach hook).
 */
export function engineFactory(): (options?: EngineOptions) => Promise<Engine> {
  const open: Engine[] = [];
  afterEach(async () => {
    const engines = open.splice(0);
    await Promise.all(engines.map((engine) => engine.close()));
  });
  return async (options?: EngineOptions) => {
    const engine = await createEngine(options as EngineOptions);
    open.push(engine);
    return engine;
  };
}

/** Narrows a result to ok or fails the test with the refusal printed. */
export function expectOk<T extends { ok: boolean }>(result: T, what = 'operation'): Extract<T, { ok: true }> {
  if (!result.ok) {
    expect.fail(`${what} was refused: ${JSON.stringify(result)}`);
  }
  return result as Extract<T, { ok: true }>;
}

/** Asserts a refusal with the given code and returns its error. */
export function expectRefused(
  result: { ok: boolean; error?: { code: string; message: string; retryAfterMs?: number } },
  code: string,
  what = 'operation',
): { code: string; message: string; retryAfterMs?: number } {
  expect(result.ok, `${what} should be refused with ${code}: ${JSON.stringify(result)}`).toBe(false);
  expect(result.error?.code, `${what}: ${JSON.stringify(result)}`).toBe(code);
  expect(typeof result.error?.message, `${what}: message`).toBe('string');
  return result.error!;
}

/** Snapshot of several SKUs (get result per SKU, NOT_FOUND included) to compare before/after. */
export async function snapshot(engine: Engine, skus: readonly string[]): Promise<unknown[]> {
  const views: unknown[] = [];
  for (const sku of skus) views.push(await engine.get(sku));
  return views;
}

/**
 * Which shard owns a SKU: the shard whose operation counters move when the SKU is read.
 * Returns -1 when the engine's stats cannot tell (then the caller's test fails on purpose).
 */
export async function shardOf(engine: Engine, sku: string): Promise<number> {
  const totals = () => engine.stats().shards.map((shard) => Object.values(shard.ops).reduce((sum, n) => sum + n, 0));
  const before = totals();
  await engine.get(sku);
  const after = totals();
  const moved = after.map((n, i) => n - before[i]).flatMap((delta, i) => (delta > 0 ? [i] : []));
  return moved.length === 1 ? engine.stats().shards[moved[0]].shard : -1;
}

/**
 * Waits `ms` milliseconds (0: lets pending timers, micro-batches and event deliveries run). The one
 * sleep of every test area.
 */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/**
 * The environment for a child `holdfast` process: this one's, without HOLDFAST_* variables (set
 * outside the test, they would change the server: HOLDFAST_MEMORY, HOLDFAST_TOKEN, …), plus `extra`.
 */
export function envWithoutHoldfast(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HOLDFAST_')) env[key] = value;
  return { ...env, ...extra };
}
