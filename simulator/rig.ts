import { availableParallelism } from 'node:os';
import type { ChangeListener, Engine } from '../engine/api/engine.js';
import { createEngine } from '../engine/engine.js';
import { connect } from '../engine/client/index.js';
import { Kernel } from './kernel/kernel.js';
import { LiveScheduler } from './live/live-scheduler.js';
import { ShardModel } from './model/shard-model.js';
import type { AllocationApi, RunMode, Scheduler } from './model/types.js';
import type { Scenario } from './scenario/schema.js';

/** A remote `holdfast serve` to run live against. */
export interface RemoteEngine {
  url: string;
  token: string;
}

/** What a run needs that depends on its mode: a scheduler, an engine, and how to drive them. */
export interface Rig {
  scheduler: Scheduler;
  api: AllocationApi | null;
  /** Change events of an embedded engine; null for a remote one (its pushes carry totals only). */
  watch: ((listener: ChangeListener) => () => void) | null;
  /** The engine clock's reading at the run's time 0, ms. */
  originMs: number;
  /** Virtual time: the shards' queues as modelled; null when the engine answers at once or is real. */
  shards: ShardModel | null;
  /** Virtual time: expires due holds (the engine's own timer would run in real time). */
  expireDue: (() => void) | null;
  /** Runs the scheduler until nothing is left to do and `busy()` is false; how many actions ran. */
  drive: (busy: () => boolean) => Promise<number>;
  close: () => Promise<void>;
}

export interface RigOptions {
  mode: RunMode;
  /** Live mode: a remote gateway; null: an embedded engine. */
  remote: RemoteEngine | null;
  engine: Scenario['engine'];
  locationOrder: string[];
  /** False: no engine at all (the naive strategy keeps its own books). */
  needsEngine: boolean;
  /** Live mode: when the run stops, from its start (µs); what is still scheduled then is dropped. */
  liveDeadlineUs: number;
}

/**
 * Virtual: the kernel, an in-thread engine (shards 0) on its clock, the shards modelled as FIFO
 * queues. Live: real time, and an embedded engine with worker shards or a remote one.
 */
export async function createRig(options: RigOptions): Promise<Rig> {
  if (options.mode === 'virtual') return virtualRig(options);
  return options.remote === null ? embeddedLiveRig(options) : remoteLiveRig(options.remote, options.liveDeadlineUs);
}

async function virtualRig({ engine: model, locationOrder, needsEngine }: RigOptions): Promise<Rig> {
  const kernel = new Kernel();
  const engine = needsEngine
    ? await createEngine({
        shards: 0,
        clock: kernel.clock,
        expirySweepIntervalMs: 0,
        locationOrder,
        retainedOutcomesPerShard: 0,
      })
    : null;
  const { shards, serviceUsPerOp, maxInFlightOpsPerShard } = model;
  return {
    scheduler: kernel,
    api: engine,
    watch: engine === null ? null : (listener) => engine.subscribe('*', listener),
    originMs: 0,
    shards: shards > 0 && serviceUsPerOp > 0 ? new ShardModel(shards, serviceUsPerOp, maxInFlightOpsPerShard) : null,
    expireDue: engine === null ? null : () => void engine.expireDue(),
    drive: () => kernel.run(),
    close: async () => engine?.close(),
  };
}

function liveRig(
  scheduler: LiveScheduler,
  api: AllocationApi,
  watch: Rig['watch'],
  close: () => Promise<void>,
  deadlineUs: number,
): Rig {
  return {
    scheduler,
    api,
    watch,
    close,
    originMs: Math.floor(Date.now() - scheduler.timeUs / 1000),
    shards: null,
    expireDue: null,
    drive: (busy) => scheduler.run(busy, deadlineUs),
  };
}

async function embeddedLiveRig({ engine: model, locationOrder, liveDeadlineUs }: RigOptions): Promise<Rig> {
  const engine: Engine = await createEngine({
    shards: model.shards === 0 ? availableParallelism() : model.shards,
    maxInFlightOpsPerShard: model.maxInFlightOpsPerShard,
    locationOrder,
  });
  return liveRig(
    new LiveScheduler(),
    engine,
    (listener) => engine.subscribe('*', listener),
    () => engine.close(),
    liveDeadlineUs,
  );
}

async function remoteLiveRig(remote: RemoteEngine, liveDeadlineUs: number): Promise<Rig> {
  const client = await connect({ url: remote.url, token: remote.token });
  return liveRig(new LiveScheduler(), client, null, () => client.close(), liveDeadlineUs);
}
