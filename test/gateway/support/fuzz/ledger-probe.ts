/**
 * The ledger the fuzz runs against, and what "changes nothing" compares: a fixture with stock,
 * holds in every state, a transfer, a policy and a frozen SKU; and a probe of everything the
 * frames could touch (every SKU and hold they name, every shard's ledger counters).
 */
import type { Engine } from '../../../../dist/engine/index.js';
import { FUZZ_HOLDS, FUZZ_MISSING_SKUS, FUZZ_SKUS } from './vocabulary.js';

/** The fixture's holds live 30 days: none expires during a run. */
const TTL_MS = 2_592_000_000;

export async function fixture(engine: Engine): Promise<void> {
  const ok = (result: { ok: boolean }, what: string) => {
    if (!result.ok) throw new Error(`fixture: ${what} was refused: ${JSON.stringify(result)}`);
  };
  for (const sku of FUZZ_SKUS) {
    ok(await engine.receive({ sku, location: 'A', qty: 100 }), `receive ${sku}`);
    ok(await engine.receive({ sku, location: 'B', qty: 40 }), `receive ${sku}`);
  }
  const reserve = (id: string, sku: string, qty: number, location?: string) =>
    engine.reserve({
      id,
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [location === undefined ? { sku, qty } : { sku, qty, location }],
    });
  ok(await reserve('hold-0', 'FZ-0', 2), 'hold-0');
  ok(await reserve('hold-1', 'FZ-1', 3), 'hold-1');
  ok(await engine.commit('hold-1'), 'commit hold-1');
  ok(await reserve('hold-2', 'FZ-2', 4, 'A'), 'hold-2');
  ok(await engine.commit('hold-2'), 'commit hold-2');
  ok(await engine.fulfil('hold-2', [{ sku: 'FZ-2', location: 'A', qty: 1 }]), 'fulfil hold-2');
  ok(await reserve('hold-3', 'FZ-3', 1), 'hold-3');
  ok(await engine.release('hold-3'), 'release hold-3');
  ok(await engine.transfer({ id: 't-0', sku: 'FZ-4', from: 'A', to: 'B', qty: 5, inTransit: true }), 'transfer t-0');
  ok(
    await engine.setPolicy({
      sku: 'FZ-2',
      safetyStock: 3,
      fences: { store: 5 },
      caps: { b2b: 10 },
      backorderLimit: 200,
    }),
    'setPolicy FZ-2',
  );
  ok(await reserve('hold-4', 'FZ-2', 150, 'A'), 'hold-4 (backordered)');
  ok(await engine.freeze({ sku: 'FZ-5', reason: 'audit' }), 'freeze FZ-5');
}

/** Everything the frames could touch: every SKU and hold they name, and every shard's ledger counters. */
export async function ledgerState(engine: Engine) {
  const skus = await Promise.all([...FUZZ_SKUS, ...FUZZ_MISSING_SKUS].map((sku) => engine.get(sku)));
  const holds = await Promise.all(
    [...FUZZ_HOLDS, 'hold-missing', 'fz-new', 'fz-huge', 'fz-deep'].map((id) => engine.getReservation(id)),
  );
  const counters = engine
    .stats()
    .shards.map((shard) => ({ shard: shard.shard, healthy: shard.healthy, ledger: shard.ledger }));
  return { skus, holds, counters };
}
