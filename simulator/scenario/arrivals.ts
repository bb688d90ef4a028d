import type { Random } from '../kernel/random.js';
import type { Arrivals } from './schema.js';

/** Orders per second at time `tMs` (baseline, plus the spike's ramp, plateau and ramp down). */
export function arrivalRateAt(arrivals: Arrivals, tMs: number): number {
  const { baselinePerSecond, spike } = arrivals;
  if (spike === null) return baselinePerSecond;
  const extra = spike.peakPerSecond - baselinePerSecond;
  const into = tMs - spike.atMs;
  if (into < 0) return baselinePerSecond;
  if (into < spike.rampMs) return baselinePerSecond + extra * (into / spike.rampMs);
  if (into < spike.rampMs + spike.holdMs) return spike.peakPerSecond;
  const down = into - spike.rampMs - spike.holdMs;
  if (down < spike.rampMs) return baselinePerSecond + extra * (1 - down / spike.rampMs);
  return baselinePerSecond;
}

/** The highest rate the process ever reaches (the thinning envelope). */
export function peakArrivalRate(arrivals: Arrivals): number {
  return Math.max(arrivals.baselinePerSecond, arrivals.spike?.peakPerSecond ?? 0);
}

/**
 * The arrival times (ms) of a non-homogeneous Poisson process over [0, durationMs), by thinning:
 * candidates at the peak rate, each kept with probability rate(t) / peak. Deterministic for a
 * given random stream.
 */
export function* arrivalTimesMs(arrivals: Arrivals, durationMs: number, random: Random): Generator<number> {
  const peak = peakArrivalRate(arrivals);
  if (peak <= 0) return;
  const meanGapMs = 1000 / peak;
  for (let t = random.exponential(meanGapMs); t < durationMs; t += random.exponential(meanGapMs)) {
    if (random.float() * peak < arrivalRateAt(arrivals, t)) yield t;
  }
}
