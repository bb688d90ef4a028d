import type { Refusal } from '../api/errors.js';
import { invariant } from '../../shared/invariant.js';
import type { Ledger } from '../ledger/ledger.js';
import { isCapacityRefusal } from '../ledger/refusal-record.js';
import { MICRO_BATCH_HEADER_FIELDS, refusalRef } from './protocol.js';
import { OP_FIELDS, SHARD_OPS } from './shard-ops.js';

export interface MicroBatchOutcome {
  /** One slot per op: its result, or a reference into `refusals`. */
  results: unknown[];
  /** The micro-batch's distinct refusal objects, each sent once. */
  refusals: Refusal[];
  /** The micro-batch may have changed the ledger: it has an operation that writes, or its time expired something. */
  changed: boolean;
  /**
   * Where each operation refused for capacity starts (its opcode's field index). Such a refusal
   * depends on limits and memory, not on the ledger's history, so the journaled record leaves
   * the operation out: a replay under other limits cannot decide it differently.
   */
  dropped: number[];
}

/**
 * Asked before each operation: a refusal to answer instead of applying it (the shard's heap
 * watermark), or null to apply it.
 */
export type AdmitOp = (op: number) => Refusal | null;

const ADMIT_ALL: AdmitOp = () => null;

/** Applies one decoded micro-batch to the ledger, in order. */
export function applyMicroBatch(ledger: Ledger, microBatch: unknown[], admit: AdmitOp = ADMIT_ALL): MicroBatchOutcome {
  const outcome: MicroBatchOutcome = {
    results: [],
    refusals: [],
    changed: ledger.advance(microBatch[1] as number),
    dropped: [],
  };
  let seen: Map<Refusal, number> | null = null;
  let at = MICRO_BATCH_HEADER_FIELDS;
  while (at < microBatch.length) {
    const op = microBatch[at] as number;
    // Per operation: the message is built only when the invariant fails.
    if (!(op >= 0 && op < OP_FIELDS.length)) invariant(false, `unknown opcode ${op} at field ${at}`);
    const shardOp = SHARD_OPS[op]!;
    const result = admit(op) ?? shardOp.apply(ledger, microBatch, at + 1);
    if (isCapacityRefusalResult(result)) outcome.dropped.push(at);
    else if (!shardOp.readOnly) outcome.changed = true;
    if (isRefusal(result)) outcome.results.push(refer(result, outcome.refusals, (seen ??= new Map())));
    else outcome.results.push(result);
    at += 1 + OP_FIELDS[op]!;
  }
  invariant(at === microBatch.length, 'micro-batch ends inside an operation');
  return outcome;
}

/** The micro-batch without the operations at `dropped` (field indexes of their opcodes), for the journal. */
export function withoutOps(microBatch: readonly unknown[], dropped: readonly number[]): unknown[] {
  const kept = microBatch.slice(0, MICRO_BATCH_HEADER_FIELDS);
  let next = 0;
  for (let at = MICRO_BATCH_HEADER_FIELDS; at < microBatch.length; at += 1 + OP_FIELDS[microBatch[at] as number]!) {
    if (next < dropped.length && dropped[next] === at) {
      next++;
      continue;
    }
    for (let field = at; field <= at + OP_FIELDS[microBatch[at] as number]!; field++) kept.push(microBatch[field]);
  }
  invariant(next === dropped.length, 'a dropped operation is not in the micro-batch');
  return kept;
}

/** A capacity refusal changes nothing and is never recorded (engine/ledger/refusal-record.ts). */
function isCapacityRefusalResult(result: unknown): boolean {
  return isRefusal(result) && isCapacityRefusal(result.error);
}

function isRefusal(result: unknown): result is Refusal {
  return (result as { ok?: unknown }).ok === false;
}

function refer(refusal: Refusal, refusals: Refusal[], seen: Map<Refusal, number>): number {
  let k = seen.get(refusal);
  if (k === undefined) {
    k = refusals.push(refusal) - 1;
    seen.set(refusal, k);
  }
  return refusalRef(k);
}
