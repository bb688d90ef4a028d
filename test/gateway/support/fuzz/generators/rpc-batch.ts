/** The elements of a JSON-RPC batch frame: requests of every kind, notifications and stray values. */
import fc from 'fast-check';
import type { Encoding } from '../vocabulary.js';
import { brokenEnvelope } from './broken-envelope.js';
import { poisonedWrite } from './poisoned-writes.js';
import { randomMethod, readRequest } from './reads.js';
import { confusingValue } from './values.js';

/** A value or request for inside a JSON-RPC batch frame. */
export function batchElement(encoding: Encoding): fc.Arbitrary<unknown> {
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
