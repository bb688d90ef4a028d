/** A batch call's entries: which operations it may carry, and the shape of its answer. */
import type { Refusal } from './errors.js';
import type { Result } from './types.js';

/** The operations a batch may carry: the registry's (engine/api/operations.ts) entries marked inBatch. */
export { BATCH_OPERATIONS, type BatchOperation } from './operations.js';
import type { BatchOperation } from './operations.js';

/** One operation of a batch: the embedded API's method name and its arguments, in order. */
export interface BatchEntry {
  op: BatchOperation;
  args: unknown[];
}

export type BatchResult = { ok: true; results: (Result | Refusal)[] } | Refusal;
