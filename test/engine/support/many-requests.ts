/**
 * Inputs for the many-call tests (issue 14): SKU names that fall on both shards of a two-shard
 * engine, fast-check arbitraries of reserve requests (valid single-line, multi-line spanning
 * shards, replays, same id with another body, sold out, frozen, malformed of many kinds) and of
 * hold ids (known, unknown, malformed), each given a run's prefix so runs on one engine never meet.
 */
import fc from 'fast-check';
import { LIMITS, shardOfSku } from '../../../dist/engine/index.js';

export const FIXED_MS = 5_000_000;
export const TTL_MS = 60_000;

/** `count` SKU names (with `prefix`) alternating between shard 0 and shard 1 of a two-shard engine. */
export function skusOnBothShards(prefix: string, count: number): string[] {
  const byShard: string[][] = [[], []];
  for (let n = 0; byShard[0].length + byShard[1].length < count * 4; n++) {
    const sku = `${prefix}K${n}`;
    byShard[shardOfSku(sku, 2)].push(sku);
  }
  return Array.from({ length: count }, (_, i) => byShard[i % 2][Math.floor(i / 2)]);
}

/** The SKUs of one run: the first `STOCKED` are received (and one frozen), the last one never. */
export interface RunSkus {
  stocked: string[];
  frozen: string;
  unknown: string;
}

export function runSkus(prefix: string): RunSkus {
  const skus = skusOnBothShards(prefix, 6);
  return { stocked: skus.slice(0, 4), frozen: skus[4], unknown: skus[5] };
}

export function allSkus(skus: RunSkus): string[] {
  return [...skus.stocked, skus.frozen, skus.unknown];
}

interface Line {
  sku: number;
  qty: number;
}

/** A request before the run's names are filled in: SKUs by index into the run's SKUs (4: frozen, 5: unknown). */
export type RequestSpec =
  | { kind: 'valid'; id: number; channel: string; lines: Line[] }
  | { kind: 'malformed'; id: number; sku: number; how: number }
  | { kind: 'repeat'; of: number };

const lineArb = fc.record({ sku: fc.integer({ min: 0, max: 5 }), qty: fc.integer({ min: 1, max: 4 }) });

export const MALFORMED_KINDS = 24;

const specArb: fc.Arbitrary<RequestSpec> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('valid' as const),
      id: fc.integer({ min: 0, max: 7 }),
      channel: fc.constantFrom('web', 'pos'),
      lines: fc.oneof(
        { weight: 3, arbitrary: fc.array(lineArb, { minLength: 1, maxLength: 1 }) },
        { weight: 2, arbitrary: fc.uniqueArray(lineArb, { minLength: 2, maxLength: 3, selector: (line) => line.sku }) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('malformed' as const),
      id: fc.integer({ min: 0, max: 7 }),
      sku: fc.integer({ min: 0, max: 3 }),
      how: fc.integer({ min: 0, max: MALFORMED_KINDS - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), of: fc.nat() }) },
);

export const requestSpecsArb = fc.array(specArb, { minLength: 0, maxLength: 40 });

/** The reserve requests a list of specs stands for (a repeat is a deep copy of an earlier request). */
export function requestsOf(specs: readonly RequestSpec[], prefix: string, skus: RunSkus): unknown[] {
  const names = allSkus(skus);
  const requests: unknown[] = [];
  for (const spec of specs) {
    if (spec.kind === 'repeat') {
      requests.push(requests.length === 0 ? null : structuredClone(requests[spec.of % requests.length]));
    } else if (spec.kind === 'valid') {
      const lines = spec.lines.map((line) => ({ sku: names[line.sku], qty: line.qty }));
      requests.push({ id: `${prefix}h${spec.id}`, channel: spec.channel, ttlMs: TTL_MS, lines });
    } else {
      requests.push(malformed(spec.how, `${prefix}h${spec.id}`, names[spec.sku]));
    }
  }
  return requests;
}

/** One malformed reserve request of kind `how` (0 … MALFORMED_KINDS − 1). */
export function malformed(how: number, id: string, sku: string): unknown {
  const valid = { id, channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] };
  const kinds: unknown[] = [
    null,
    'not-a-request',
    [valid],
    {},
    { id, channel: 'web', ttlMs: TTL_MS },
    { ...valid, id: 42 },
    { ...valid, id: '' },
    { ...valid, id: 'x'.repeat(LIMITS.idLengthMax + 1) },
    { ...valid, channel: 7 },
    { ...valid, channel: 'c'.repeat(LIMITS.channelLengthMax + 1) },
    { ...valid, ttlMs: 0 },
    { ...valid, ttlMs: 1.5 },
    { ...valid, ttlMs: LIMITS.ttlMsMax + 1 },
    { ...valid, lines: [] },
    { ...valid, lines: sku },
    { ...valid, lines: [{ sku, qty: 0 }] },
    { ...valid, lines: [{ sku, qty: -2 }] },
    { ...valid, lines: [{ sku, qty: 1.5 }] },
    { ...valid, lines: [{ sku, qty: LIMITS.quantityMax + 1 }] },
    { ...valid, lines: [{ sku: '', qty: 1 }] },
    { ...valid, lines: [{ sku, qty: 1, colour: 'red' }] },
    { ...valid, lines: [null] },
    { ...valid, strategy: 'cheapest-please' },
    { ...valid, lines: Array.from({ length: LIMITS.linesPerHoldMax + 1 }, () => ({ sku, qty: 1 })) },
  ];
  return kinds[how];
}

/** A hold id of a by-id many-call: a known hold (by index), an unknown one, or a malformed one. */
export type IdSpec = { kind: 'hold'; n: number } | { kind: 'unknown'; n: number } | { kind: 'malformed'; how: number };

export const idSpecArb: fc.Arbitrary<IdSpec> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('hold' as const), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('malformed' as const), how: fc.integer({ min: 0, max: 5 }) }) },
);

export function idOf(spec: IdSpec, prefix: string, holds: readonly string[]): unknown {
  if (spec.kind === 'hold') return holds[spec.n % holds.length];
  if (spec.kind === 'unknown') return `${prefix}never-${spec.n}`;
  return [null, 42, '', 'x'.repeat(LIMITS.idLengthMax + 1), { id: holds[0] }, [holds[0]]][spec.how];
}
