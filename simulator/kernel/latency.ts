import type { Random } from './random.js';

/** An injected latency on one hop (channel → engine, engine → channel, event propagation), in ms. */
export type LatencyModel =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'lognormal'; p50Ms: number; p99Ms: number };

export const NO_LATENCY: LatencyModel = { kind: 'fixed', ms: 0 };

/** One draw of the hop's latency, in whole microseconds (the kernel's time unit). */
export function sampleLatencyUs(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'fixed': return Math.round(model.ms * 1000);
    case 'uniform': return Math.round((model.minMs + (model.maxMs - model.minMs) * random.float()) * 1000);
    case 'exponential': return Math.round(random.exponential(model.meanMs) * 1000);
    case 'lognormal': return Math.round(random.lognormal(model.p50Ms, model.p99Ms) * 1000);
  }
}

/** Why a latency model is unusable, or null. */
export function latencyProblem(model: unknown, field: string): string | null {
  const m = model as Record<string, unknown>;
  const nonNegative = (key: string) => typeof m[key] === 'number' && Number.isFinite(m[key]) && (m[key] as number) >= 0;
  if (typeof model !== 'object' || model === null) return `${field}: must be a latency model object`;
  switch (m.kind) {
    case 'fixed': return nonNegative('ms') ? null : `${field}.ms: must be a number >= 0`;
    case 'uniform': return nonNegative('minMs') && nonNegative('maxMs') && (m.maxMs as number) >= (m.minMs as number)
      ? null : `${field}: needs 0 <= minMs <= maxMs`;
    case 'exponential': return nonNegative('meanMs') ? null : `${field}.meanMs: must be a number >= 0`;
    case 'lognormal': return nonNegative('p50Ms') && nonNegative('p99Ms') && (m.p50Ms as number) > 0 && (m.p99Ms as number) >= (m.p50Ms as number)
      ? null : `${field}: needs 0 < p50Ms <= p99Ms`;
    default: return `${field}.kind: must be fixed, uniform, exponential or lognormal`;
  }
}
