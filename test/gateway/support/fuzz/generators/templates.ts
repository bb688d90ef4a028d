/** Plausible requests: a valid template per write method (what poisons then spoil) and params per read. */
import fc from 'fast-check';
import {
  FUZZ_HOLDS,
  FUZZ_LOCATIONS,
  FUZZ_MISSING_SKUS,
  FUZZ_SKUS,
  FUZZ_TRANSFERS,
  type ReadMethod,
  type WriteMethod,
} from '../vocabulary.js';
import { confusingString } from './values.js';

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

/** A read request with type-confused params: it may be answered ok or refused -32602. */
export const readParams: Record<ReadMethod, fc.Arbitrary<Record<string, unknown>>> = {
  get: fc.record({ sku: fc.oneof(goodSku, confusingString) }),
  getReservation: fc.record({ id: fc.oneof(goodHold, confusingString) }),
  stats: fc.constant({}),
  subscribe: fc.record({ skus: fc.array(fc.oneof(goodSku, confusingString), { maxLength: 5 }) }),
  unsubscribe: fc.record({ skus: fc.array(goodSku, { maxLength: 3 }) }),
};

const templateCache = new Map<WriteMethod, fc.Arbitrary<Record<string, unknown>>>();
/** templateOf, built once per method. */
export function template(method: WriteMethod): fc.Arbitrary<Record<string, unknown>> {
  let arbitrary = templateCache.get(method);
  if (arbitrary === undefined) {
    arbitrary = templateOf(method);
    templateCache.set(method, arbitrary);
  }
  return arbitrary;
}
