/**
 * Runs `runWindow` (synchronous: it returns the ops it did) again and again for `durationMs`: the
 * driver of the loop ceilings, which apply the mix on this thread with no promises in between.
 */
export function runWindowsFor(
  runWindow: () => number,
  durationMs: number,
): { ops: number; windows: number; elapsedMs: number } {
  const startMs = performance.now();
  let ops = 0;
  let windows = 0;
  while (performance.now() - startMs < durationMs) {
    ops += runWindow();
    windows += 1;
  }
  return { ops, windows, elapsedMs: performance.now() - startMs };
}
