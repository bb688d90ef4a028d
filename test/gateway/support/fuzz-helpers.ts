/**
 * Helpers for the gateway fuzz test (issue 5 §7): fast-check arbitraries that build hostile
 * frames (byte-mutated requests, type-confused params, deep and huge values, random bytes,
 * random methods, JSON-RPC batches mixing all of it), an oracle that says — from the frame
 * alone, decoded exactly as the gateway decodes it — what answer the README promises, a checker
 * for the answer, and a minimal WebSocket client that hands answers over in order.
 *
 * Safety by construction: no frame may carry a state-changing request that the engine could
 * accept. Generated write requests (receive, reserve, batch, …) always carry a "poison" the
 * README guarantees is refused (a bad quantity, an unknown or missing field, a forbidden key, …),
 * and a byte-mutated frame is only sent when the oracle shows that none of its requests is a
 * write that reaches the engine (else its unmutated original is sent). So the ledger must not
 * change at all, whatever the gateway answers.
 */
import { isUtf8 } from 'node:buffer';
import { DecodeError, Decoder } from '@msgpack/msgpack';
import fc from 'fast-check';
import { Packr, unpack } from 'msgpackr';
import WebSocket from 'ws';

export type Encoding = 'json' | 'msgpack';
export type RpcId = string | number | null;

/** Plain msgpack, as any msgpack library writes it. */
export const packr = new Packr({ useRecords: false });
/**
 * The gateway decodes a binary frame as data only (README "Protocol: JSON-RPC 2.0"): every
 * msgpack extension type is refused, so no structured-clone reference, record, bundled string,
 * Date, Set… gets through; nor does a `__proto__` map key. The oracle decodes the same way.
 */
const dataOnly = new Decoder({
  extensionCodec: {
    tryToEncode: () => null,
    decode: (_data: Uint8Array, type: number) => {
      throw new DecodeError(`extension ${type}`);
    },
  },
});
/** msgpackr's structured clone: shared references and cycles go out as extensions 0x69 / 0x70. */
const clonePackr = new Packr({ structuredClone: true, useRecords: false });
/** msgpackr's records: a map's keys go out once as a record definition (extension 0x72). */
const recordPackr = new Packr({ useRecords: true });
/** msgpackr's bundled strings (extension 0x62) and more types (Set, Map, typed arrays, Error, RegExp). */
const bundlePackr = new Packr({ useRecords: false, bundleStrings: true, moreTypes: true });
/** The fuzzer's encoder: plain msgpack that writes an own `toJSON` key as a key (msgpackr would call it). */
const clientPackr = new Packr({ useRecords: false, useToJSON: false });

export const FUZZ_SKUS = ['FZ-0', 'FZ-1', 'FZ-2', 'FZ-3', 'FZ-4', 'FZ-5'] as const;
export const FUZZ_MISSING_SKUS = ['FZ-NONE', 'fz-0'] as const;
export const FUZZ_LOCATIONS = ['A', 'B'] as const;
export const FUZZ_HOLDS = ['hold-0', 'hold-1', 'hold-2', 'hold-3', 'hold-4'] as const;
export const FUZZ_TRANSFERS = ['t-0'] as const;

/** Every method the gateway answers (README "Protocol: JSON-RPC 2.0"). */
export const READ_METHODS = ['get', 'getReservation', 'stats', 'subscribe', 'unsubscribe'] as const;
export const WRITE_METHODS = [
  'receive',
  'adjust',
  'reserve',
  'commit',
  'fulfil',
  'release',
  'freeze',
  'unfreeze',
  'restock',
  'transfer',
  'receiveTransfer',
  'setPolicy',
  'sync',
  'syncMany',
  'batch',
  'expireDue',
] as const;
export const KNOWN_METHODS: ReadonlySet<string> = new Set<string>([...READ_METHODS, ...WRITE_METHODS]);
const WRITES: ReadonlySet<string> = new Set<string>(WRITE_METHODS);
type WriteMethod = (typeof WRITE_METHODS)[number];
type ReadMethod = (typeof READ_METHODS)[number];

/** Methods whose params are named fields (the gateway refuses any other field itself). */
const BY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  commit: ['id'],
  release: ['id'],
  getReservation: ['id'],
  fulfil: ['id', 'lines'],
  get: ['sku'],
  unfreeze: ['sku'],
  syncMany: ['requests'],
  batch: ['ops'],
  expireDue: [],
  stats: [],
  subscribe: ['skus'],
  unsubscribe: ['skus'],
};

/** The documented fields of each whole-request method (README "Operations"). */
const REQUEST_FIELDS: Readonly<Record<string, readonly string[]>> = {
  receive: ['sku', 'location', 'qty'],
  adjust: ['sku', 'location', 'delta', 'reason'],
  reserve: ['id', 'channel', 'ttlMs', 'lines', 'strategy', 'destination', 'allowSplit'],
  freeze: ['sku', 'reason'],
  restock: ['sku', 'location', 'qty', 'condition', 'reservationId', 'receivedAt'],
  transfer: ['id', 'sku', 'from', 'to', 'qty', 'inTransit'],
  receiveTransfer: ['sku', 'id'],
  setPolicy: ['sku', 'safetyStock', 'fences', 'caps', 'backorderLimit'],
  sync: ['sku', 'location', 'onHand', 'asOf'],
};

function fieldsOf(method: string): readonly string[] {
  return BY_FIELDS[method] ?? REQUEST_FIELDS[method] ?? [];
}

/** Fields whose absence the engine always refuses. */
const REQUIRED: Readonly<Record<WriteMethod, readonly string[]>> = {
  receive: ['sku', 'location', 'qty'],
  adjust: ['sku', 'location', 'delta', 'reason'],
  reserve: ['id', 'channel', 'ttlMs', 'lines'],
  commit: ['id'],
  fulfil: ['id'],
  release: ['id'],
  freeze: ['sku', 'reason'],
  unfreeze: ['sku'],
  restock: ['sku', 'location', 'qty', 'condition'],
  transfer: ['id', 'sku', 'from', 'to', 'qty'],
  receiveTransfer: ['sku', 'id'],
  setPolicy: ['sku'],
  sync: ['sku', 'location', 'onHand', 'asOf'],
  syncMany: ['requests'],
  batch: ['ops'],
  expireDue: [],
};

/** A numeric field and the values the README says it refuses, per method. */
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

// ---------------------------------------------------------------------------------------------
// Arbitraries

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

const goodSku = fc.constantFrom(...FUZZ_SKUS, ...FUZZ_MISSING_SKUS);
const goodLocation = fc.constantFrom(...FUZZ_LOCATIONS, 'C');
const goodHold = fc.constantFrom(...FUZZ_HOLDS, 'hold-missing');
const goodQty = fc.integer({ min: 1, max: 20 });

/** A plausible (valid) request for each write method: what poisons then spoil. */
function templateOf(method: WriteMethod): fc.Arbitrary<Record<string, unknown>> {
  switch (method) {
    case 'receive':
      return fc.record({ sku: goodSku, location: goodLocation, qty: goodQty });
    case 'adjust':
      return fc.record({
        sku: goodSku,
        location: goodLocation,
        delta: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0),
        reason: fc.constant('count'),
      });
    case 'reserve':
      return fc.record(
        {
          id: fc.constantFrom('fz-new', ...FUZZ_HOLDS),
          channel: fc.constantFrom('web', 'store'),
          ttlMs: fc.constant(60_000),
          lines: fc.array(fc.record({ sku: goodSku, qty: goodQty }, { requiredKeys: ['sku', 'qty'] }), {
            minLength: 1,
            maxLength: 3,
          }),
          strategy: fc.constantFrom('priority', 'most-available', 'fewest-splits'),
          allowSplit: fc.boolean(),
        },
        { requiredKeys: ['id', 'channel', 'ttlMs', 'lines'] },
      );
    case 'commit':
    case 'release':
      return fc.record({ id: goodHold });
    case 'fulfil':
      return fc.record(
        {
          id: goodHold,
          lines: fc.array(fc.record({ sku: goodSku, location: goodLocation, qty: goodQty }), {
            minLength: 1,
            maxLength: 2,
          }),
        },
        { requiredKeys: ['id'] },
      );
    case 'freeze':
      return fc.record({ sku: goodSku, reason: fc.constant('audit') });
    case 'unfreeze':
      return fc.record({ sku: goodSku });
    case 'restock':
      return fc.record({
        sku: goodSku,
        location: goodLocation,
        qty: goodQty,
        condition: fc.constantFrom('sellable', 'damaged'),
      });
    case 'transfer':
      return fc.record({
        id: fc.constantFrom('t-new', 't-0'),
        sku: goodSku,
        from: fc.constant('A'),
        to: fc.constant('B'),
        qty: goodQty,
        inTransit: fc.boolean(),
      });
    case 'receiveTransfer':
      return fc.record({ sku: goodSku, id: fc.constantFrom(...FUZZ_TRANSFERS, 't-new') });
    case 'setPolicy':
      return fc.record(
        { sku: goodSku, safetyStock: fc.integer({ min: 0, max: 5 }), fences: fc.record({ store: fc.constant(2) }) },
        { requiredKeys: ['sku'] },
      );
    case 'sync':
      return fc.record({
        sku: goodSku,
        location: goodLocation,
        onHand: fc.integer({ min: 0, max: 100 }),
        asOf: fc.constant(Date.now()),
      });
    case 'syncMany':
    case 'batch':
    case 'expireDue':
      // A fresh object per draw: spoil and confuse mutate params, and a shared constant would let one
      // request of a batch undo another's poison before the batch is encoded.
      return fc.record({});
  }
}

type Poison =
  'badNumber' | 'badText' | 'unknownField' | 'missingField' | 'forbiddenKey' | 'tooDeep' | 'paramsNotObject';

interface Spoil {
  poison: Poison;
  /** Picks among candidates (a field, a value, a depth). */
  pick: number;
  pick2: number;
  key: string;
  value: unknown;
}

const unknownKey = fc.oneof(
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

const spoilArb: fc.Arbitrary<Spoil> = fc.record({
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

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const;

function nest(depth: number, leaf: unknown, objects: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = objects && i % 2 === 0 ? { a: value } : [value];
  return value;
}

/** Puts `key: value` as an own property (also for '__proto__', which a literal would turn into a prototype). */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain object (not an array, a Date, a Buffer, …). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

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
 * Spoils a write request so that the README guarantees a refusal; returns the params to send.
 * The spoil is applied last, over any confusion, so nothing can undo it.
 */
function spoil(method: WriteMethod, params: Record<string, unknown>, s: Spoil, encoding: Encoding): unknown {
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

interface Confusion {
  action: 'replace' | 'delete' | 'add' | 'nestLine';
  pick: number;
  key: string;
  value: unknown;
}

const confusionArb: fc.Arbitrary<Confusion> = fc.record({
  action: fc.constantFrom<Confusion['action']>('replace', 'replace', 'replace', 'delete', 'add', 'nestLine'),
  pick: fc.nat(),
  key: unknownKey,
  value: confusingValue,
});

/** Type confusion: replaces, deletes or adds fields (also inside a request's lines). */
function confuse(params: Record<string, unknown>, confusions: readonly Confusion[]): Record<string, unknown> {
  for (const c of confusions) {
    const keys = Object.keys(params);
    switch (c.action) {
      case 'replace':
        if (keys.length > 0) params[keys[c.pick % keys.length]] = c.value;
        break;
      case 'delete':
        if (keys.length > 0) delete params[keys[c.pick % keys.length]];
        break;
      case 'add':
        defineOwn(params, c.key, c.value);
        break;
      case 'nestLine': {
        const lines = params.lines;
        if (!Array.isArray(lines) || lines.length === 0) break;
        const at = c.pick % lines.length;
        if (!isPlainObject(lines[at])) break;
        const line = { ...(lines[at] as Record<string, unknown>) };
        const lineKeys = Object.keys(line);
        if (lineKeys.length > 0) line[lineKeys[c.pick % lineKeys.length]] = c.value;
        params.lines = lines.map((each, index) => (index === at ? line : each));
        break;
      }
    }
  }
  return params;
}

const idArb: fc.Arbitrary<string | number> = fc.oneof(
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

/** How many confusions a request gets (mostly a few, sometimes none). */
const confusionsArb = fc.array(confusionArb, { maxLength: 4 });

/** A read request with type-confused params: it may be answered ok or refused -32602. */
const readParams: Record<ReadMethod, fc.Arbitrary<Record<string, unknown>>> = {
  get: fc.record({ sku: fc.oneof(goodSku, confusingString) }),
  getReservation: fc.record({ id: fc.oneof(goodHold, confusingString) }),
  stats: fc.constant({}),
  subscribe: fc.record({ skus: fc.array(fc.oneof(goodSku, confusingString), { maxLength: 5 }) }),
  unsubscribe: fc.record({ skus: fc.array(goodSku, { maxLength: 3 }) }),
};

export interface RequestSpec {
  /** What the generator made: 'read', or 'poisoned' (a write that the README says is refused). */
  poisoned: boolean;
  value: Record<string, unknown>;
}

function envelope(
  id: RpcId | undefined,
  method: string,
  params: unknown,
  withParams: boolean,
): Record<string, unknown> {
  const request: Record<string, unknown> = { jsonrpc: '2.0' };
  if (id !== undefined) request.id = id;
  request.method = method;
  if (withParams) request.params = params;
  return request;
}

const templateCache = new Map<WriteMethod, fc.Arbitrary<Record<string, unknown>>>();
/** templateOf, built once per method. */
function template(method: WriteMethod): fc.Arbitrary<Record<string, unknown>> {
  let arbitrary = templateCache.get(method);
  if (arbitrary === undefined) {
    arbitrary = templateOf(method);
    templateCache.set(method, arbitrary);
  }
  return arbitrary;
}

const readWithParams = fc.oneof(
  ...(['get', 'get', 'get', 'getReservation', 'getReservation', 'stats', 'subscribe', 'unsubscribe'] as const).map(
    (method) => fc.tuple(fc.constant<ReadMethod>(method), readParams[method]),
  ),
);

function readRequest(_encoding: Encoding, notification: boolean): fc.Arbitrary<RequestSpec> {
  return fc
    .record({ read: readWithParams, id: idArb, confusions: confusionsArb, withParams: fc.integer({ min: 0, max: 9 }) })
    .map(({ read: [method, params], id, confusions, withParams }) => ({
      poisoned: false,
      value: envelope(
        notification ? undefined : id,
        method,
        confuse(params, confusions),
        withParams > 0 || method === 'stats',
      ),
    }));
}

const SIMPLE_WRITES = WRITE_METHODS.filter((m) => m !== 'batch' && m !== 'syncMany');
/** Writes that may sit inside a batch (the entry's op). */
const ENTRY_WRITES = SIMPLE_WRITES.filter((m) => m !== 'expireDue');

const simpleWrite = fc.oneof(
  ...SIMPLE_WRITES.map((method) => fc.tuple(fc.constant<WriteMethod>(method), template(method))),
);

type InnerEntry = [WriteMethod, Record<string, unknown>, Confusion[], Spoil];
const innerEntry: fc.Arbitrary<InnerEntry> = fc.oneof(
  ...ENTRY_WRITES.map((method) =>
    fc.tuple(fc.constant<WriteMethod>(method), template(method), confusionsArb, spoilArb),
  ),
);
const syncEntry: fc.Arbitrary<InnerEntry> = fc.tuple(
  fc.constant<WriteMethod>('sync'),
  template('sync'),
  confusionsArb,
  spoilArb,
);

/** A write request the engine must refuse (see spoil), with type confusion on top. */
function poisonedWrite(encoding: Encoding, notification: boolean): fc.Arbitrary<RequestSpec> {
  const simple = fc
    .record({ write: simpleWrite, id: idArb, confusions: confusionsArb, spoil: spoilArb })
    .map(({ write: [method, params], id, confusions, spoil: s }) => ({
      poisoned: true,
      value: envelope(
        notification ? undefined : id,
        method,
        spoil(method, confuse(params, confusions), s, encoding),
        true,
      ),
    }));
  const compositeWrite = fc
    .record({
      method: fc.constantFrom<'batch' | 'syncMany'>('batch', 'batch', 'syncMany'),
      id: idArb,
      spoil: spoilArb,
      inner: fc.array(innerEntry, { maxLength: 6 }),
      syncs: fc.array(syncEntry, { maxLength: 4 }),
    })
    .map(({ method, id, spoil: s, inner, syncs }) => ({
      poisoned: true,
      value: envelope(
        notification ? undefined : id,
        method,
        compositeSpoil(method, composite(method, method === 'batch' ? inner : syncs, encoding), s, encoding),
        true,
      ),
    }));
  return fc.oneof({ weight: 7, arbitrary: simple }, { weight: 1, arbitrary: compositeWrite });
}

/** batch / syncMany params whose every entry is refused on its own (or the list itself is). */
function composite(method: 'batch' | 'syncMany', inner: InnerEntry[], encoding: Encoding): Record<string, unknown> {
  if (method === 'syncMany') {
    return {
      requests: inner.map(([, params, confusions, s]) => spoilEngineLevel('sync', params, confusions, s, encoding)),
    };
  }
  const ops = inner.map(([op, params, confusions, s], index) => {
    switch ((s.pick2 + index) % 10) {
      case 0:
        return { op: 'nope', args: [] };
      case 1:
        return { op };
      case 2:
        return { op, args: 'x' };
      case 3:
        return { op, args: [1, 2, 3] };
      case 4:
        return { op, args: [], extra: 1 };
      case 5:
        return s.value;
      case 6:
        return { op: s.value, args: [spoilEngineLevel(op, params, confusions, s, encoding)] };
      default:
        return { op, args: positionalArgs(op, spoilEngineLevel(op, params, confusions, s, encoding)) };
    }
  });
  return { ops };
}

/** A spoiled request for use inside batch / syncMany: an engine-level poison (the entry alone is refused). */
function spoilEngineLevel(
  method: WriteMethod,
  params: Record<string, unknown>,
  confusions: Confusion[],
  s: Spoil,
  encoding: Encoding,
): unknown {
  // commit, release, fulfil and unfreeze take positional arguments in a batch: only a bad or
  // missing id / sku survives the conversion (an unknown field would be dropped).
  const positional = method === 'commit' || method === 'release' || method === 'fulfil' || method === 'unfreeze';
  const engineLevel: Poison[] = positional
    ? ['badText', 'missingField']
    : ['badNumber', 'badText', 'unknownField', 'missingField'];
  return spoil(
    method,
    confuse(params, confusions),
    { ...s, poison: engineLevel[s.pick2 % engineLevel.length] },
    encoding,
  );
}

function compositeSpoil(
  method: 'batch' | 'syncMany',
  params: Record<string, unknown>,
  s: Spoil,
  encoding: Encoding,
): unknown {
  const field = method === 'batch' ? 'ops' : 'requests';
  switch (s.pick % 6) {
    case 0:
      return { [field]: s.value === undefined ? 'all' : s.value, ...(Array.isArray(s.value) ? { extra: 1 } : {}) };
    case 1:
      return {};
    case 2:
      return spoil(method, params, { ...s, poison: 'forbiddenKey' }, encoding);
    case 3:
      return spoil(method, params, { ...s, poison: 'paramsNotObject' }, encoding);
    default:
      return params; // every entry refused on its own
  }
}

/** The embedded call's positional arguments for a batch entry (README: `args`). */
function positionalArgs(op: WriteMethod, request: unknown): unknown[] {
  const r = (typeof request === 'object' && request !== null && !Array.isArray(request) ? request : {}) as Record<
    string,
    unknown
  >;
  switch (op) {
    case 'commit':
    case 'release':
      return [r.id];
    case 'fulfil':
      return r.lines === undefined ? [r.id] : [r.id, r.lines];
    case 'unfreeze':
      return [r.sku];
    default:
      return [request];
  }
}

/** A request for an unknown method (random name, random params). */
function randomMethod(notification: boolean): fc.Arbitrary<RequestSpec> {
  return fc
    .record({
      id: idArb,
      method: fc
        .oneof(
          fc.constantFrom(
            'Get',
            'GET',
            'get ',
            ' get',
            'get\u0000',
            'receive\u200b',
            'toString',
            'constructor',
            '__proto__',
            'hasOwnProperty',
            'valueOf',
            'close',
            'availability',
            'rpc.discover',
            'batch.ops',
            'subscribe*',
            'listHolds',
            'watch',
            'tick',
            'expire',
            'getreservation',
            'syncmany',
          ),
          fc.string({ minLength: 1, maxLength: 16 }),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
        )
        .filter((name) => !KNOWN_METHODS.has(name)),
      params: fc.oneof(fc.jsonValue({ maxDepth: 3 }), confusingValue),
      withParams: fc.boolean(),
    })
    .map(({ id, method, params, withParams }) => ({
      poisoned: false,
      value: envelope(notification ? undefined : id, method, params, withParams),
    }));
}

/** A read or a poisoned write whose envelope is broken (bad jsonrpc, id, method, extra field). */
function brokenEnvelope(encoding: Encoding): fc.Arbitrary<unknown> {
  return fc
    .record({
      base: fc.oneof(readRequest(encoding, false), poisonedWrite(encoding, false)),
      breakage: fc.constantFrom('jsonrpc', 'jsonrpc', 'id', 'id', 'id', 'method', 'method', 'extra', 'notObject'),
      value: confusingValue,
      pick: fc.nat(),
      key: unknownKey,
    })
    .map(({ base, breakage, value, pick, key }) => {
      const request: Record<string, unknown> = { ...base.value };
      switch (breakage) {
        case 'jsonrpc': {
          const options: unknown[] = [
            '2',
            '1.0',
            2,
            2.0,
            '2.0 ',
            ' 2.0',
            '2.00',
            null,
            undefined,
            ['2.0'],
            { v: '2.0' },
            '２.0',
          ];
          const chosen = options[pick % options.length];
          if (chosen === undefined) delete request.jsonrpc;
          else request.jsonrpc = chosen;
          return request;
        }
        case 'id': {
          const options: unknown[] = [
            { n: 1 },
            [1],
            [],
            {},
            true,
            false,
            NaN,
            Infinity,
            -Infinity,
            new Date(1),
            Buffer.from([1]),
            2n ** 60n,
            value,
          ];
          request.id = options[pick % options.length];
          return request;
        }
        case 'method': {
          const options: unknown[] = [undefined, '', 7, null, ['get'], { name: 'get' }, true, value];
          const chosen = options[pick % options.length];
          if (chosen === undefined) delete request.method;
          else request.method = chosen;
          return request;
        }
        case 'extra': {
          const keys = [
            'result',
            'error',
            'Id',
            'ID',
            'Method',
            'params2',
            'jsonRPC',
            'version',
            '__proto__',
            'constructor',
            'toString',
            key,
          ];
          let extra = keys[pick % keys.length];
          while (
            ['jsonrpc', 'id', 'method', 'params'].includes(extra) ||
            (encoding === 'msgpack' && extra === '__proto__')
          )
            extra += '_';
          defineOwn(request, extra, value === undefined ? 1 : value);
          return request;
        }
        default: {
          const options: unknown[] = [value, null, 42, 'get', true, [[request]]];
          return options[pick % options.length];
        }
      }
    });
}

/** A value or request for inside a JSON-RPC batch frame. */
function batchElement(encoding: Encoding): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: readRequest(encoding, false).map((r) => r.value) },
    { weight: 4, arbitrary: poisonedWrite(encoding, false).map((r) => r.value) },
    { weight: 2, arbitrary: randomMethod(false).map((r) => r.value) },
    { weight: 3, arbitrary: brokenEnvelope(encoding) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(readRequest(encoding, true), poisonedWrite(encoding, true), randomMethod(true))
        .map((r) => r.value),
    },
    { weight: 1, arbitrary: confusingValue },
    { weight: 1, arbitrary: fc.constantFrom(null, 1, 'x', [], {}, [[]]) },
  );
}

// ---------------------------------------------------------------------------------------------
// Frames

export interface FuzzFrame {
  kind: string;
  encoding: Encoding;
  bytes: Buffer;
}

/** Encodes a value as the client of that encoding would (JSON has no NaN, Infinity or BigInt). */
export function encodeValue(value: unknown, encoding: Encoding): Buffer {
  if (encoding === 'msgpack') return clientPackr.pack(value);
  return Buffer.from(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null',
    'utf8',
  );
}

interface Mutation {
  op: 'set' | 'bitflip' | 'truncate' | 'delete' | 'duplicate' | 'insert' | 'swap';
  at: number;
  length: number;
  byte: number;
  ascii: boolean;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Mutation['op']>(
    'set',
    'set',
    'bitflip',
    'truncate',
    'delete',
    'delete',
    'duplicate',
    'insert',
    'swap',
  ),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  length: fc.integer({ min: 1, max: 12 }),
  byte: fc.integer({ min: 0, max: 255 }),
  ascii: fc.integer({ min: 0, max: 59 }).map((n) => n > 0),
});

/** Bytes JSON cares about: mutations of a text frame mostly pick these. */
const JSON_BYTES = Buffer.from('{}[]",:\\0123456789-.eE ntfrulsa');

function mutate(bytes: Buffer, mutations: readonly Mutation[], encoding: Encoding): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = Math.floor(m.at * out.length);
    const byte =
      encoding === 'json' && m.ascii
        ? m.byte % 2 === 0
          ? JSON_BYTES[m.byte % JSON_BYTES.length]
          : 0x20 + (m.byte % 95)
        : m.byte;
    switch (m.op) {
      case 'set':
        if (out.length > 0) out[at] = byte;
        break;
      case 'bitflip':
        if (out.length > 0) out[at] ^= 1 << (m.byte % (encoding === 'json' && m.ascii ? 7 : 8));
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
      case 'duplicate':
        out = Buffer.concat([out.subarray(0, at + m.length), out.subarray(at)]);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(m.length, byte), out.subarray(at)]);
        break;
      case 'swap': {
        const other = Math.floor(((m.at * 7919) % 1) * out.length);
        if (out.length > 0) [out[at], out[other]] = [out[other], out[at]];
        break;
      }
    }
  }
  return out;
}

export interface FrameOptions {
  maxPayloadBytes: number;
}

/** Whole requests and batches, clean (unmutated): safe by construction. */
function cleanFrameValue(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
  return fc.oneof(
    { weight: 5, arbitrary: readRequest(encoding, false).map((r) => ({ kind: 'read', value: r.value as unknown })) },
    {
      weight: 8,
      arbitrary: poisonedWrite(encoding, false).map((r) => ({ kind: 'poisoned-write', value: r.value as unknown })),
    },
    { weight: 3, arbitrary: randomMethod(false).map((r) => ({ kind: 'random-method', value: r.value as unknown })) },
    { weight: 3, arbitrary: brokenEnvelope(encoding).map((value) => ({ kind: 'broken-envelope', value })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(readRequest(encoding, true), poisonedWrite(encoding, true), randomMethod(true))
        .map((r) => ({ kind: 'notification', value: r.value as unknown })),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(batchElement(encoding), { minLength: 1, maxLength: 12 })
        .map((value) => ({ kind: 'rpc-batch', value: value as unknown })),
    },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'rpc-batch-empty', value: [] as unknown }) },
  );
}

function deepFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
  return fc
    .record({
      depth: fc.integer({ min: 100, max: 400 }),
      objects: fc.boolean(),
      where: fc.constantFrom(
        'params',
        'params.sku',
        'params.lines',
        'id',
        'method',
        'frame',
        'batch-element',
        'unknown-method',
      ),
      method: fc.constantFrom(...READ_METHODS, ...WRITE_METHODS),
      leaf: fc.constantFrom<unknown>('FZ-0', 1, null, { sku: 'FZ-0' }, JSON.parse('{"__proto__":1}')),
    })
    .map(({ depth, objects, where, method, leaf }) => {
      const deep = nest(depth, leaf, objects);
      let value: unknown;
      switch (where) {
        case 'params':
          value = envelope(1, method, nest(depth, { sku: 'FZ-0' }, true), true);
          break;
        case 'params.sku':
          value = envelope(2, method, { sku: deep }, true);
          break;
        case 'params.lines':
          value = envelope(3, method, { id: 'fz-deep', channel: 'web', ttlMs: 60_000, lines: [deep] }, true);
          break;
        case 'id':
          value = { jsonrpc: '2.0', id: deep, method, params: {} };
          break;
        case 'method':
          value = { jsonrpc: '2.0', id: 4, method: deep };
          break;
        case 'frame':
          value = deep;
          break;
        case 'batch-element':
          value = [envelope(5, 'get', { sku: 'FZ-0' }, true), deep];
          break;
        default:
          value = envelope(6, 'no-such-method', deep, true);
      }
      void encoding;
      return { kind: `deep-${where}`, value };
    });
}

/** Raw bytes so deep that a recursive decoder runs out of stack (msgpack) or that JSON.parse still reads. */
function rawDeepFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  // JSON.parse is iterative (any depth parses, slowly: ~1 ms per 1,000 levels); msgpackr recurses and runs out of
  // stack.
  const depths =
    encoding === 'json' ? fc.integer({ min: 10_000, max: 50_000 }) : fc.integer({ min: 200_000, max: 400_000 });
  return fc.record({ depth: depths, closed: fc.boolean(), objects: fc.boolean() }).map(({ depth, closed, objects }) => {
    if (encoding === 'msgpack') {
      // fixarray of one (0x91), or fixmap of one with key "a" (0x81 0xa1 0x61), `depth` times, then nil.
      const level = objects ? Buffer.from([0x81, 0xa1, 0x61]) : Buffer.from([0x91]);
      const n = Math.floor(depth / level.length);
      return {
        kind: 'raw-deep',
        bytes: Buffer.concat([Buffer.alloc(n * level.length, level), Buffer.from(closed ? [0xc0] : [])]),
      };
    }
    const open = objects ? '{"a":' : '[';
    const close = objects ? '}' : ']';
    const n = Math.floor(depth / open.length);
    return {
      kind: 'raw-deep',
      bytes: Buffer.from(open.repeat(n) + (objects ? '1' : '') + (closed ? close.repeat(n) : ''), 'utf8'),
    };
  });
}

/** Strings and arrays that bring a frame close to, but under, maxPayloadBytes. */
function hugeFrame(encoding: Encoding, options: FrameOptions): fc.Arbitrary<{ kind: string; value: unknown }> {
  const budget = options.maxPayloadBytes - 4096;
  return fc
    .record({
      where: fc.constantFrom(
        'sku',
        'id',
        'method',
        'key',
        'array',
        'subscribe',
        'rpc-batch',
        'rpc-batch-over',
        'batch-ops-over',
        'reserve-lines',
      ),
      fraction: fc.double({ min: 0.5, max: 1, noNaN: true }),
      char: fc.constantFrom('x', 'é', '🧦', '"', '\\', '\u0000'),
    })
    .map(({ where, fraction, char }) => {
      const bytesPerChar = Math.max(
        1,
        Buffer.byteLength(JSON.stringify(char), 'utf8') - 2,
        Buffer.byteLength(char, 'utf8'),
      );
      const big = char.repeat(Math.max(1, Math.floor((budget * fraction) / bytesPerChar / 1.05)));
      switch (where) {
        case 'sku':
          return { kind: 'huge-sku', value: envelope(1, 'get', { sku: big }, true) };
        case 'id':
          return { kind: 'huge-id', value: envelope(big, 'get', { sku: 'FZ-0' }, true) };
        case 'method':
          return { kind: 'huge-method', value: envelope(2, big, {}, true) };
        case 'key': {
          const params: Record<string, unknown> = { sku: 'FZ-0', location: 'A', qty: 1 };
          defineOwn(params, big, 1);
          return { kind: 'huge-key', value: envelope(3, 'receive', params, true) };
        }
        case 'array':
          return {
            kind: 'huge-array',
            value: envelope(
              4,
              'get',
              { sku: 'FZ-0', extra: Array.from({ length: Math.floor((budget * fraction) / 12) }, (_, i) => i * 1.5) },
              true,
            ),
          };
        case 'subscribe':
          return {
            kind: 'huge-subscribe',
            value: envelope(5, 'subscribe', { skus: Array.from({ length: 10_001 }, (_, i) => `FZ-SUB-${i}`) }, true),
          };
        case 'rpc-batch':
          return {
            kind: 'huge-rpc-batch',
            value: Array.from({ length: 10_000 }, (_, i) => ({
              jsonrpc: '2.0',
              id: i,
              method: i % 3 === 0 ? 'get' : 'nope',
              params: { sku: 'FZ-1' },
            })),
          };
        case 'rpc-batch-over':
          return {
            kind: 'huge-rpc-batch-over',
            value: Array.from({ length: 10_001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'get' })),
          };
        case 'batch-ops-over':
          return {
            kind: 'huge-batch-ops-over',
            value: envelope(
              6,
              'batch',
              {
                ops: Array.from({ length: 10_001 }, () => ({
                  op: 'receive',
                  args: [{ sku: 'FZ-0', location: 'A', qty: 1 }],
                })),
              },
              true,
            ),
          };
        default:
          return {
            kind: 'huge-reserve-lines',
            value: envelope(
              7,
              'reserve',
              {
                id: 'fz-huge',
                channel: 'web',
                ttlMs: 60_000,
                lines: Array.from({ length: 5_000 }, (_, i) => ({ sku: `FZ-L${i}`, qty: 1 })),
              },
              true,
            ),
          };
      }
    });
}

/** A batch op every engine refuses INVALID_ARGUMENT (get of a number): safe to send by the thousand. */
const REFUSED_OP = { op: 'get', args: [5] };
/** A count syncMany refuses INVALID_ARGUMENT (no location, onHand or asOf). */
const REFUSED_COUNT = { sku: 'FZ-0' };

/** The bytes of one msgpack extension value: fixext 1/2/4/8/16, or ext 8/16/32 with `length` bytes. */
export function extensionBytes(type: number, form: number, length: number, fill: number): Buffer {
  const fixed = [
    [0xd4, 1],
    [0xd5, 2],
    [0xd6, 4],
    [0xd7, 8],
    [0xd8, 16],
  ] as const;
  if (form < fixed.length)
    return Buffer.concat([Buffer.from([fixed[form][0], type & 0xff]), Buffer.alloc(fixed[form][1], fill)]);
  const header =
    form === 5
      ? Buffer.from([0xc7, length & 0xff])
      : form === 6
        ? Buffer.from([0xc8, (length >> 8) & 0xff, length & 0xff])
        : Buffer.from([0xc9, 0, 0, (length >> 8) & 0xff, length & 0xff]);
  const size = form === 5 ? length & 0xff : length & 0xffff;
  return Buffer.concat([header, Buffer.from([type & 0xff]), Buffer.alloc(size, fill)]);
}

/** A plain msgpack request whose `params.sku` (or `params`, or the id) is replaced by `value`'s raw bytes. */
export function withRawValue(where: 'sku' | 'params' | 'id' | 'element', raw: Buffer): Buffer {
  const placeholder = 'RAW-VALUE-PLACEHOLDER';
  const request =
    where === 'id'
      ? { jsonrpc: '2.0', id: placeholder, method: 'get', params: { sku: 'FZ-0' } }
      : where === 'params'
        ? { jsonrpc: '2.0', id: 1, method: 'get', params: placeholder }
        : where === 'element'
          ? [{ jsonrpc: '2.0', id: 1, method: 'get', params: { sku: 'FZ-0' } }, placeholder]
          : { jsonrpc: '2.0', id: 1, method: 'get', params: { sku: placeholder } };
  const packed = packr.pack(request);
  const needle = Buffer.concat([Buffer.from([0xa0 | placeholder.length]), Buffer.from(placeholder)]);
  const at = packed.indexOf(needle);
  return Buffer.concat([packed.subarray(0, at), raw, packed.subarray(at + needle.length)]);
}

/** `levels` of [node, node] over one shared node: 2^levels paths, a few bytes a level with structured clone. */
export function doublingGraph(levels: number, leaf: unknown = 0): unknown {
  let node = leaf;
  for (let level = 0; level < levels; level++) node = [node, node];
  return node;
}

/**
 * msgpack that is not plain data: structured-clone back-references and cycles (a doubling graph,
 * a cycle, one ops array shared by many batch requests: 2 M operations in a few KB), record
 * definitions, bundled strings and extension types, and every extension type in every header
 * form in place of a value. The gateway refuses each frame whole with -32700, and fast.
 */
function hostileMsgpackFrame(): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  const where = fc.constantFrom<'sku' | 'params' | 'id' | 'element'>('sku', 'params', 'id', 'element');
  return fc.oneof(
    fc
      .record({ levels: fc.integer({ min: 2, max: 30 }), leaf: fc.constantFrom<unknown>(0, 'FZ-0', { sku: 'FZ-0' }) })
      .map(({ levels, leaf }) => ({
        kind: 'backref-doubling',
        bytes: clonePackr.pack({
          jsonrpc: '2.0',
          id: 1,
          method: 'get',
          params: { sku: 'FZ-0', x: doublingGraph(levels, leaf) },
        }),
      })),
    fc.constantFrom('params', 'line', 'frame').map((at) => {
      const cycle: Record<string, unknown> = { sku: 'FZ-0' };
      cycle.self = cycle;
      const request =
        at === 'params'
          ? { jsonrpc: '2.0', id: 2, method: 'get', params: cycle }
          : {
              jsonrpc: '2.0',
              id: 2,
              method: 'reserve',
              params: { id: 'fz-new', channel: 'web', ttlMs: 60_000, lines: [cycle, cycle] },
            };
      return { kind: 'backref-cycle', bytes: clonePackr.pack(at === 'frame' ? [request, request] : request) };
    }),
    fc
      .record({
        requests: fc.integer({ min: 2, max: 400 }),
        ops: fc.integer({ min: 100, max: 10_000 }),
        sync: fc.boolean(),
      })
      .map(({ requests, ops, sync }) => {
        const list = Array.from({ length: ops }, () => (sync ? REFUSED_COUNT : REFUSED_OP));
        const frame = Array.from({ length: requests }, (_, id) => ({
          jsonrpc: '2.0',
          id,
          method: sync ? 'syncMany' : 'batch',
          params: sync ? { requests: list } : { ops: list },
        }));
        return { kind: 'backref-amplify', bytes: clonePackr.pack(frame) };
      }),
    fc
      .constantFrom<unknown>(
        { jsonrpc: '2.0', id: 3, method: 'get', params: { sku: 'FZ-0' } },
        [
          { jsonrpc: '2.0', id: 3, method: 'get', params: { sku: 'FZ-0' } },
          { jsonrpc: '2.0', id: 4, method: 'get', params: { sku: 'FZ-1' } },
        ],
        { jsonrpc: '2.0', id: 5, method: 'batch', params: { ops: [REFUSED_OP, REFUSED_OP] } },
      )
      .map((request) => ({ kind: 'record-definition', bytes: recordPackr.pack(request) })),
    fc
      .constantFrom<unknown>(
        { jsonrpc: '2.0', id: 6, method: 'get', params: { sku: 'FZ-0', extra: 'a string to bundle' } },
        { jsonrpc: '2.0', id: 7, method: 'subscribe', params: { skus: new Set(['FZ-0']) } },
        { jsonrpc: '2.0', id: 8, method: 'get', params: { sku: new Map([['a', 1]]) } },
        { jsonrpc: '2.0', id: 9, method: 'get', params: { sku: new Float64Array([1]) } },
        { jsonrpc: '2.0', id: 10, method: 'get', params: { sku: new RegExp('FZ') } },
        { jsonrpc: '2.0', id: 11, method: 'get', params: { sku: new Error('FZ') } },
      )
      .map((request) => ({ kind: 'bundled-or-typed', bytes: bundlePackr.pack(request) })),
    fc
      .record({
        type: fc.integer({ min: 0, max: 255 }),
        form: fc.integer({ min: 0, max: 7 }),
        length: fc.integer({ min: 0, max: 300 }),
        fill: fc.integer({ min: 0, max: 255 }),
        where,
      })
      .map(({ type, form, length, fill, where: at }) => ({
        kind: 'extension-type',
        bytes: withRawValue(at, extensionBytes(type, form, length, fill)),
      })),
  );
}

/**
 * Frames around the bounds on engine operations (LIMITS.frameOpsMax) and values per request
 * (valuesPerRequestMax), with ops every engine refuses: at the limit each op is answered (and
 * refused); past it the frame gets one -32600 and runs nothing.
 */
function amplificationFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
  const frames: fc.Arbitrary<{ kind: string; value: unknown }>[] = [
    fc
      .record({
        requests: fc.integer({ min: 1, max: 200 }),
        delta: fc.integer({ min: -3, max: 3 }),
        sync: fc.boolean(),
      })
      .map(({ requests, delta, sync }) => {
        const total = FRAME_OPS_MAX + delta;
        const per = Math.floor(total / requests);
        const frame = Array.from({ length: requests }, (_, id) => {
          const count = id === requests - 1 ? total - per * (requests - 1) : per;
          const list = Array.from({ length: count }, () => (sync ? REFUSED_COUNT : REFUSED_OP));
          return {
            jsonrpc: '2.0',
            id,
            method: sync ? 'syncMany' : 'batch',
            params: sync ? { requests: list } : { ops: list },
          };
        });
        return { kind: `amplify-ops-${delta > 0 ? 'over' : 'at'}`, value: frame };
      }),
    fc.integer({ min: -2, max: 2 }).map((delta) => ({
      kind: `amplify-requests-${delta > 0 ? 'over' : 'at'}`,
      value: Array.from({ length: FRAME_OPS_MAX + delta }, (_, id) => ({ jsonrpc: '2.0', id, method: 'nope' })),
    })),
  ];
  // One request of VALUES_PER_REQUEST_MAX + delta values (msgpack only: in JSON each 0 takes two bytes, over 1 MiB).
  if (encoding === 'msgpack') {
    frames.push(
      fc.integer({ min: -2, max: 2 }).map((delta) => {
        const request = (items: number) => ({
          jsonrpc: '2.0',
          id: 1,
          method: 'get',
          params: { sku: 'FZ-0', x: new Array(items).fill(0) },
        });
        const value = request(VALUES_PER_REQUEST_MAX - valuesIn(request(0), 100) + delta);
        return { kind: `amplify-values-${delta > 0 ? 'over' : 'at'}`, value };
      }),
    );
  }
  return fc.oneof(...frames);
}

/**
 * One fuzzed frame, before the safety filter. `base` is a clean, safe frame; when `mutations`
 * is not empty the bytes sent are the mutated ones, provided the oracle finds them safe.
 */
export interface FrameDraft {
  kind: string;
  encoding: Encoding;
  base: Buffer;
  mutations: Mutation[];
}

export function frameArbitrary(options: FrameOptions): fc.Arbitrary<FrameDraft> {
  const perEncoding = (encoding: Encoding): fc.Arbitrary<FrameDraft> =>
    fc.oneof(
      {
        weight: 30,
        arbitrary: cleanFrameValue(encoding).map(({ kind, value }) => ({
          kind,
          encoding,
          base: encodeValue(value, encoding),
          mutations: [] as Mutation[],
        })),
      },
      {
        weight: 45,
        arbitrary: fc
          .tuple(cleanFrameValue(encoding), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
          .map(([{ kind, value }, mutations]) => ({
            kind: `mutated-${kind}`,
            encoding,
            base: encodeValue(value, encoding),
            mutations,
          })),
      },
      {
        weight: 8,
        arbitrary: fc
          .oneof(
            // Text frames get mostly UTF-8 (anything else closes the connection: see expectationOf).
            { weight: encoding === 'json' ? 1 : 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
            { weight: encoding === 'json' ? 1 : 2, arbitrary: fc.uint8Array({ minLength: 64, maxLength: 2048 }) },
            {
              weight: encoding === 'json' ? 12 : 2,
              arbitrary: fc
                .string({ unit: 'binary', maxLength: 64 })
                .map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
            },
            {
              weight: encoding === 'json' ? 4 : 1,
              arbitrary: fc
                .string({ unit: 'grapheme-ascii', maxLength: 300 })
                .map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
            },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                new Uint8Array(0),
                new Uint8Array([0xc1]),
                new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]),
                new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]),
                new Uint8Array([0xc7, 0x01, 0x70, 0x01]),
                new Uint8Array([0xd4, 0x72, 0x40]),
                new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]),
              ),
            },
          )
          .map((bytes) => ({ kind: 'random-bytes', encoding, base: Buffer.from(bytes), mutations: [] as Mutation[] })),
      },
      {
        weight: 2,
        arbitrary: deepFrame(encoding).map(({ kind, value }) => ({
          kind,
          encoding,
          base: encodeValue(value, encoding),
          mutations: [] as Mutation[],
        })),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 39 })
          .chain((n) => (n === 0 ? rawDeepFrame(encoding) : fc.constant(null)))
          .map((raw) =>
            raw === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: raw.kind, encoding, base: raw.bytes, mutations: [] as Mutation[] },
          ),
      },
      ...(encoding === 'msgpack'
        ? [
            {
              weight: 3,
              arbitrary: hostileMsgpackFrame().map(({ kind, bytes }) => ({
                kind,
                encoding,
                base: bytes,
                mutations: [] as Mutation[],
              })),
            },
          ]
        : []),
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 19 })
          .chain((n) => (n === 0 ? amplificationFrame(encoding) : fc.constant(null)))
          .map((frame) =>
            frame === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: frame.kind, encoding, base: encodeValue(frame.value, encoding), mutations: [] as Mutation[] },
          ),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 9 })
          .chain((n) => (n === 0 ? hugeFrame(encoding, options) : fc.constant(null)))
          .map((huge) =>
            huge === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: huge.kind, encoding, base: encodeValue(huge.value, encoding), mutations: [] as Mutation[] },
          ),
      },
    );
  return fc.oneof(perEncoding('json'), perEncoding('msgpack'));
}

/**
 * The frame to send for a draft: the mutated bytes when the oracle finds them safe (no write
 * reaches the engine unless the draft made it and poisoned it), else the clean bytes.
 */
export function finishFrame(draft: FrameDraft, options: FrameOptions): FuzzFrame | null {
  if (draft.kind === 'skip') return null;
  if (draft.base.length > options.maxPayloadBytes)
    throw new Error(`generator bug: a ${draft.kind} frame of ${draft.base.length} bytes is over maxPayloadBytes`);
  if (draft.mutations.length === 0) return { kind: draft.kind, encoding: draft.encoding, bytes: draft.base };
  const mutated = mutate(draft.base, draft.mutations, draft.encoding);
  if (mutated.length <= options.maxPayloadBytes && !reachesEngineAsWrite(expectationOf(mutated, draft.encoding))) {
    return { kind: draft.kind, encoding: draft.encoding, bytes: mutated };
  }
  return { kind: draft.kind.replace(/^mutated-/, 'unmutated-'), encoding: draft.encoding, bytes: draft.base };
}

// ---------------------------------------------------------------------------------------------
// The oracle: what the README promises for a frame

/** What one request of a frame must get. */
export type Outcome =
  /** A protocol error with this code (and id). */
  | { type: 'error'; code: number; id: RpcId }
  /** A read that reaches the engine: a result, or -32602 carrying the engine's INVALID_ARGUMENT. */
  | { type: 'read'; id: RpcId; method: string }
  /** A write that reaches the engine: only a generated, poisoned one may, and it must be refused. */
  | { type: 'write'; id: RpcId; method: string };

export type Expectation =
  | { kind: 'close'; code: number; why: string }
  | { kind: 'none' }
  | { kind: 'single'; outcome: Outcome }
  | { kind: 'batch'; outcomes: Outcome[] };

type Decoded = { ok: true; value: unknown } | { ok: false; invalidUtf8: boolean };

/** Decodes a frame the way the gateway does (text: UTF-8 JSON; binary: plain msgpack). */
export function decodeLikeGateway(bytes: Buffer, encoding: Encoding): Decoded {
  if (encoding === 'json' && !isUtf8(bytes)) return { ok: false, invalidUtf8: true };
  try {
    return { ok: true, value: encoding === 'json' ? JSON.parse(bytes.toString('utf8')) : dataOnly.decode(bytes) };
  } catch {
    return { ok: false, invalidUtf8: false };
  }
}

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The gateway refuses nesting deeper than this (engine/gateway/safe-keys.ts): a request is never that deep. */
const DEPTH_MAX = 32;

/**
 * A forbidden key, a foreign prototype or too deep a nesting anywhere in params (iterative: frames may be 400,000
 * deep).
 */
function paramsRefused(params: object): boolean {
  const stack: Array<[unknown, number]> = [[params, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth > DEPTH_MAX) return true;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return true;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return false;
}

/** README "Limits and backpressure": engine operations and values per frame, values per request. */
export const FRAME_OPS_MAX = 10_000;
export const VALUES_PER_FRAME_MAX = 1_048_576;
export const VALUES_PER_REQUEST_MAX = 524_288;

/** A request's engine operations: a batch's ops or a syncMany's counts (when 1 to 10,000 of them), else one. */
export function operationsOfRequest(request: unknown): number {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 1;
  const { method, params } = request as { method?: unknown; params?: any };
  if (typeof params !== 'object' || params === null) return 1;
  const list = method === 'batch' ? params.ops : method === 'syncMany' ? params.requests : undefined;
  return Array.isArray(list) && list.length >= 1 && list.length <= 10_000 ? list.length : 1;
}

/** Values in decoded data (every array, map, map key and scalar), counted up to `cap + 1`. */
export function valuesIn(value: unknown, cap: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0 && count <= cap) {
    const next = stack.pop();
    count++;
    if (typeof next !== 'object' || next === null || ArrayBuffer.isView(next)) continue;
    if (Array.isArray(next)) for (let index = 0; index < next.length && index <= cap; index++) stack.push(next[index]);
    else
      for (const key of Object.keys(next)) {
        count++;
        stack.push((next as Record<string, unknown>)[key]);
      }
  }
  return Math.min(count, cap + 1);
}

/** Whether the gateway refuses the frame whole (-32600, id null) before running any of it. */
export function overFrameBounds(requests: readonly unknown[]): boolean {
  let operations = 0;
  for (const request of requests) {
    operations += operationsOfRequest(request);
    if (operations > FRAME_OPS_MAX) return true;
  }
  let values = 0;
  for (const request of requests) {
    const each = valuesIn(request, VALUES_PER_REQUEST_MAX);
    if (each > VALUES_PER_REQUEST_MAX) return true;
    values += each;
    if (values > VALUES_PER_FRAME_MAX) return true;
  }
  return false;
}

/** One request (a frame, or one element of a batch frame): its outcome, or null for a notification. */
export function outcomeOf(request: unknown): Outcome | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return { type: 'error', code: -32600, id: null };
  const record = request as Record<string, unknown>;
  const rawId = record.id;
  let id: RpcId;
  if (rawId === undefined || rawId === null || typeof rawId === 'string')
    id = (rawId as string | null | undefined) ?? null;
  else if (typeof rawId === 'number' && Number.isFinite(rawId)) id = rawId;
  else return { type: 'error', code: -32600, id: null };
  const envelopeOk =
    Object.keys(record).every((key) => ENVELOPE_KEYS.has(key)) &&
    record.jsonrpc === '2.0' &&
    typeof record.method === 'string' &&
    record.method.length > 0;
  if (!envelopeOk) return { type: 'error', code: -32600, id };
  if (!('id' in record)) return null;
  const method = record.method as string;
  if (!KNOWN_METHODS.has(method)) return { type: 'error', code: -32601, id };
  const params = record.params === undefined ? {} : record.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return { type: 'error', code: -32602, id };
  if (paramsRefused(params)) return { type: 'error', code: -32602, id };
  const named = BY_FIELDS[method];
  if (named !== undefined && Object.keys(params).some((key) => !named.includes(key)))
    return { type: 'error', code: -32602, id };
  return WRITES.has(method) ? { type: 'write', id, method } : { type: 'read', id, method };
}

/**
 * Whether a notification (no id) would reach the engine as a write: it has no answer, so the oracle must see it here.
 */
function notificationWrite(request: unknown): boolean {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return false;
  const record = request as Record<string, unknown>;
  if ('id' in record || !WRITES.has(record.method as string)) return false;
  const outcome = outcomeOf({ ...record, id: 0 });
  return outcome?.type === 'write';
}

export function expectationOf(bytes: Buffer, encoding: Encoding): Expectation & { notificationWrites?: number } {
  const decoded = decodeLikeGateway(bytes, encoding);
  if (!decoded.ok) {
    // RFC 6455: a text frame that is not UTF-8 fails the connection with 1007 (ws does that before the gateway sees
    // it).
    if (decoded.invalidUtf8) return { kind: 'close', code: 1007, why: 'invalid UTF-8 in a text frame' };
    return { kind: 'single', outcome: { type: 'error', code: -32700, id: null } };
  }
  const frame = decoded.value;
  if (Array.isArray(frame) && frame.length === 0)
    return { kind: 'single', outcome: { type: 'error', code: -32600, id: null } };
  if (overFrameBounds(Array.isArray(frame) ? frame : [frame]))
    return { kind: 'single', outcome: { type: 'error', code: -32600, id: null } };
  if (!Array.isArray(frame)) {
    const outcome = outcomeOf(frame);
    return outcome === null
      ? { kind: 'none', notificationWrites: notificationWrite(frame) ? 1 : 0 }
      : { kind: 'single', outcome };
  }
  const outcomes: Outcome[] = [];
  let notificationWrites = 0;
  for (const request of frame) {
    const outcome = outcomeOf(request);
    if (outcome !== null) outcomes.push(outcome);
    else if (notificationWrite(request)) notificationWrites++;
  }
  return outcomes.length === 0 ? { kind: 'none', notificationWrites } : { kind: 'batch', outcomes, notificationWrites };
}

/** Whether any request of the frame would reach the engine as a write (answered or not). */
export function reachesEngineAsWrite(expectation: Expectation & { notificationWrites?: number }): boolean {
  if ((expectation.notificationWrites ?? 0) > 0) return true;
  if (expectation.kind === 'single') return expectation.outcome.type === 'write';
  if (expectation.kind === 'batch') return expectation.outcomes.some((outcome) => outcome.type === 'write');
  return false;
}

// ---------------------------------------------------------------------------------------------
// Checking an answer

export interface Answer {
  binary: boolean;
  data: unknown;
}

/** Engine refusal codes that the gateway turns into JSON-RPC errors (never a result). */
const PROTOCOL_REFUSALS = new Set(['INVALID_ARGUMENT', 'OVERLOADED', 'CLOSED']);

function sameId(a: unknown, b: RpcId): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** Problems with one response against its outcome (empty: fine). `codes` tallies what was seen. */
function checkResponse(response: unknown, outcome: Outcome, codes: Map<string, number>): string[] {
  const problems: string[] = [];
  if (typeof response !== 'object' || response === null || Array.isArray(response))
    return [`not a response object: ${show(response)}`];
  const r = response as Record<string, unknown>;
  const extra = Object.keys(r).filter((key) => !['jsonrpc', 'id', 'result', 'error'].includes(key));
  if (extra.length > 0) problems.push(`unexpected response fields ${extra.join(', ')}`);
  if (r.jsonrpc !== '2.0') problems.push(`jsonrpc ${show(r.jsonrpc)}`);
  if (!sameId(r.id, outcome.id)) problems.push(`id ${show(r.id)} instead of ${show(outcome.id)}`);
  const hasError = 'error' in r;
  if (hasError === 'result' in r) problems.push('not exactly one of result and error');
  if (hasError) {
    const error = r.error as { code?: unknown; message?: unknown; data?: any };
    const code = error?.code;
    codes.set(String(code), (codes.get(String(code)) ?? 0) + 1);
    if (typeof error?.message !== 'string') problems.push('error.message is not a string');
    if (typeof error?.message === 'string' && error.message.startsWith('internal error'))
      problems.push(`internal error: ${error.message}`);
    if (outcome.type === 'error' && code !== outcome.code)
      problems.push(`error ${show(code)} instead of ${outcome.code}`);
    if (outcome.type !== 'error') {
      if (code !== -32602)
        problems.push(`error ${show(code)} for a ${outcome.type} of ${outcome.method} (only -32602 may refuse it)`);
      else if (error.data?.code !== 'INVALID_ARGUMENT')
        problems.push(`-32602 without the engine's INVALID_ARGUMENT in data: ${show(error.data)}`);
    }
    return problems;
  }
  const result = r.result as Record<string, any> | undefined;
  codes.set('result', (codes.get('result') ?? 0) + 1);
  if (outcome.type === 'error') {
    problems.push(`a result where error ${outcome.code} was due`);
    return problems;
  }
  if (outcome.method === 'stats') {
    // stats() is the one method whose result is not { ok, … } (README "Operations").
    if (typeof result !== 'object' || result === null || !Array.isArray(result.shards))
      problems.push(`stats without shards: ${show(result)}`);
    return problems;
  }
  if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
    problems.push(`result without a boolean ok: ${show(result)}`);
    return problems;
  }
  if (result.ok === false && PROTOCOL_REFUSALS.has(result.error?.code))
    problems.push(`a ${result.error.code} refusal as a result`);
  if (outcome.type === 'write') {
    // A poisoned write is refused: -32602, or (batch, syncMany) every entry refused INVALID_ARGUMENT.
    const composite = outcome.method === 'batch' || outcome.method === 'syncMany';
    if (!composite || result.ok !== true || !Array.isArray(result.results)) {
      problems.push(`a poisoned ${outcome.method} was answered with a result: ${show(result)}`);
    } else {
      const accepted = result.results.filter(
        (entry: any) => entry?.ok !== false || entry?.error?.code !== 'INVALID_ARGUMENT',
      );
      if (accepted.length > 0)
        problems.push(`a poisoned ${outcome.method} had entries not refused INVALID_ARGUMENT: ${show(accepted)}`);
    }
  }
  return problems;
}

/** Problems with the answer to a frame (empty: fine). */
export function checkAnswer(
  expectation: Expectation,
  frame: FuzzFrame,
  answer: Answer,
  codes: Map<string, number>,
): string[] {
  const problems: string[] = [];
  if (answer.binary !== (frame.encoding === 'msgpack'))
    problems.push(`answered in a ${answer.binary ? 'binary' : 'text'} frame`);
  if (expectation.kind === 'single') {
    if (Array.isArray(answer.data)) return [...problems, `an array answer to a single request: ${show(answer.data)}`];
    return [...problems, ...checkResponse(answer.data, expectation.outcome, codes)];
  }
  if (expectation.kind === 'batch') {
    if (!Array.isArray(answer.data))
      return [...problems, `a batch frame answered with ${show(answer.data)}, not an array`];
    if (answer.data.length !== expectation.outcomes.length) {
      return [
        ...problems,
        `a batch frame answered with ${answer.data.length} responses, ${expectation.outcomes.length} due: ${show(answer.data)}`,
      ];
    }
    expectation.outcomes.forEach((outcome, index) => {
      for (const problem of checkResponse((answer.data as unknown[])[index], outcome, codes))
        problems.push(`[${index}] ${problem}`);
    });
    return problems;
  }
  return [...problems, `an answer where none was due: ${show(answer.data)}`];
}

export function show(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** A frame as a reproduction: text frames as text (when short), every frame as base64. */
export function reproduction(frame: FuzzFrame, max = 1_500): Record<string, unknown> {
  const text = frame.encoding === 'json' && isUtf8(frame.bytes) ? frame.bytes.toString('utf8') : undefined;
  return {
    kind: frame.kind,
    encoding: frame.encoding,
    bytes: frame.bytes.length,
    ...(text !== undefined ? { text: text.length > max ? `${text.slice(0, max)}…` : text } : {}),
    base64:
      frame.bytes.length > max ? `${frame.bytes.subarray(0, max).toString('base64')}…` : frame.bytes.toString('base64'),
  };
}

// ---------------------------------------------------------------------------------------------
// A client that hands answers over in order

export class FuzzSocket {
  private readonly queue: Answer[] = [];
  private waiter: ((answer: Answer | 'closed') => void) | null = null;
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      let decoded: unknown;
      try {
        decoded = isBinary ? unpack(buffer) : JSON.parse(buffer.toString('utf8'));
      } catch (error) {
        decoded = { undecodable: (error as Error).message };
      }
      const answer = { binary: isBinary, data: decoded };
      if (this.waiter !== null) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter(answer);
      } else {
        this.queue.push(answer);
      }
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.on('close', (code) => {
        this.closeCode = code;
        if (this.waiter !== null) {
          const waiter = this.waiter;
          this.waiter = null;
          waiter('closed');
        }
        resolve(code);
      });
    });
  }

  static open(url: string, token: string): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: 256 * 1024 * 1024 });
      const socket = new FuzzSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: FuzzFrame): void {
    this.ws.send(frame.bytes, { binary: frame.encoding === 'msgpack' });
  }

  /** The next answer, 'closed' if the socket closes first, 'timeout' after timeoutMs. */
  next(timeoutMs: number): Promise<Answer | 'closed' | 'timeout'> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closeCode !== null) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve('timeout');
      }, timeoutMs);
      this.waiter = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}
