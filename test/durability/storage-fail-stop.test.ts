/**
 * Fail-stop on storage: a journal write, fdatasync or snapshot that fails
 * stops the shard; every operation answered with anything but success leaves no trace, in memory
 * or on disk (after the shard recovers, and after a restart); every acknowledged one survives;
 * /healthz and stats say why; the shard recovers from disk by itself once writing works.
 *
 * From issue 12, finding 4.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { healthOf } from '../../dist/engine/gateway/http-routes.js';
import { useEngineDirs } from './support/engine-dirs.js';
import type { Engine, EngineOptions } from '../engine/support/helpers.js';
import { expectOk } from '../engine/support/helpers.js';
import { untilHealthy } from './support/until-healthy.js';

/** Shards retry storage every 20 ms (storageRetryIntervalMs): healthy again well within this. */
const HEALTHY_WITHIN = { timeoutMs: 10_000, pollMs: 20 };

const { dataDir, open, close } = useEngineDirs('failstop', { storageRetryIntervalMs: 20 });

async function reopen(engine: Engine, options: EngineOptions): Promise<Engine> {
  await close(engine);
  return open({ ...options, storageFaults: [] });
}

interface Outcomes {
  acknowledged: string[];
  failed: string[];
}

/** Reserves `count` single units concurrently (several batches) and sorts the answers. */
async function reserveMany(engine: Engine, prefix: string, count: number, sku = 'A'): Promise<Outcomes> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      engine.reserve({ id: `${prefix}-${i}`, channel: 'web', ttlMs: 600_000, lines: [{ sku, qty: 1 }] }),
    ),
  );
  const outcomes: Outcomes = { acknowledged: [], failed: [] };
  answers.forEach((answer, i) => {
    if (answer.ok) outcomes.acknowledged.push(`${prefix}-${i}`);
    else {
      expect(answer.error.code).toBe('STORAGE_FAILED');
      outcomes.failed.push(`${prefix}-${i}`);
    }
  });
  return outcomes;
}

/** Acknowledged holds are there, failed ones are not, and the units add up. */
async function expectExactly(engine: Engine, outcomes: Outcomes, onHand: number, sku = 'A'): Promise<void> {
  for (const id of outcomes.acknowledged)
    expect(expectOk(await engine.getReservation(id), id).reservation.status).toBe('held');
  for (const id of outcomes.failed)
    expect((await engine.getReservation(id)).ok, `${id} answered STORAGE_FAILED must not exist`).toBe(false);
  const position = await engine.get(sku);
  expect(position).toMatchObject({ ok: true, onHand, reserved: outcomes.acknowledged.length });
}

describe('fail-stop on a journal or snapshot error (injected faults)', () => {
  for (const fsync of ['always', 'interval'] as const) {
    it(`a failed append (ENOSPC) is answered STORAGE_FAILED and leaves no trace (fsync ${fsync})`, async () => {
      const dir = dataDir();
      const options: EngineOptions = {
        shards: 1,
        dataDir: dir,
        fsync,
        storageFaults: [{ op: 'append', after: 1, times: 1, code: 'ENOSPC' }],
      };
      let engine = await open(options);
      expectOk(await engine.receive({ sku: 'A', location: 'L1', qty: 10 }));
      const refused = await engine.reserve({ id: 'r1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'A', qty: 4 }] });
      expect(refused).toMatchObject({ ok: false, error: { code: 'STORAGE_FAILED' } });
      expect(refused.ok === false && refused.error.message).toMatch(/ENOSPC/);
      // Stopped: nothing is served (not even reads, which could show what is being rolled back).
      const [shard] = engine.stats().shards;
      expect(shard.storageFailures).toBe(1);
      await untilHealthy(engine, HEALTHY_WITHIN);
      expect((await engine.getReservation('r1')).ok).toBe(false);
      expect(await engine.get('A')).toMatchObject({ ok: true, onHand: 10, reserved: 0, available: 10 });
      // The same id, retried, is decided afresh and holds once.
      expectOk(await engine.reserve({ id: 'r1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'A', qty: 4 }] }));
      engine = await reopen(engine, options);
      expect(await engine.get('A')).toMatchObject({ ok: true, onHand: 10, reserved: 4 });
    });
  }

  it('a receive answered STORAGE_FAILED and retried counts its stock once (a retrying ERP)', async () => {
    const dir = dataDir();
    const options: EngineOptions = {
      shards: 2,
      dataDir: dir,
      storageFaults: [{ op: 'append', after: 0, times: 1, code: 'EMFILE' }],
    };
    let engine = await open(options);
    const answers = await Promise.all(
      ['A', 'B', 'C', 'D'].map((sku) => engine.receive({ sku, location: 'L1', qty: 5 })),
    );
    await untilHealthy(engine, HEALTHY_WITHIN);
    for (const [i, sku] of ['A', 'B', 'C', 'D'].entries()) {
      if (!answers[i].ok) {
        expect(answers[i]).toMatchObject({ error: { code: 'STORAGE_FAILED' } });
        expectOk(await engine.receive({ sku, location: 'L1', qty: 5 }));
      }
    }
    expect(answers.some((answer) => !answer.ok)).toBe(true);
    engine = await reopen(engine, options);
    for (const sku of ['A', 'B', 'C', 'D']) expect(await engine.get(sku)).toMatchObject({ ok: true, onHand: 5 });
  });

  it(
    'a failed fdatasync under concurrent batches: every ' + 'acknowledged hold survives, every failed one is gone',
    async () => {
      const dir = dataDir();
      const options: EngineOptions = {
        shards: 1,
        dataDir: dir,
        maxBatchOps: 16,
        storageFaults: [{ op: 'sync', after: 3, times: 1, code: 'EIO' }],
      };
      let engine = await open(options);
      expectOk(await engine.receive({ sku: 'A', location: 'L1', qty: 1_000 }));
      const outcomes = await reserveMany(engine, 'h', 400);
      expect(outcomes.failed.length).toBeGreaterThan(0);
      expect(outcomes.acknowledged.length).toBeGreaterThan(0);
      await untilHealthy(engine, HEALTHY_WITHIN);
      const more = await reserveMany(engine, 'after', 50);
      expect(more.failed).toEqual([]);
      const all = { acknowledged: [...outcomes.acknowledged, ...more.acknowledged], failed: outcomes.failed };
      await expectExactly(engine, all, 1_000);
      engine = await reopen(engine, options);
      await expectExactly(engine, all, 1_000);
    },
  );

  it(
    'a failed snapshot stops the shard; the batch made durable ' +
      'before it keeps its answer; recovery reads the right generation',
    async () => {
      const dir = dataDir();
      const options: EngineOptions = {
        shards: 1,
        dataDir: dir,
        snapshotEveryRecords: 5,
        storageFaults: [{ op: 'snapshot', after: 1, times: 2, code: 'EMFILE' }],
      };
      let engine = await open(options);
      expectOk(await engine.receive({ sku: 'A', location: 'L1', qty: 100 }));
      const outcomes: Outcomes = { acknowledged: [], failed: [] };
      for (let round = 0; round < 30; round++) {
        const some = await reserveMany(engine, `s${round}`, 3);
        outcomes.acknowledged.push(...some.acknowledged);
        outcomes.failed.push(...some.failed);
        if (some.failed.length > 0) await untilHealthy(engine, HEALTHY_WITHIN);
      }
      expect(outcomes.failed.length).toBeGreaterThan(0);
      expect(engine.stats().shards[0].storageFailures).toBe(2);
      await expectExactly(engine, outcomes, 100);
      engine = await reopen(engine, options);
      await expectExactly(engine, outcomes, 100);
    },
  );

  it('/healthz answers 503 naming the cause while a shard is stopped, and ok once it recovered', async () => {
    const dir = dataDir();
    const engine = await open({
      shards: 2,
      dataDir: dir,
      storageRetryIntervalMs: 300,
      storageFaults: [{ op: 'append', after: 0, times: 1, code: 'ENOSPC' }],
    });
    await Promise.all(['A', 'B', 'C', 'D', 'E', 'F'].map((sku) => engine.receive({ sku, location: 'L1', qty: 1 })));
    const health = healthOf(engine, false);
    expect(health.status).toBe('degraded');
    expect(JSON.stringify(health.shards)).toMatch(/ENOSPC/);
    await untilHealthy(engine, HEALTHY_WITHIN);
    expect(healthOf(engine, false).status).toBe('ok');
  });

  it('storageFaults is validated', async () => {
    await expect(
      createEngine({
        shards: 1,
        dataDir: dataDir(),
        storageFaults: [{ op: 'nope', after: 0, times: 1, code: 'EIO' }] as never,
      }),
    ).rejects.toThrow(/storageFaults: storage fault op must be one of/);
    await expect(createEngine({ shards: 1, storageFaults: [] })).rejects.toThrow(
      /storageFaults: only applies with a dataDir/,
    );
  });
});
