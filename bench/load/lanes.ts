/**
 * Issues one window of ops and resolves, once they have all resolved, with how many ops it
 * issued; 0 means the work is done and ends the lane.
 */
export type WindowRunner = (lane: number) => Promise<number>;

export interface LanesOutcome {
  ops: number;
  windows: number;
  elapsedMs: number;
}

export interface LanesPlan {
  /** Windows outstanding at once; each lane starts its next window when its last one settles. */
  lanes: number;
  /** No lane starts a window after this much time. */
  durationMs: number;
  /** No lane starts a window once this many ops have been issued (Infinity = time-bound only). */
  opsMax: number;
}

/** Runs `plan.lanes` concurrent loops of windows until the time or op budget is spent. */
export async function runLanes(runWindow: WindowRunner, plan: LanesPlan): Promise<LanesOutcome> {
  const startMs = performance.now();
  const deadlineMs = startMs + plan.durationMs;
  const totals = { ops: 0, windows: 0 };
  const laneLoop = async (lane: number): Promise<void> => {
    while (performance.now() < deadlineMs && totals.ops < plan.opsMax) {
      const windowOps = await runWindow(lane); // awaited first: `totals.ops += await …` would lose updates
      if (windowOps === 0) return;
      totals.ops += windowOps;
      totals.windows += 1;
    }
  };
  const loops: Promise<void>[] = [];
  for (let lane = 0; lane < plan.lanes; lane++) loops.push(laneLoop(lane));
  await Promise.all(loops);
  return { ops: totals.ops, windows: totals.windows, elapsedMs: performance.now() - startMs };
}
