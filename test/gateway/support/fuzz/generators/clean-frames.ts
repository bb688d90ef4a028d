/** Whole frames before any mutation: requests of every kind, notifications, JSON-RPC batches. */
import fc from 'fast-check';
import type { Encoding } from '../vocabulary.js';
import { brokenEnvelope } from './broken-envelope.js';
import { poisonedWrite } from './poisoned-writes.js';
import { randomMethod, readRequest } from './reads.js';
import { batchElement } from './rpc-batch.js';

/** Whole requests and batches, clean (unmutated): safe by construction. */
export function cleanFrameValue(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
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
