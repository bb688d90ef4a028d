import { z } from 'zod';
import type { Random } from './random.js';

const nonNegative = z.number().finite().nonnegative();
const positiveMs = z.number().finite().positive();

/** An injected latency on one hop (channel → engine, engine → channel, event propagation), in ms. */
export const latencySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: nonNegative }),
  z
    .strictObject({ kind: z.literal('uniform'), minMs: nonNegative, maxMs: nonNegative })
    .refine((m) => m.maxMs >= m.minMs, { message: 'maxMs must be at least minMs' }),
  z.strictObject({ kind: z.literal('exponential'), meanMs: nonNegative }),
  z
    .strictObject({ kind: z.literal('lognormal'), p50Ms: positiveMs, p99Ms: positiveMs })
    .refine((m) => m.p99Ms >= m.p50Ms, { message: 'p99Ms must be at least p50Ms' }),
]);

export type LatencyModel = z.infer<typeof latencySchema>;

export const NO_LATENCY: LatencyModel = { kind: 'fixed', ms: 0 };

/** One draw of the hop's latency, in whole microseconds (the kernel's time unit). */
export function sampleLatencyUs(model: LatencyModel, random: Random): number {
  switch (model.kind) {
    case 'fixed':
      return Math.round(model.ms * 1000);
    case 'uniform':
      return Math.round((model.minMs + (model.maxMs - model.minMs) * random.float()) * 1000);
    case 'exponential':
      return Math.round(random.exponential(model.meanMs) * 1000);
    case 'lognormal':
      return Math.round(random.lognormal(model.p50Ms, model.p99Ms) * 1000);
  }
}
