import type { Refusal } from '../api/errors.js';
import type { HoldSummary } from '../ledger/ledger.js';
import { OP } from '../shard/protocol.js';
import type { CrossShard } from './cross-shard.js';
import type { HoldIndex } from './hold-index.js';
import { MultiRoute } from './multi-route.js';

export interface ReconcileDeps {
  index: HoldIndex;
  cross: CrossShard;
  call: (shard: number, ...fields: unknown[]) => Promise<unknown>;
}

/**
 * After a shard's worker died and its replacement recovered from disk: the operations that were
 * in flight may have reached its journal without their answers reaching the router. Its holds
 * are checked against the router's index: a single-shard hold the index lost is known again; a
 * part of a cross-shard hold whose reserve the router gave up on is aborted; the parts of every
 * other cross-shard hold on it are brought into agreement.
 */
export async function reconcileShard(shard: number, deps: ReconcileDeps): Promise<void> {
  const summaries = await deps.call(shard, OP.LIST_HOLDS);
  if (!Array.isArray(summaries)) return void (summaries as Refusal);
  const work: Promise<unknown>[] = [];
  for (const [id, partCount, status] of summaries as HoldSummary[]) {
    const route = deps.index.lookup(id);
    if (partCount === 1) {
      if (route === undefined) deps.index.recordSingle(id, shard);
      continue;
    }
    if (route instanceof MultiRoute) work.push(deps.cross.reconcile(route));
    else if (status === 'held') work.push(deps.call(shard, OP.ABORT_PART, id, null));
  }
  await Promise.all(work);
}
