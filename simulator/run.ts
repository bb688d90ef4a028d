import { InvalidArgumentError } from '../engine/api/errors.js';
import { buildCatalogue, type RunCatalogue } from './model/catalogue.js';
import { EngineLink } from './model/engine-link.js';
import { HoldfastStrategy } from './model/holdfast-strategy.js';
import { NaiveStrategy } from './model/naive-strategy.js';
import { runStrategy, streamsOf, type RunStreams } from './model/run-strategy.js';
import { Shelf } from './model/shelf.js';
import type { Strategy } from './model/strategy.js';
import type { CallRecorder, RunMode, SimulationResult, StrategyName, StrategyReport } from './model/types.js';
import { createRig, type RemoteEngine, type Rig } from './rig.js';
import type { Scenario } from './scenario/schema.js';

export type { RemoteEngine };

export interface SimulationOptions {
  scenario: Scenario;
  seed: number;
  strategies: StrategyName[];
  mode: RunMode;
  /** Live mode only: a remote gateway; omitted, an embedded engine with `scenario.engine.shards` workers. */
  remote?: RemoteEngine | null;
  /**
   * Live mode: how long the run goes on after the traffic stops (default 10 s). Payments,
   * picks and returns due later are dropped and their orders counted `unfinished`.
   */
  liveDrainMs?: number;
  /** Timeline resolution; default: the duration / 180, at least 100 ms. */
  sampleIntervalMs?: number;
  /** Writes the holdfast strategy's engine calls as a trace (`--record`). */
  recorder?: CallRecorder | null;
  onProgress?: (strategy: StrategyName, fraction: number) => void;
}

export const DEFAULT_LIVE_DRAIN_MS = 10_000;

export function defaultSampleIntervalMs(durationMs: number): number {
  return Math.max(100, Math.round(durationMs / 180));
}

/**
 * Runs the scenario's traffic through each strategy (same seed: same customers) and reports them
 * side by side. Virtual mode is deterministic: the same seed gives byte-identical JSON.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const { scenario, seed, mode } = options;
  if (mode === 'live' && options.strategies.includes('naive')) {
    throw new InvalidArgumentError(
      "strategy: naive is a model of the shops' current systems and " +
        'runs in virtual time only; live mode runs --strategy holdfast',
    );
  }
  const reports: StrategyReport[] = [];
  for (const name of options.strategies) reports.push(await runOne(options, name));
  return {
    scenario: scenario.name,
    seed,
    mode,
    durationMs: scenario.durationMs,
    engine: {
      shards: scenario.engine.shards,
      serviceUsPerOp: mode === 'virtual' ? scenario.engine.serviceUsPerOp : 0,
      maxInFlightOpsPerShard: scenario.engine.maxInFlightOpsPerShard,
    },
    strategies: reports,
  };
}

async function runOne(options: SimulationOptions, name: StrategyName): Promise<StrategyReport> {
  const { scenario } = options;
  const remote = options.mode === 'live' ? (options.remote ?? null) : null;
  const catalogue = buildCatalogue(
    scenario.catalogue,
    remote === null ? scenario.catalogue.prefix : `${scenario.catalogue.prefix}-${runTag()}`,
  );
  const streams = streamsOf(options.seed);
  const shelf = new Shelf(catalogue);
  const rig = await createRig({
    mode: options.mode,
    remote,
    engine: scenario.engine,
    locationOrder: catalogue.locations,
    needsEngine: name === 'holdfast',
    liveDeadlineUs: (scenario.durationMs + (options.liveDrainMs ?? DEFAULT_LIVE_DRAIN_MS)) * 1000,
  });
  try {
    const built = strategyFor(name, options, rig, catalogue, streams, shelf);
    return await runStrategy({
      scenario,
      catalogue,
      streams,
      shelf,
      scheduler: rig.scheduler,
      strategy: built.strategy,
      sampleIntervalMs: options.sampleIntervalMs ?? defaultSampleIntervalMs(scenario.durationMs),
      expireDue: rig.expireDue,
      drive: () => rig.drive(built.busy),
      onProgress: options.onProgress === undefined ? undefined : (fraction) => options.onProgress!(name, fraction),
    });
  } finally {
    await rig.close();
  }
}

function strategyFor(
  name: StrategyName,
  options: SimulationOptions,
  rig: Rig,
  catalogue: RunCatalogue,
  streams: RunStreams,
  shelf: Shelf,
): { strategy: Strategy; busy: () => boolean } {
  const { scenario } = options;
  if (name === 'naive') {
    const strategy = new NaiveStrategy({
      scheduler: rig.scheduler,
      random: streams.latency,
      catalogue,
      shelf,
      channels: scenario.channels.map((channel) => channel.name),
      events: scenario.latency.events,
      holdTtlMs: scenario.abandonment.holdTtlMs,
    });
    return { strategy, busy: () => strategy.queueDepth() > 0 };
  }
  const link = new EngineLink(rig.scheduler, streams.latency, scenario.latency, rig.shards, options.recorder ?? null);
  const strategy = new HoldfastStrategy({
    api: rig.api!,
    link,
    catalogue,
    shelf,
    holdTtlMs: scenario.abandonment.holdTtlMs,
    originMs: rig.originMs,
    watch: rig.watch,
  });
  return { strategy, busy: () => link.depth > 0 };
}

/** A tag that keeps a remote run's SKUs apart from earlier runs' on the same server. */
function runTag(): string {
  return Date.now().toString(36);
}
