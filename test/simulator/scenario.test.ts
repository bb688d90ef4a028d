/**
 * Scenarios: the built-ins are valid, bad scenarios name every problem
 * by field, and the arrival process has the shape and the volume its rate says.
 *
 * From issue 6, first piece.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../simulator/kernel/random.js';
import { arrivalRateAt, arrivalTimesMs } from '../../simulator/scenario/arrivals.js';
import { BUILT_IN_SCENARIOS } from '../../simulator/scenario/builtins.js';
import { parseScenario } from '../../simulator/scenario/schema.js';

describe('simulator scenarios', () => {
  it('ships the five built-in scenarios, each valid', () => {
    expect(Object.keys(BUILT_IN_SCENARIOS).sort()).toEqual([
      'erp-batch',
      'flash-sale',
      'multi-location',
      'returns-drift',
      'steady-omnichannel',
    ]);
    for (const [name, scenario] of Object.entries(BUILT_IN_SCENARIOS)) {
      const parsed = parseScenario(JSON.parse(JSON.stringify(scenario)));
      expect(parsed, name).toEqual({ ok: true, scenario });
    }
  });

  it('names every problem of a bad scenario by its field path', () => {
    const bad = structuredClone(BUILT_IN_SCENARIOS['flash-sale']) as Record<string, unknown>;
    (bad.orders as Record<string, unknown>).linesMin = 0;
    (bad.latency as Record<string, unknown>).toEngine = { kind: 'lognormal', p50Ms: 10, p99Ms: 1 };
    bad.extra = true;
    const parsed = parseScenario(bad);
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems.some((p) => p.startsWith('orders.linesMin:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('latency.toEngine:') && p.includes('p99Ms must be at least p50Ms'))).toBe(
      true,
    );
    expect(problems.some((p) => p.includes('extra'))).toBe(true);
    expect(parseScenario('flash-sale').ok).toBe(false);
  });

  it('the spike ramps up, holds and ramps down', () => {
    const arrivals = { baselinePerSecond: 10, spike: { atMs: 1000, rampMs: 1000, peakPerSecond: 110, holdMs: 2000 } };
    expect([0, 1000, 1500, 2000, 3999, 4500, 5000, 9000].map((t) => arrivalRateAt(arrivals, t))).toEqual([
      10, 10, 60, 110, 110, 60, 10, 10,
    ]);
  });

  it('arrivals are deterministic for a seed and their count follows the rate (thinning)', () => {
    const arrivals = {
      baselinePerSecond: 200,
      spike: { atMs: 20_000, rampMs: 5_000, peakPerSecond: 2_000, holdMs: 10_000 },
    };
    const durationMs = 60_000;
    const times = [...arrivalTimesMs(arrivals, durationMs, new Random(99))];
    expect([...arrivalTimesMs(arrivals, durationMs, new Random(99))]).toEqual(times);
    // ∫ rate dt: 200/s × 60 s + the spike's extra 1,800/s × (10 s plateau + 2 × 5 s ramps / 2) = 12,000 + 27,000.
    const expected = 39_000;
    expect(Math.abs(times.length - expected) / expected).toBeLessThan(0.02);
    expect(times.every((t, i) => t >= 0 && t < durationMs && (i === 0 || t >= times[i - 1]))).toBe(true);
    const inPlateau = times.filter((t) => t >= 25_000 && t < 35_000).length;
    expect(Math.abs(inPlateau - 20_000) / 20_000).toBeLessThan(0.03);
  });
});
