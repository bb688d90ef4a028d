import { Hold } from '../../engine/ledger/hold.js';
import type { Ledger } from '../../engine/ledger/ledger.js';
import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseResult } from '../harness/case-result.js';
import { benchLedger } from '../load/engine-options.js';
import {
  countReserve,
  countSettle,
  createMixCounts,
  drawCommit,
  opCountDetails,
  resetOpCounts,
  type MixCounts,
} from '../load/mix-counts.js';
import { HOLD_TTL_MS, MIX_CHANNEL, receiveLedgerStock } from '../load/stock.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { runWindowsFor } from '../load/timed-loop.js';

export interface LedgerLoopPlan {
  skus: string[];
  unitsPerSku: number;
  /** New reserves per window; each window also settles the previous window's holds (as the uniform mix). */
  reservesPerWindow: number;
  warmupMs: number;
  durationMs: number;
  latencySampleEvery: number;
}

interface LoopState {
  ledger: Ledger;
  plan: LedgerLoopPlan;
  sampler: LatencySampler;
  held: string[];
  reserveCount: number;
  counts: MixCounts;
}

function reserveOne(state: LoopState, held: string[]): void {
  const { ledger, plan, sampler } = state;
  const id = `l${state.reserveCount++}`;
  const sku = plan.skus[Math.floor(Math.random() * plan.skus.length)]!;
  const startMs = sampler.start();
  const result = ledger.reserve(id, MIX_CHANNEL, HOLD_TTL_MS, [{ sku, qty: 1 }]);
  sampler.finish(startMs);
  if (countReserve(state.counts, result instanceof Hold ? null : result)) held.push(id);
}

/** Settles the previous window's holds (commit or release, 50:50), then reserves a new window. */
function runWindow(state: LoopState): number {
  const { ledger, plan } = state;
  ledger.advance(Date.now());
  const settle = state.held;
  const held: string[] = [];
  for (const id of settle) {
    const commit = drawCommit();
    countSettle(state.counts, commit, commit ? ledger.commit(id) : ledger.release(id));
  }
  for (let index = 0; index < plan.reservesPerWindow; index++) reserveOne(state, held);
  state.held = held;
  ledger.events.length = 0;
  ledger.forgotten.length = 0;
  return settle.length + plan.reservesPerWindow;
}

/**
 * The ledger-loop ceiling: the uniform mix applied to the ledger class directly, in a plain
 * synchronous loop on this thread — no router, no promises, no validation, no batches, no
 * encoding. The ceiling of the `shards: 0` path and a reference for every engine case: what
 * the ledger's own work costs per op.
 */
export function runLedgerLoop(plan: LedgerLoopPlan): CaseResult {
  const ledger = benchLedger();
  receiveLedgerStock(ledger, plan.skus, plan.unitsPerSku);
  const state: LoopState = {
    ledger,
    plan,
    sampler: new LatencySampler(plan.latencySampleEvery),
    held: [],
    reserveCount: 0,
    counts: createMixCounts(),
  };
  runWindowsFor(() => runWindow(state), plan.warmupMs);
  state.sampler.reset();
  resetOpCounts(state.counts);
  const outcome = runWindowsFor(() => runWindow(state), plan.durationMs);
  return {
    name: 'ledger-loop',
    description:
      `the Ledger class driven in a synchronous loop (no router, promises or ` +
      `validation): reserve → commit|release over ${plan.skus.length} SKUs`,
    ops: outcome.ops,
    durationMs: Math.round(outcome.elapsedMs),
    opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
    latencyMeasures: `one ledger.reserve call, ${state.sampler.describe()}`,
    latencyUs: state.sampler.summary(),
    checks: [check('refused ops (warm-up + measured)', 0, state.counts.refused)],
    details: {
      skus: plan.skus.length,
      reservesPerWindow: plan.reservesPerWindow,
      windows: outcome.windows,
      ...opCountDetails(state.counts),
    },
  };
}
