import { refuse, type EngineError, type Refusal } from '../api/errors.js';
import type { FulfilLine, LineRequest, Policy } from '../api/types.js';
import { invariant } from '../../shared/invariant.js';
import { placementOf, WHOLE_HOLD, type HoldPart, type Ledger, type WholeFulfil } from '../ledger/ledger.js';
import type { StrategyName } from '../api/types.js';
import { Hold } from '../ledger/hold.js';
import { isCapacityRefusal } from '../ledger/refusal-record.js';
import {
  MICRO_BATCH_HEADER_FIELDS,
  OP,
  OP_FIELDS,
  refusalRef,
  type Placement,
  type SplitPlacement,
} from './protocol.js';

const TICKED = { ok: true } as const;

function partOf(count: number, expiresAt: number, lineIndexes: number[] | null): HoldPart {
  return count === 1 ? WHOLE_HOLD : { count, expiresAt, lineIndexes };
}

/** The hold's original placement: a location per request line, or a SplitPlacement for a split or backordered one. */
function placementReply(hold: Hold): Placement {
  const placement: Placement = [hold.expiresAt];
  const lines = hold.lines;
  for (let at = 0; at < lines.length;) {
    const first = lines[at]!;
    let end = at + 1;
    while (end < lines.length && lines[end]!.line === first.line) end++;
    if (end === at + 1 && first.backorderedAtReserve === 0) {
      placement.push(first.location);
    } else {
      const split: SplitPlacement = [];
      for (let i = at; i < end; i++) {
        const line = lines[i]!;
        split.push(line.location, line.qty, line.backorderedAtReserve);
      }
      placement.push(split);
    }
    at = end;
  }
  return placement;
}

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

/**
 * Operations that only read (or only concern the router's subscriptions): a micro-batch of only these, and a quiet
 * tick, changes nothing.
 */
const READ_ONLY_OPS: ReadonlySet<number> = new Set([
  OP.TICK,
  OP.GET,
  OP.GET_RESERVATION,
  OP.WATCH,
  OP.LIST_HOLDS,
  OP.PART_STATE,
]);

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
    invariant(op >= 0 && op < OP_FIELDS.length, `unknown opcode ${op} at field ${at}`);
    const result = admit(op) ?? applyOp(ledger, op, microBatch, at + 1);
    if (isCapacityRefusalResult(result)) outcome.dropped.push(at);
    else if (!READ_ONLY_OPS.has(op)) outcome.changed = true;
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

function applyOp(ledger: Ledger, op: number, f: unknown[], at: number): unknown {
  switch (op) {
    case OP.TICK:
      return TICKED;
    case OP.RECEIVE:
      return ledger.receive(f[at] as string, f[at + 1] as string, f[at + 2] as number);
    case OP.ADJUST:
      return ledger.adjust(f[at] as string, f[at + 1] as string, f[at + 2] as number, f[at + 3] as string);
    case OP.RESERVE: {
      const outcome = ledger.reserve(
        f[at] as string,
        f[at + 1] as string,
        f[at + 2] as number,
        f[at + 3] as LineRequest[],
        placementOf(f[at + 7] as StrategyName | null, f[at + 8] as string | null, f[at + 9] as boolean),
        partOf(f[at + 4] as number, f[at + 5] as number, f[at + 6] as number[] | null),
      );
      return outcome instanceof Hold ? placementReply(outcome) : outcome;
    }
    case OP.COMMIT:
      return ledger.commit(f[at] as string);
    case OP.RELEASE:
      return ledger.release(f[at] as string);
    case OP.FULFIL:
      return ledger.fulfil(
        f[at] as string,
        f[at + 1] as FulfilLine[] | null,
        f[at + 2] as number,
        f[at + 3] as WholeFulfil | null,
      );
    case OP.PART_STATE:
      return ledger.partState(f[at] as string);
    case OP.GET_RESERVATION:
      return ledger.getReservation(f[at] as string);
    case OP.GET:
      return ledger.get(f[at] as string);
    case OP.FREEZE:
      return ledger.freeze(f[at] as string, f[at + 1] as string);
    case OP.UNFREEZE:
      return ledger.unfreeze(f[at] as string);
    case OP.WATCH:
      ledger.watch(f[at] as string, f[at + 1] as boolean);
      return TICKED;
    case OP.EXPIRE_PART:
      return ledger.expirePart(f[at] as string);
    case OP.ABORT_PART:
      return ledger.abortPart(f[at] as string, f[at + 1] as EngineError | null);
    case OP.TRANSFER:
      return ledger.transfer(
        f[at] as string,
        f[at + 1] as string,
        f[at + 2] as string,
        f[at + 3] as string,
        f[at + 4] as number,
        f[at + 5] as boolean,
      );
    case OP.RECEIVE_TRANSFER:
      return ledger.receiveTransfer(f[at] as string, f[at + 1] as string);
    case OP.RESTOCK:
      return ledger.restock(
        f[at] as string,
        f[at + 1] as string,
        f[at + 2] as number,
        f[at + 3] as boolean,
        (f[at + 4] as string | null) ?? undefined,
        f[at + 5] as number,
      );
    case OP.SYNC:
      return ledger.sync(f[at] as string, f[at + 1] as string, f[at + 2] as number, f[at + 3] as number);
    case OP.SET_POLICY:
      return ledger.setPolicy(f[at] as string, f[at + 1] as Policy);
    case OP.LIST_HOLDS:
      return ledger.holdSummaries();
    default:
      return refuse.invalidArgument('op', `unknown opcode ${op}`);
  }
}
