import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseCheck, CaseResult } from '../harness/case-result.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { drawCommit } from '../load/mix-counts.js';
import { HOLD_TTL_MS } from '../load/stock.js';
import { SOA_DUPLICATE, SOA_HELD, SoaLedger } from './soa-ledger.js';
import type { LedgerLoopPlan } from './ledger-loop.js';
import { runWindowsFor } from '../load/timed-loop.js';

/** Everything the loop did, warm-up included (the checks), and the measured pass's ops. */
interface SoaCounts {
  reserves: number;
  held: number;
  soldOut: number;
  duplicates: number;
  commits: number;
  releases: number;
  settlesWithoutHold: number;
}

interface SoaState {
  ledger: SoaLedger;
  plan: LedgerLoopPlan;
  sampler: LatencySampler;
  held: string[];
  reserveCount: number;
  counts: SoaCounts;
}

function reserveOne(state: SoaState, held: string[], deadlineMs: number): void {
  const { ledger, plan, sampler, counts } = state;
  const id = `l${state.reserveCount++}`;
  const sku = plan.skus[Math.floor(Math.random() * plan.skus.length)] as string;
  const startMs = sampler.start();
  const outcome = ledger.reserve(id, sku, 1, deadlineMs);
  sampler.finish(startMs);
  counts.reserves += 1;
  if (outcome === SOA_HELD) {
    counts.held += 1;
    held.push(id);
  } else if (outcome === SOA_DUPLICATE) counts.duplicates += 1;
  else counts.soldOut += 1;
}

/** As the ledger loop's window: settles the previous window's holds (commit or release, 50:50), then reserves. */
function runWindow(state: SoaState): number {
  const { ledger, plan, counts } = state;
  const deadlineMs = Date.now() + HOLD_TTL_MS;
  const settle = state.held;
  const held: string[] = [];
  for (const id of settle) {
    const commit = drawCommit();
    if (!ledger.settle(id, commit)) counts.settlesWithoutHold += 1;
    else if (commit) counts.commits += 1;
    else counts.releases += 1;
  }
  for (let index = 0; index < plan.reservesPerWindow; index++) reserveOne(state, held, deadlineMs);
  state.held = held;
  return settle.length + plan.reservesPerWindow;
}

/** Counts add up (every hold held is settled once or still live) and no SKU was oversold or lost units. */
function soaChecks(state: SoaState): CaseCheck[] {
  const { ledger, plan, counts } = state;
  let negative = 0;
  let unbalanced = 0;
  let reservedUnits = 0;
  for (let sku = 0; sku < plan.skus.length; sku++) {
    const available = ledger.available[sku] as number;
    const reserved = ledger.reserved[sku] as number;
    if (available < 0 || reserved < 0) negative += 1;
    if (available + reserved + (ledger.committed[sku] as number) !== plan.unitsPerSku) unbalanced += 1;
    reservedUnits += reserved;
  }
  return [
    check('refused ops (warm-up + measured)', 0, counts.soldOut + counts.duplicates + counts.settlesWithoutHold),
    check(
      'holds held − committed − released vs live',
      ledger.liveHolds,
      counts.held - counts.commits - counts.releases,
    ),
    check('units reserved, all SKUs, vs live holds', ledger.liveHolds, reservedUnits),
    check('SKUs oversold (available or reserved < 0)', 0, negative),
    check('SKUs whose available + reserved + committed ≠ stocked', 0, unbalanced),
  ];
}

/**
 * The struct-of-arrays reference (soa-ledger.ts): the ledger loop's workload — the same string ids, SKUs, stock,
 * window and mix, in the same synchronous loop — on the least ledger that does it. What the Ledger class is judged
 * against: the ledger loop ÷ this.
 */
export function runSoaLoop(plan: LedgerLoopPlan): CaseResult {
  const state: SoaState = {
    ledger: new SoaLedger(plan.skus, plan.unitsPerSku),
    plan,
    sampler: new LatencySampler(plan.latencySampleEvery),
    held: [],
    reserveCount: 0,
    counts: { reserves: 0, held: 0, soldOut: 0, duplicates: 0, commits: 0, releases: 0, settlesWithoutHold: 0 },
  };
  runWindowsFor(() => runWindow(state), plan.warmupMs);
  state.sampler.reset();
  const before = { ...state.counts };
  const outcome = runWindowsFor(() => runWindow(state), plan.durationMs);
  return {
    name: 'soa-loop',
    description:
      `a struct-of-arrays ledger (Map id → slot, typed-array columns, a free list, interned SKUs) in a synchronous ` +
      `loop: reserve → commit|release over ${plan.skus.length} SKUs`,
    ops: outcome.ops,
    durationMs: Math.round(outcome.elapsedMs),
    opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
    latencyMeasures: `one reserve call, ${state.sampler.describe()}`,
    latencyUs: state.sampler.summary(),
    checks: soaChecks(state),
    details: {
      skus: plan.skus.length,
      reservesPerWindow: plan.reservesPerWindow,
      windows: outcome.windows,
      reserveOps: state.counts.reserves - before.reserves,
      commitOps: state.counts.commits - before.commits,
      releaseOps: state.counts.releases - before.releases,
      liveHolds: state.ledger.liveHolds,
    },
  };
}
