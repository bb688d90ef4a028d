/** Requests that cannot change the ledger: reads with confused params, and unknown methods. */
import fc from 'fast-check';
import { KNOWN_METHODS, type Encoding, type ReadMethod } from '../vocabulary.js';
import { confuse, confusionsArb } from './confusions.js';
import { envelope, type RequestSpec } from './envelope.js';
import { readParams } from './templates.js';
import { confusingValue, idArb } from './values.js';

const readWithParams = fc.oneof(
  ...(['get', 'get', 'get', 'getReservation', 'getReservation', 'stats', 'subscribe', 'unsubscribe'] as const).map(
    (method) => fc.tuple(fc.constant<ReadMethod>(method), readParams[method]),
  ),
);

export function readRequest(_encoding: Encoding, notification: boolean): fc.Arbitrary<RequestSpec> {
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

/** A request for an unknown method (random name, random params). */
export function randomMethod(notification: boolean): fc.Arbitrary<RequestSpec> {
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
