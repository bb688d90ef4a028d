import type { RunMode } from './model/types.js';
import { createRig, type RemoteEngine } from './rig.js';
import type { Scenario } from './scenario/schema.js';
import { replayTrace, type ReplayReport } from './trace/replay.js';
import type { TraceEvent } from './trace/schema.js';

export interface ReplayRunOptions {
  events: readonly TraceEvent[];
  mode: RunMode;
  /** Live mode: a remote gateway; null: an embedded engine. */
  remote: RemoteEngine | null;
  /** 1: the recorded pace; 2: twice as fast. */
  speed: number;
  /** The engine the trace runs against (virtual: its shards modelled; live: its worker count). */
  engine: Scenario['engine'];
  onProgress?: (done: number, total: number) => void;
}

/** Replays a trace against a fresh engine, in virtual time (deterministic) or live. */
export async function runReplay(options: ReplayRunOptions): Promise<ReplayReport> {
  const rig = await createRig({
    mode: options.mode,
    remote: options.remote,
    engine: options.engine,
    locationOrder: [],
    needsEngine: true,
    liveDeadlineUs: Number.POSITIVE_INFINITY,
  });
  try {
    let settled = false;
    const replay = replayTrace(options.events, {
      api: rig.api!,
      scheduler: rig.scheduler,
      speed: options.speed,
      originMs: rig.originMs,
      onProgress: options.onProgress,
    }).finally(() => {
      settled = true;
    });
    await rig.drive(() => !settled);
    return await replay;
  } finally {
    await rig.close();
  }
}
