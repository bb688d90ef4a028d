/**
 * Poisons: what makes a generated write request one the docs guarantee is refused (a bad
 * quantity or text, an unknown or missing field, a forbidden key, nesting too deep, params that
 * are not an object). This is how no generated frame can carry a write the engine could accept.
 */
import fc from 'fast-check';
import { FUZZ_SKUS, REQUIRED, fieldsOf, type Encoding, type WriteMethod } from '../vocabulary.js';
import { defineOwn, isPlainObject, nest } from './plain-objects.js';
import { confusingValue, unknownKey } from './values.js';

/** A numeric field and the values the docs say it refuses, per method. */
const BAD_NUMBERS: Readonly<Record<string, readonly unknown[]>> = {
  qty: [
    0,
    -1,
    -1_000_000_000,
    1.5,
    0.000001,
    1_000_000_001,
    1e21,
    2 ** 53 + 2,
    '3',
    '1e3',
    null,
    NaN,
    Infinity,
    -Infinity,
    [1],
    { n: 1 },
    true,
  ],
  delta: [0, 1.5, -0.5, 1_000_000_001, -1_000_000_001, 1e300, '3', null, NaN, Infinity, [1], false],
  ttlMs: [0, -1, 1.5, 2_592_000_001, 1e21, '60000', null, NaN, -Infinity, [60_000], {}],
  onHand: [-1, 1.5, 1_000_000_000_001, 1e21, '5', null, NaN, Infinity, [5]],
  asOf: [-1, 1.5, 2 ** 53 + 2, '1', null, NaN, -Infinity, { t: 1 }],
  safetyStock: [-1, 1.5, 1_000_000_001, '3', NaN, Infinity, [], {}, true],
};
const NUMERIC_FIELD: Readonly<Partial<Record<WriteMethod, string>>> = {
  receive: 'qty',
  adjust: 'delta',
  reserve: 'ttlMs',
  restock: 'qty',
  transfer: 'qty',
  sync: 'onHand',
  setPolicy: 'safetyStock',
};
/** A text field each write method requires, and values it refuses. */
const TEXT_FIELD: Readonly<Record<WriteMethod, string | null>> = {
  receive: 'sku',
  adjust: 'location',
  reserve: 'id',
  commit: 'id',
  fulfil: 'id',
  release: 'id',
  freeze: 'reason',
  unfreeze: 'sku',
  restock: 'location',
  transfer: 'from',
  receiveTransfer: 'id',
  setPolicy: 'sku',
  sync: 'sku',
  syncMany: null,
  batch: null,
  expireDue: null,
};
const BAD_TEXTS: readonly unknown[] = [
  '',
  'x'.repeat(300),
  'é'.repeat(257),
  5,
  0,
  null,
  [],
  ['FZ-0'],
  {},
  { sku: 'FZ-0' },
  true,
  NaN,
  -Infinity,
];

export type Poison =
  'badNumber' | 'badText' | 'unknownField' | 'missingField' | 'forbiddenKey' | 'tooDeep' | 'paramsNotObject';

export interface Spoil {
  poison: Poison;
  /** Picks among candidates (a field, a value, a depth). */
  pick: number;
  pick2: number;
  key: string;
  value: unknown;
}

export const spoilArb: fc.Arbitrary<Spoil> = fc.record({
  poison: fc.constantFrom<Poison>(
    'badNumber',
    'badNumber',
    'badText',
    'badText',
    'unknownField',
    'missingField',
    'forbiddenKey',
    'tooDeep',
    'paramsNotObject',
  ),
  pick: fc.nat(),
  pick2: fc.nat(),
  key: unknownKey,
  value: confusingValue,
});

export const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * Somewhere inside params (at a depth chosen by `pick`), a forbidden key. Copies every object on
 * the way down: values may be shared constants of the arbitraries, which must stay as they are.
 */
function plantForbiddenKey(params: Record<string, unknown>, key: string, pick: number): void {
  let target: Record<string, unknown> = params;
  let steps = pick % 4;
  while (steps-- > 0) {
    const fields = Object.keys(target).filter(
      (field) =>
        isPlainObject(target[field]) ||
        (Array.isArray(target[field]) && (target[field] as unknown[]).some(isPlainObject)),
    );
    if (fields.length === 0) break;
    const field = fields[pick % fields.length];
    const child = target[field];
    if (Array.isArray(child)) {
      const copy = [...child];
      const at = copy.findIndex(isPlainObject);
      const object = { ...(copy[at] as Record<string, unknown>) };
      copy[at] = object;
      target[field] = copy;
      target = object;
    } else {
      const object = { ...(child as Record<string, unknown>) };
      target[field] = object;
      target = object;
    }
  }
  defineOwn(target, key, pick % 2 === 0 ? {} : 1);
}

/**
 * Spoils a write request so that the docs guarantee a refusal; returns the params to send.
 * The spoil is applied last, over any confusion, so nothing can undo it.
 */
export function spoil(method: WriteMethod, params: Record<string, unknown>, s: Spoil, encoding: Encoding): unknown {
  let poison = s.poison;
  const numeric = NUMERIC_FIELD[method];
  const text = TEXT_FIELD[method];
  if (poison === 'badNumber' && numeric === undefined) poison = text !== null ? 'badText' : 'unknownField';
  if (poison === 'badText' && text === null) poison = 'unknownField';
  if (poison === 'missingField' && REQUIRED[method].length === 0) poison = 'unknownField';
  switch (poison) {
    case 'badNumber': {
      const bad = BAD_NUMBERS[numeric as string];
      params[numeric as string] = bad[s.pick % bad.length];
      return params;
    }
    case 'badText':
      params[text as string] = BAD_TEXTS[s.pick % BAD_TEXTS.length];
      return params;
    case 'unknownField': {
      let key = s.key;
      while (fieldsOf(method).includes(key) || (encoding === 'msgpack' && key === '__proto__')) key += '_';
      defineOwn(params, key, s.value === undefined ? 1 : s.value);
      return params;
    }
    case 'missingField': {
      const required = REQUIRED[method];
      delete params[required[s.pick % required.length]];
      return params;
    }
    case 'forbiddenKey':
      plantForbiddenKey(params, FORBIDDEN[s.pick2 % FORBIDDEN.length], s.pick);
      return params;
    case 'tooDeep': {
      const fields = Object.keys(params);
      const field = fields.length > 0 && s.pick % 3 !== 0 ? fields[s.pick % fields.length] : 'deep';
      params[field] = nest(33 + (s.pick2 % 300), 'FZ-0', s.pick % 2 === 0);
      return params;
    }
    case 'paramsNotObject': {
      // Not `undefined`: absent params are {} (and expireDue would then run).
      const options: unknown[] = [[params], [], 'FZ-0', 5, 0, null, true, false, [FUZZ_SKUS[0], 'A', 1]];
      return options[s.pick % options.length];
    }
  }
}
