import { createLatencyHistogram, recordSinceUs, summarizeLatencyUs } from './histogram.js';
import type { LatencyHistogram, LatencySummaryUs } from './histogram.js';

const NOT_SAMPLED = -1;

/**
 * Times one op in every `sampleEvery` from issue to resolution (performance.now(), whole µs)
 * into an HDR histogram. sampleEvery = 1 times every op.
 */
export class LatencySampler {
  readonly sampleEvery: number;
  #histogram: LatencyHistogram = createLatencyHistogram();
  #opIndex = 0;

  constructor(sampleEvery: number) {
    if (!Number.isSafeInteger(sampleEvery) || sampleEvery < 1) {
      throw new Error(`sampleEvery must be a positive integer, got ${sampleEvery}`);
    }
    this.sampleEvery = sampleEvery;
  }

  /** Call when issuing an op; pass the answer to `finish` when it resolves. */
  start(): number {
    const opIndex = this.#opIndex++;
    return opIndex % this.sampleEvery === 0 ? performance.now() : NOT_SAMPLED;
  }

  finish(startMs: number): void {
    if (startMs !== NOT_SAMPLED) recordSinceUs(this.#histogram, startMs);
  }

  /** Forgets everything recorded so far (after a warm-up). */
  reset(): void {
    this.#histogram.reset();
    this.#opIndex = 0;
  }

  summary(): LatencySummaryUs {
    return summarizeLatencyUs(this.#histogram);
  }

  describe(): string {
    return this.sampleEvery === 1
      ? 'every op timed in the throughput pass'
      : `1 op in ${this.sampleEvery} timed in the throughput pass`;
  }
}
