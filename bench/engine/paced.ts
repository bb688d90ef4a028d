import { defined } from '../../shared/invariant.js';
import { createEngine } from '../../engine/index.js';
import { check, opsPerSecond, type CaseResult } from '../harness/case-result.js';
import { createLatencyHistogram, summarizeLatencyUs } from '../load/histogram.js';
import { benchEngineOptions } from '../load/engine-options.js';
import { BENCH_LOCATION, HOLD_TTL_MS, MIX_CHANNEL, receiveStock } from '../load/stock.js';

export interface PacedPlan {
  shards: number;
  skus: string[];
  unitsPerSku: number;
  /** Operations per second offered in all (reserves and the releases that follow them, one each). */
  opsPerSecond: number;
  warmupMs: number;
  durationMs: number;
}

interface PacedRun {
  sent: number;
  answered: number;
  refused: number;
  /** How late the driver issued requests against their schedule, ms (its own lag, not the engine's). */
  lagMsMax: number;
}

/**
 * Open loop: a reserve is due every 2 / opsPerSecond s whatever the answers, and each held one is
 * released as soon as it is answered (so the offered load is opsPerSecond operations in all). Every
 * reserve's latency is timed from its due time to its answer. The driver issues what is due each
 * millisecond (setTimeout 1 ms), so its own lag shows in `lagMsMax`.
 */
async function runPaced(plan: PacedPlan, engine: Awaited<ReturnType<typeof createEngine>>, durationMs: number) {
  const latency = createLatencyHistogram();
  const run: PacedRun = { sent: 0, answered: 0, refused: 0, lagMsMax: 0 };
  const reservesPerMs = plan.opsPerSecond / 2 / 1000;
  const startMs = performance.now();
  let serial = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const nowMs = performance.now();
      const due = Math.min(Math.floor((nowMs - startMs) * reservesPerMs), Math.floor(durationMs * reservesPerMs));
      if (due > run.sent) run.lagMsMax = Math.max(run.lagMsMax, nowMs - (startMs + run.sent / reservesPerMs));
      while (run.sent < due) issue(startMs + run.sent++ / reservesPerMs);
      if (nowMs - startMs >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  while (run.answered < run.sent) await new Promise((resolve) => setTimeout(resolve, 5));
  return { run, latency, elapsedMs: performance.now() - startMs };

  function issue(dueAtMs: number): void {
    const id = `p${serial++}-${Math.round(startMs)}`;
    const sku = defined(plan.skus[Math.floor(Math.random() * plan.skus.length)], 'a SKU');
    void engine.reserve({ id, channel: MIX_CHANNEL, ttlMs: HOLD_TTL_MS, lines: [{ sku, qty: 1 }] }).then((result) => {
      latency.record((performance.now() - dueAtMs) * 1000, 1);
      run.answered++;
      if (!result.ok) run.refused++;
      else void engine.release(id);
    });
  }
}

/** The embedded engine at a paced rate (half what engine-uniform measured): reserve latency at that load. */
export async function runEnginePaced(plan: PacedPlan): Promise<CaseResult> {
  const engine = await createEngine(benchEngineOptions(plan.shards));
  try {
    await receiveStock(engine, plan.skus, BENCH_LOCATION, plan.unitsPerSku);
    await runPaced(plan, engine, plan.warmupMs);
    const { run, latency, elapsedMs } = await runPaced(plan, engine, plan.durationMs);
    return {
      name: 'engine-paced',
      description: `embedded engine, ${plan.shards} shards, open loop at ${Math.round(plan.opsPerSecond)} ops/s`,
      ops: run.answered * 2,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(run.answered * 2, elapsedMs),
      latencyMeasures: 'every reserve, from its due time (open loop) to its answer: the driver lag included',
      latencyUs: summarizeLatencyUs(latency),
      checks: [check('refused reserves', 0, run.refused), check('reserves answered', run.sent, run.answered)],
      details: {
        shards: plan.shards,
        pacedOpsPerSecondGoal: Math.round(plan.opsPerSecond),
        reserves: run.sent,
        driverLagMsMax: Math.round(run.lagMsMax * 10) / 10,
      },
    };
  } finally {
    await engine.close();
  }
}
