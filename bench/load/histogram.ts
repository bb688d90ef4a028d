import { LatencyRecorder } from '../../engine/router/latency.js';
import type { LatencySummary } from '../../engine/api/types.js';

/** Latency percentiles of one case, integer microseconds (the engine's own summary shape). */
export type LatencySummaryUs = LatencySummary;

/** The engine's HDR recorder (JS build, 1 µs .. 60 s, 3 significant digits), reused here. */
export type LatencyHistogram = LatencyRecorder;

export function createLatencyHistogram(): LatencyHistogram {
  return new LatencyRecorder();
}

/** Records the time since `startMs` (a performance.now() reading) as whole microseconds. */
export function recordSinceUs(histogram: LatencyHistogram, startMs: number): void {
  histogram.record((performance.now() - startMs) * 1000, 1);
}

export function summarizeLatencyUs(histogram: LatencyHistogram): LatencySummaryUs {
  return histogram.summary();
}
