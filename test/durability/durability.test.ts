/**
 * Durability: each shard journals the batches that changed it and snapshots its
 * ledger; an engine reopened on the same data directory — or a shard whose worker died — is
 * back exactly where the acknowledged operations left it.
 *
 * From issue 5.
 */
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  appendFileSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { FILE_HEADER_BYTES, readJournal } from '../../engine/journal/index.js';
import {
  expectOk,
  expectRefused,
  manualClock,
  sleep,
  type Engine,
  type EngineOptions,
} from '../engine/support/helpers.js';

const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];
const dirs: string[] = [];
const open: Engine[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((engine) => engine.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-durability-'));
  dirs.push(dir);
  return dir;
}

async function start(options: EngineOptions): Promise<Engine> {
  const engine = await createEngine(options);
  open.push(engine);
  return engine;
}

async function stop(engine: Engine): Promise<void> {
  open.splice(open.indexOf(engine), 1);
  await engine.close();
}

/** Everything a client can read: every SKU and every reservation id. */
async function observe(engine: Engine, ids: string[]): Promise<unknown> {
  return {
    skus: await Promise.all(SKUS.map((sku) => engine.get(sku))),
    holds: await Promise.all(ids.map((id) => engine.getReservation(id))),
  };
}

/** Single-shard and cross-shard holds in every state, transfers, counts, policies, backorders. */
async function workload(engine: Engine): Promise<string[]> {
  for (const sku of SKUS) expectOk(await engine.receive({ sku, location: 'L1', qty: 20 }));
  expectOk(await engine.receive({ sku: 'A', location: 'L2', qty: 5 }));
  expectOk(await engine.setPolicy({ sku: 'F', safetyStock: 2, fences: { marketplace: 4 }, backorderLimit: 10 }));
  const ids: string[] = [];
  const reserve = async (id: string, lines: Array<{ sku: string; qty: number }>, extra = {}) => {
    ids.push(id);
    return engine.reserve({ id, channel: 'web', ttlMs: 600_000, lines, ...extra });
  };
  expectOk(await reserve('single-held', [{ sku: 'A', qty: 3 }]));
  expectOk(await reserve('single-committed', [{ sku: 'B', qty: 2 }]));
  expectOk(await engine.commit('single-committed'));
  expectOk(
    await reserve(
      'cross-held',
      SKUS.slice(0, 5).map((sku) => ({ sku, qty: 1 })),
    ),
  );
  expectOk(
    await reserve(
      'cross-committed',
      SKUS.slice(0, 5).map((sku) => ({ sku, qty: 2 })),
    ),
  );
  expectOk(await engine.commit('cross-committed'));
  expectOk(await engine.fulfil('cross-committed', [{ sku: 'C', location: 'L1', qty: 1 }]));
  expectOk(
    await reserve(
      'cross-released',
      SKUS.slice(0, 4).map((sku) => ({ sku, qty: 1 })),
    ),
  );
  expectOk(await engine.release('cross-released'));
  expectRefused(
    await reserve('refused', [
      { sku: 'A', qty: 1_000 },
      { sku: 'D', qty: 1 },
    ]),
    'INSUFFICIENT_STOCK',
  );
  expectOk(await reserve('split', [{ sku: 'A', qty: 18 }], { allowSplit: true }));
  expectOk(await reserve('backorder', [{ sku: 'F', qty: 22 }]));
  expectOk(await engine.transfer({ id: 't1', sku: 'E', from: 'L1', to: 'L3', qty: 2, inTransit: true }));
  expectOk(await engine.sync({ sku: 'D', location: 'L1', onHand: 30, asOf: Date.now() }));
  expectOk(await engine.restock({ sku: 'E', location: 'L1', qty: 1, condition: 'damaged' }));
  return ids;
}

describe('durability: journal, snapshots, recovery', () => {
  it('an engine reopened on its data directory is where the acknowledged operations left it (shards 2)', async () => {
    const dir = dataDir();
    const first = await start({ shards: 2, dataDir: dir, locationOrder: ['L1', 'L2'] });
    const ids = await workload(first);
    const before = await observe(first, ids);
    await stop(first);
    const second = await start({ shards: 2, dataDir: dir, locationOrder: ['L1', 'L2'] });
    expect(await observe(second, ids)).toEqual(before);
    // Idempotency survives: the same reserve answers as the first time; a cross-shard hold goes on whole.
    const replay = await second.reserve({
      id: 'cross-held',
      channel: 'web',
      ttlMs: 600_000,
      lines: SKUS.slice(0, 5).map((sku) => ({ sku, qty: 1 })),
    });
    expect(expectOk(replay).reservation.status).toBe('held');
    expect(expectOk(await second.commit('cross-held')).reservation.status).toBe('committed');
    expect(expectOk(await second.fulfil('cross-committed')).reservation.status).toBe('fulfilled');
    expectRefused(
      await second.reserve({
        id: 'refused',
        channel: 'web',
        ttlMs: 600_000,
        lines: [
          { sku: 'A', qty: 1_000 },
          { sku: 'D', qty: 1 },
        ],
      }),
      'INSUFFICIENT_STOCK',
    );
    expect(expectOk(await second.receiveTransfer({ sku: 'E', id: 't1' })).transfer.status).toBe('received');
  }, 30_000);

  it('snapshots start new generations and delete the old ones; recovery reads snapshot + journal', async () => {
    const dir = dataDir();
    const first = await start({ shards: 1, dataDir: dir, locationOrder: ['L1', 'L2'], snapshotEveryRecords: 4 });
    const ids = await workload(first);
    const before = await observe(first, ids);
    await stop(first);
    const files = readdirSync(join(dir, 'shard-0')).sort();
    expect(
      files.filter((name) => name.endsWith('.snap')),
      'one snapshot kept',
    ).toHaveLength(1);
    expect(
      files.filter((name) => name.endsWith('.log')),
      'one journal kept',
    ).toHaveLength(1);
    expect(
      files.find((name) => name.endsWith('.snap')),
      'several generations went by',
    ).not.toBe('snapshot-00000000.snap');
    const second = await start({ shards: 1, dataDir: dir, locationOrder: ['L1', 'L2'] });
    expect(await observe(second, ids)).toEqual(before);
  }, 30_000);

  it('holds whose TTL passed while the engine was down are expired at start', async () => {
    const dir = dataDir();
    const clock = manualClock();
    const first = await start({ shards: 2, dataDir: dir, clock, expirySweepIntervalMs: 0 });
    for (const sku of SKUS) expectOk(await first.receive({ sku, location: 'L1', qty: 5 }));
    expectOk(await first.reserve({ id: 'short', channel: 'web', ttlMs: 1_000, lines: [{ sku: 'A', qty: 2 }] }));
    expectOk(
      await first.reserve({
        id: 'short-cross',
        channel: 'web',
        ttlMs: 1_000,
        lines: SKUS.map((sku) => ({ sku, qty: 1 })),
      }),
    );
    expectOk(await first.reserve({ id: 'long', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'B', qty: 1 }] }));
    await stop(first);
    clock.advance(5_000);
    const second = await start({ shards: 2, dataDir: dir, clock, expirySweepIntervalMs: 0 });
    expect(expectOk(await second.getReservation('short')).reservation.status).toBe('expired');
    expect(expectOk(await second.getReservation('short-cross')).reservation.status).toBe('expired');
    expect(expectOk(await second.getReservation('long')).reservation.status).toBe('held');
    expect(expectOk(await second.get('A')).reserved).toBe(0);
    expect(expectOk(await second.get('B')).reserved).toBe(1);
  }, 30_000);

  it('a torn tail is cut off; the records before it are recovered', async () => {
    const dir = dataDir();
    const first = await start({ shards: 1, dataDir: dir });
    expectOk(await first.receive({ sku: 'A', location: 'L1', qty: 7 }));
    await stop(first);
    const journal = join(dir, 'shard-0', 'journal-00000000.log');
    const validBytes = statSync(journal).size;
    appendFileSync(journal, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 9, 9]));
    const second = await start({ shards: 1, dataDir: dir });
    expect(expectOk(await second.get('A')).onHand).toBe(7);
    expectOk(await second.receive({ sku: 'A', location: 'L1', qty: 1 }));
    await stop(second);
    expect(readJournal(journal, () => {}).tornTail, 'the torn bytes were cut and the journal goes on valid').toBeNull();
    expect(statSync(journal).size).toBeGreaterThan(validBytes);
  }, 30_000);

  it('corruption in the middle of a journal stops the start with the file and offset', async () => {
    const dir = dataDir();
    const first = await start({ shards: 1, dataDir: dir });
    expectOk(await first.receive({ sku: 'A', location: 'L1', qty: 7 }));
    expectOk(await first.receive({ sku: 'A', location: 'L1', qty: 8 }));
    await stop(first);
    const journal = join(dir, 'shard-0', 'journal-00000000.log');
    const bytes = readFileSync(journal);
    // Byte 10 of the first record (after the file header), whose valid successor follows.
    bytes[FILE_HEADER_BYTES + 10] ^= 0xff;
    writeFileSync(journal, bytes);
    await expect(createEngine({ shards: 1, dataDir: dir })).rejects.toThrow(
      new RegExp(
        `JOURNAL_CORRUPT: journal \\S+journal-00000000\\.log is corrupt at byte offset ${FILE_HEADER_BYTES} \\(`,
      ),
    );
  }, 30_000);

  it('a cross-shard hold is recovered whole or not at all: a part without its sibling is aborted', async () => {
    const dir = dataDir();
    const first = await start({ shards: 2, dataDir: dir });
    for (const sku of SKUS) expectOk(await first.receive({ sku, location: 'L1', qty: 5 }));
    expectOk(
      await first.reserve({ id: 'whole', channel: 'web', ttlMs: 600_000, lines: SKUS.map((sku) => ({ sku, qty: 1 })) }),
    );
    await stop(first);
    // As if shard 1 crashed before its part's record reached the disk: drop its last record.
    const journal = join(dir, 'shard-1', 'journal-00000000.log');
    const offsets: number[] = [];
    readJournal(journal, (_, offset) => offsets.push(offset));
    truncateSync(journal, offsets.at(-1) as number);
    const second = await start({ shards: 2, dataDir: dir });
    expectRefused(await second.getReservation('whole'), 'NOT_FOUND');
    for (const sku of SKUS) expect(expectOk(await second.get(sku)).reserved, `${sku} holds nothing`).toBe(0);
    expect(
      expectOk(
        await second.reserve({
          id: 'whole',
          channel: 'web',
          ttlMs: 600_000,
          lines: SKUS.map((sku) => ({ sku, qty: 1 })),
        }),
      ).reservation.status,
    ).toBe('held');
  }, 30_000);

  /** Cuts the last `count` records off a shard's first journal: as if it crashed before they reached the disk. */
  function dropLastRecords(dir: string, shard: number, count: number): void {
    const journal = join(dir, `shard-${shard}`, 'journal-00000000.log');
    const offsets: number[] = [];
    readJournal(journal, (_, offset) => offsets.push(offset));
    truncateSync(journal, offsets[offsets.length - count]);
  }

  // SKU-01 lives on shard 0 and SKU-00 on shard 1 (FNV-1a, 2 shards).
  it('a refused cross-shard reserve whose other part never reached its journal still replays its refusal', async () => {
    const dir = dataDir();
    const first = await start({ shards: 2, dataDir: dir });
    expectOk(await first.receive({ sku: 'SKU-00', location: 'L', qty: 5 }));
    const body = {
      id: 'r',
      channel: 'web',
      ttlMs: 600_000,
      lines: [
        { sku: 'SKU-01', qty: 1 },
        { sku: 'SKU-00', qty: 1 },
      ],
    };
    const refused = await first.reserve(structuredClone(body));
    expectRefused(refused, 'INSUFFICIENT_STOCK');
    await stop(first);
    dropLastRecords(dir, 1, 2); // shard 1's part: its reserve and its abort
    const second = await start({ shards: 2, dataDir: dir });
    expect(await second.reserve(structuredClone(body))).toEqual(refused);
    expect(expectOk(await second.get('SKU-00')).reserved).toBe(0);
  }, 30_000);

  it('a cross-shard fulfil that reached only one part is applied to the other at recovery', async () => {
    const dir = dataDir();
    const first = await start({ shards: 2, dataDir: dir });
    for (const sku of ['SKU-00', 'SKU-01']) expectOk(await first.receive({ sku, location: 'L', qty: 5 }));
    expectOk(
      await first.reserve({
        id: 'f',
        channel: 'web',
        ttlMs: 600_000,
        lines: [
          { sku: 'SKU-01', qty: 2 },
          { sku: 'SKU-00', qty: 2 },
        ],
      }),
    );
    expectOk(await first.commit('f'));
    const shipped = expectOk(
      await first.fulfil('f', [
        { sku: 'SKU-01', location: 'L', qty: 1 },
        { sku: 'SKU-00', location: 'L', qty: 1 },
      ]),
    );
    await stop(first);
    dropLastRecords(dir, 1, 1); // shard 1 never journaled its part of the fulfil
    const second = await start({ shards: 2, dataDir: dir });
    expect(expectOk(await second.getReservation('f')).reservation).toEqual(shipped.reservation);
    expect(expectOk(await second.get('SKU-00'))).toMatchObject({ onHand: 4, committed: 1 });
    expect(expectOk(await second.fulfil('f')).reservation.status).toBe('fulfilled');
  }, 30_000);

  it(
    'a shard whose worker dies restarts from its journal: ' + 'nothing acknowledged is lost, the other shard serves on',
    async () => {
      const dir = dataDir();
      const engine = await start({ shards: 2, dataDir: dir });
      for (const sku of SKUS) expectOk(await engine.receive({ sku, location: 'L1', qty: 10 }));
      expectOk(
        await engine.reserve({ id: 'h', channel: 'web', ttlMs: 600_000, lines: SKUS.map((sku) => ({ sku, qty: 2 })) }),
      );
      const before = await Promise.all(SKUS.map((sku) => engine.get(sku)));
      const killer = engine as unknown as { killShardWorker(shard: number): Promise<number> };
      await killer.killShardWorker(0);
      const after = await Promise.all(SKUS.map((sku) => engine.get(sku)));
      for (const [index, result] of after.entries()) {
        if (result.ok) expect({ ...result, seq: 0 }).toEqual({ ...expectOk(before[index]), seq: 0 });
        else expect(result.error.code).toBe('UNAVAILABLE');
      }
      // Whatever was in flight, the recovered shard now answers with everything acknowledged.
      expect(await Promise.all(SKUS.map((sku) => engine.get(sku)))).toEqual(before);
      expect(expectOk(await engine.commit('h')).reservation.status).toBe('committed');
    },
    30_000,
  );

  it(
    'cross-shard operations cut short by a worker death ' + 'are reconciled: the parts of every hold agree again',
    async () => {
      const dir = dataDir();
      const engine = await start({ shards: 2, dataDir: dir });
      for (const sku of SKUS) expectOk(await engine.receive({ sku, location: 'L1', qty: 10_000 }));
      const ids = Array.from({ length: 300 }, (_, i) => `x${i}`);
      await Promise.all(
        ids.map((id) =>
          engine.reserve({ id, channel: 'web', ttlMs: 600_000, lines: SKUS.map((sku) => ({ sku, qty: 1 })) }),
        ),
      );
      const killer = engine as unknown as { killShardWorker(shard: number): Promise<number> };
      const flood = ids.map((id, i) => (i % 2 === 0 ? engine.commit(id) : engine.release(id)));
      await killer.killShardWorker(1);
      await Promise.all(flood);
      // Retry nothing: reconciliation alone must bring every hold's parts back into agreement.
      const settled = async () => {
        const views = await Promise.all(ids.map((id) => engine.getReservation(id)));
        return views.every((view) => view.ok) ? views : null;
      };
      let views = await settled();
      for (let attempt = 0; views === null && attempt < 100; attempt++) {
        await sleep(50);
        views = await settled();
      }
      expect(views, 'every reservation answers (its parts agree)').not.toBeNull();
      let held = 0;
      let committed = 0;
      for (const view of views ?? []) {
        const { status, lines } = expectOk(view).reservation;
        expect(lines).toHaveLength(SKUS.length);
        if (status === 'held') held++;
        if (status === 'committed') committed++;
      }
      for (const sku of SKUS) {
        const totals = expectOk(await engine.get(sku));
        expect({ reserved: totals.reserved, committed: totals.committed }, sku).toEqual({ reserved: held, committed });
      }
    },
    60_000,
  );

  it('options: a data directory needs worker shards; fsync settings need a data directory', async () => {
    await expect(createEngine({ shards: 0, dataDir: dataDir() })).rejects.toThrow(/dataDir/);
    await expect(createEngine({ shards: 1, fsync: 'off' })).rejects.toThrow(/fsync/);
    await expect(createEngine({ shards: 1, dataDir: dataDir(), fsync: 'sometimes' as never })).rejects.toThrow(/fsync/);
  });
});
