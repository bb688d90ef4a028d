import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { defined, invariant } from '../../shared/invariant.js';

/** z of the standard normal distribution at its 99th percentile: ln(p99 / p50) = σ · Z99 for a lognormal. */
const Z99 = 2.3263478740408408;

/**
 * The simulator's only source of randomness: a seeded xoroshiro128+ stream (pure-rand), so a
 * seed fixes every draw. Subsystems take their own stream from fork(), so adding draws to one
 * (say, more latency samples) does not shift another's (the arrivals).
 */
export class Random {
  private readonly rng: RandomGenerator;
  private spareNormal: number | null = null;

  constructor(readonly seed: number) {
    invariant(Number.isSafeInteger(seed), `a seed is a whole number, got ${seed}`);
    this.rng = xoroshiro128plus(seed);
  }

  /** In [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    invariant(items.length > 0, 'pick from an empty list');
    return defined(items[this.int(0, items.length - 1)], 'pick within the list');
  }

  /** The wait until the next event of a Poisson process with this mean gap. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.float()));
    const angle = 2 * Math.PI * this.float();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A lognormal draw with the given median and 99th percentile (latencies: a long right tail). */
  lognormal(p50: number, p99: number): number {
    invariant(p50 > 0 && p99 >= p50, `a lognormal needs 0 < p50 <= p99, got ${p50}, ${p99}`);
    const sigma = Math.log(p99 / p50) / Z99;
    return p50 * Math.exp(sigma * this.normal());
  }

  /** An independent stream, derived from this one (deterministic for a given seed and call order). */
  fork(): Random {
    return new Random(this.int(0, 2 ** 31 - 1) * 2 ** 20 + this.int(0, 2 ** 20 - 1));
  }
}
