import { resolveOptions } from '../../engine/api/options.js';
import { Hold } from '../../engine/ledger/hold.js';
import { Ledger } from '../../engine/ledger/ledger.js';
import { ledgerOptionsOf } from '../../engine/router/ledger-options.js';
import { check, opsPerSecond } from '../case-result.js';
import type { CaseResult } from '../case-result.js';
import { benchEngineOptions } from '../cases/engine-options.js';
import { LatencySampler } from '../load/latency-sampler.js';

export interface LedgerLoopPlan {
  skus: string[];
  unitsPerSku: number;
  /** New reserves per window; each window also settles the previous window's holds (as the uniform mix). */
  reservesPerWindow: number;
  warmupMs: number;
  durationMs: number;
  latencySampleEvery: number;
}

const LOCATION = 'WH-1';
const CHANNEL = 'web';
const HOLD_TTL_MS = 3_600_000;

interface LoopCounts {
  reserve: number;
  commit: number;
  release: number;
  refused: number;
}

interface LoopState {
  ledger: Ledger;
  plan: LedgerLoopPlan;
  sampler: LatencySampler;
  held: string[];
  reserveCount: number;
  counts: LoopCounts;
}

/** Settles the previous window's holds (commit or release, 50:50), then reserves a new window. */
function runWindow(state: LoopState): number {
  const { ledger, plan, sampler, counts } = state;
  ledger.advance(Date.now());
  const settle = state.held;
  const held: string[] = [];
  for (const id of settle) {
    const commit = Math.random() < 0.5;
    const result = commit ? ledger.commit(id) : ledger.release(id);
    if (!result.ok) counts.refused += 1;
    if (commit) counts.commit += 1;
    else counts.release += 1;
  }
  for (let index = 0; index < plan.reservesPerWindow; index++) {
    const id = `l${state.reserveCount++}`;
    const sku = plan.skus[Math.floor(Math.random() * plan.skus.length)];
    const startMs = sampler.start();
    const result = ledger.reserve(id, CHANNEL, HOLD_TTL_MS, [{ sku, qty: 1 }]);
    sampler.finish(startMs);
    if (result instanceof Hold) held.push(id);
    else counts.refused += 1;
    counts.reserve += 1;
  }
  state.held = held;
  ledger.events.length = 0;
  ledger.forgotten.length = 0;
  return settle.length + plan.reservesPerWindow;
}

function runFor(state: LoopState, durationMs: number): { ops: number; windows: number; elapsedMs: number } {
  const startMs = performance.now();
  let ops = 0;
  let windows = 0;
  while (performance.now() - startMs < durationMs) {
    ops += runWindow(state);
    windows += 1;
  }
  return { ops, windows, elapsedMs: performance.now() - startMs };
}

/**
 * The ledger-loop ceiling: the uniform mix applied to the ledger class directly, in a plain
 * synchronous loop on this thread — no router, no promises, no validation, no batches, no
 * encoding. The ceiling of the `shards: 0` path and a reference for every engine case: what
 * the ledger's own work costs per op.
 */
export function runLedgerLoop(plan: LedgerLoopPlan): CaseResult {
  const ledger = new Ledger(ledgerOptionsOf(resolveOptions(benchEngineOptions(0))));
  ledger.advance(Date.now());
  for (const sku of plan.skus) {
    const received = ledger.receive(sku, LOCATION, plan.unitsPerSku);
    if (!received.ok) throw new Error(`receive refused during setup: ${JSON.stringify(received)}`);
  }
  const state: LoopState = {
    ledger, plan, sampler: new LatencySampler(plan.latencySampleEvery), held: [], reserveCount: 0,
    counts: { reserve: 0, commit: 0, release: 0, refused: 0 },
  };
  runFor(state, plan.warmupMs);
  const refusedInWarmup = state.counts.refused;
  state.sampler.reset();
  state.counts = { reserve: 0, commit: 0, release: 0, refused: 0 };
  const outcome = runFor(state, plan.durationMs);
  return {
    name: 'ledger-loop',
    description: `the Ledger class driven in a synchronous loop (no router, promises or validation): reserve → commit|release over ${plan.skus.length} SKUs`,
    ops: outcome.ops,
    durationMs: Math.round(outcome.elapsedMs),
    opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
    latencyMeasures: `one ledger.reserve call, ${state.sampler.describe()}`,
    latencyUs: state.sampler.summary(),
    checks: [check('refused ops (warm-up + measured)', 0, refusedInWarmup + state.counts.refused)],
    targets: [],
    details: {
      skus: plan.skus.length,
      reservesPerWindow: plan.reservesPerWindow,
      windows: outcome.windows,
      reserveOps: state.counts.reserve,
      commitOps: state.counts.commit,
      releaseOps: state.counts.release,
    },
  };
}
