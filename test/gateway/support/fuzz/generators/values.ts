/**
 * Confusing values: strings that look like SKUs, ids or numbers (and unicode that does not),
 * numbers at every edge, objects whose own keys shadow what engine code may call, and values of
 * any type. Every field of a generated request may get one of these.
 */
import fc from 'fast-check';
import { FUZZ_HOLDS, FUZZ_LOCATIONS, FUZZ_MISSING_SKUS, FUZZ_SKUS } from '../vocabulary.js';

const lowerBits = fc.integer({ min: 0, max: 0xffff });
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that look like SKUs, ids or numbers, and unicode that does not. */
export const confusingString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...FUZZ_SKUS,
      ...FUZZ_MISSING_SKUS,
      ...FUZZ_HOLDS,
      ...FUZZ_LOCATIONS,
      't-0',
      'web',
      'store',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom('5', '-1', '1e3', '0x10', ' 1', '1.5', 'NaN', 'Infinity', 'null', 'true', '', ' ', '0'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
      'then',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'FZ-0 ',
      ' FZ-0',
      'FZ\u200b-0',
      'ＦＺ-0',
      'FZ-0\u0000',
      '\u202eFZ-0',
      'FZ-０',
      '🧦🧦',
      'é',
      'e\u0301',
      '\ufeff',
      '\ud800',
      '\udfff\ud800',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          loneSurrogate,
          lowerBits.map((code) => String.fromCharCode(code)),
        ),
        { maxLength: 6 },
      )
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 60, max: 400 })
      .chain((n) => fc.constantFrom('x'.repeat(n), '🧦'.repeat(n), 'é'.repeat(n))),
  },
);

export const confusingNumber: fc.Arbitrary<number> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0,
      -0,
      -1,
      1,
      1.5,
      0.1,
      -1e9,
      1e9,
      1e9 + 1,
      1e12,
      1e12 + 1,
      1e21,
      2 ** 31,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
);

/** Objects whose own keys shadow what engine code may call (String(x), `${x}`, x.then, …). */
const trickyObject = fc.constantFrom<Record<string, unknown>>(
  { toString: 1, valueOf: 1 },
  { toString: 'x' },
  { valueOf: null },
  { toJSON: 1 },
  { then: 1 },
  { then: {} },
  { length: 5 },
  { 0: 'FZ-0', length: 1 },
  { hasOwnProperty: 1 },
  { isPrototypeOf: 1 },
  { [Symbol.iterator.toString()]: 1 },
  JSON.parse('{"__proto__":{"qty":5}}') as Record<string, unknown>,
  JSON.parse('{"constructor":{"prototype":{"ok":true}}}') as Record<string, unknown>,
);

/** Values of the wrong type, or of the right type but out of range: anything a field might get. */
export const confusingValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: confusingString },
  { weight: 4, arbitrary: confusingNumber },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, undefined) },
  { weight: 2, arbitrary: fc.constantFrom([], {}, [[]], [{}], [null]) },
  { weight: 3, arbitrary: trickyObject },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(confusingString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(confusingString, fc.oneof(confusingString, confusingNumber), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(new Date(0), new Date(8.64e15), Buffer.from('FZ-0'), new Uint8Array([1, 2, 3])),
  },
);

export const unknownKey = fc.oneof(
  fc.constantFrom(
    'qtty',
    'Sku',
    'SKU',
    'extra',
    '',
    ' sku',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'then',
    '0',
    'ｓｋｕ',
    'params',
    'id ',
    'lines\u0000',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);

export const idArb: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 5, arbitrary: fc.nat() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      0,
      -0,
      -1,
      1.5,
      1e21,
      -1e-7,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: confusingString },
);
