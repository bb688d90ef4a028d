/** A batch call's entries: which operations it may carry, and the shape of its answer. */
import type { Refusal } from './errors.js';
import type { Result } from './types.js';

/** The operations a batch may carry: every state-changing or reading call of the embedded API. */
export const BATCH_OPERATIONS = [
  'receive',
  'adjust',
  'reserve',
  'commit',
  'fulfil',
  'release',
  'getReservation',
  'get',
  'freeze',
  'unfreeze',
  'transfer',
  'receiveTransfer',
  'restock',
  'sync',
  'setPolicy',
] as const;
export type BatchOperation = (typeof BATCH_OPERATIONS)[number];

/** One operation of a batch: the embedded API's method name and its arguments, in order. */
export interface BatchEntry {
  op: BatchOperation;
  args: unknown[];
}

export type BatchResult = { ok: true; results: (Result | Refusal)[] } | Refusal;
