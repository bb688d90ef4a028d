import type { Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import { shown } from '../api/validate.js';
import type { Result, SyncManyResult, SyncRequest } from '../api/types.js';
import { BATCH_OPERATIONS, type BatchEntry, type BatchOperation, type BatchResult } from '../api/batch-entry.js';
import { Gather } from './many-call.js';

type Answer = (result: Result | Refusal, slot: number) => void;

/**
 * An engine's fast path for a batch entry: issues the operation and answers it through
 * `answer(result, slot)` without a promise of its own, or returns false to take the public method.
 */
export type BatchFastPath = (op: BatchOperation, args: unknown[], slot: number, answer: Answer) => boolean;

const NO_FAST_PATH: BatchFastPath = () => false;

/**
 * Runs many operations in one call, one result per operation, in order. All are issued at once,
 * so they share the shards' micro-batches; operations on one SKU (or one hold) apply in the
 * order given. A batch that is not an array, or longer than LIMITS.batchOpsMax, is refused
 * whole; a malformed entry gets its own INVALID_ARGUMENT and the others go on.
 */
export function runBatch(engine: Engine, entries: unknown, fast: BatchFastPath = NO_FAST_PATH): Promise<BatchResult> {
  const problem = checkList(entries, 'ops', 'an array of { op, args }', LIMITS.batchOpsMax);
  if (problem !== null) return Promise.resolve(problem);
  const list = entries as unknown[];
  const gather = new Gather<Result | Refusal>(list.length);
  const answer: Answer = (result, slot) => gather.set(slot, result);
  for (let slot = 0; slot < list.length; slot++) runEntry(engine, list[slot], slot, fast, answer);
  return gather.seal().then((results) => ({ ok: true, results }));
}

/** syncMany: many counts in one call, one result each, in order (they share the shards' micro-batches). */
export async function runSyncMany(engine: Engine, requests: unknown): Promise<SyncManyResult> {
  const problem = checkList(requests, 'requests', 'an array of sync requests', LIMITS.syncManyMax);
  if (problem !== null) return problem;
  return { ok: true, results: await Promise.all((requests as SyncRequest[]).map((request) => engine.sync(request))) };
}

function checkList(value: unknown, field: string, what: string, lengthMax: number): Refusal | null {
  if (!Array.isArray(value)) return refuse.invalidArgument(field, `must be ${what}`);
  if (value.length > lengthMax)
    return refuse.invalidArgument(field, `must have at most ${lengthMax} entries, got ${value.length}`);
  return null;
}

function runEntry(engine: Engine, entry: unknown, slot: number, fast: BatchFastPath, answer: Answer): void {
  const problem = checkEntry(entry, slot);
  if (problem !== null) return answer(problem, slot);
  const { op, args } = entry as BatchEntry;
  if (fast(op, args, slot, answer)) return;
  const method = engine[op] as (...values: unknown[]) => Promise<Result | Refusal>;
  let result: Promise<Result | Refusal>;
  try {
    result = method.apply(engine, args);
  } catch (error) {
    // Validation refuses bad input with a result; a throw here is a validator's bug. It must not
    // cost the batch's other entries their answers.
    return answer(refuse.invalidArgument(`ops[${slot}]`, (error as Error).message), slot);
  }
  void result.then((value) => answer(value, slot));
}

function checkEntry(entry: unknown, index: number): Refusal | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return refuse.invalidArgument(`ops[${index}]`, 'must be an object { op, args }');
  }
  for (const key in entry) {
    if (key !== 'op' && key !== 'args') return refuse.invalidArgument(`ops[${index}].${key}`, 'is not a known field');
  }
  const { op, args } = entry as { op?: unknown; args?: unknown };
  if (!BATCH_OPERATIONS.includes(op as BatchOperation)) {
    return refuse.invalidArgument(
      `ops[${index}].op`,
      `must be one of ${BATCH_OPERATIONS.join(', ')}, got ${shown(op)}`,
    );
  }
  if (!Array.isArray(args) || args.length > 2) {
    return refuse.invalidArgument(`ops[${index}].args`, "must be an array of the operation's arguments");
  }
  return null;
}
