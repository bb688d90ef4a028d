import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Latency percentiles of one case, integer microseconds. */
export interface LatencySummaryUs {
  count: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

export type LatencyHistogram = Histogram;

const LATENCY_US_MAX = 60_000_000;

/** A JS (not WebAssembly) HDR histogram of integer microseconds, 1 µs .. 60 s, 3 significant digits. */
export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build({
    useWebAssembly: false,
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_US_MAX,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records the time since `startMs` (a performance.now() reading) as whole microseconds. */
export function recordSinceUs(histogram: LatencyHistogram, startMs: number): void {
  const elapsedUs = Math.round((performance.now() - startMs) * 1000);
  histogram.recordValue(elapsedUs < 1 ? 1 : elapsedUs);
}

export function summarizeLatencyUs(histogram: LatencyHistogram): LatencySummaryUs {
  return {
    count: histogram.totalCount,
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
  };
}
