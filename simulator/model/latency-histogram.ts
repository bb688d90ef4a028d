import * as hdr from 'hdr-histogram-js';
import type { LatencyPercentilesMs } from './types.js';

const HIGHEST_US = 3_600_000_000;

function roundMs(us: number): number {
  return Math.round(us) / 1000;
}

/** Simulated latencies (1 µs .. 1 h) on an HDR histogram, 3 significant digits; reported in ms. */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  recordUs(us: number): void {
    this.histogram.recordValue(Math.max(1, Math.min(HIGHEST_US, Math.round(us))));
  }

  percentilesMs(): LatencyPercentilesMs {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    return {
      count: h.totalCount,
      p50: roundMs(h.getValueAtPercentile(50)),
      p90: roundMs(h.getValueAtPercentile(90)),
      p99: roundMs(h.getValueAtPercentile(99)),
      p999: roundMs(h.getValueAtPercentile(99.9)),
      max: roundMs(h.maxValue),
      mean: roundMs(h.mean),
    };
  }
}
