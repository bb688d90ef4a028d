import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../api/types.js';

/** Operation latency in microseconds, on an HDR histogram (integers, 3 significant digits). */
export class LatencyRecorder {
  private readonly histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records `count` operations that each took at most `latencyUs`. */
  record(latencyUs: number, count: number): void {
    const value = Math.max(1, Math.min(60_000_000, Math.round(latencyUs)));
    this.histogram.recordValueWithCount(value, count);
  }

  reset(): void {
    this.histogram.reset();
  }

  summary(): LatencySummary {
    const histogram = this.histogram;
    return {
      count: histogram.totalCount,
      p50Us: histogram.getValueAtPercentile(50),
      p99Us: histogram.getValueAtPercentile(99),
      p999Us: histogram.getValueAtPercentile(99.9),
      maxUs: histogram.maxValue,
    };
  }
}
