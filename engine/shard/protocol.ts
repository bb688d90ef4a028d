import { Packr } from 'msgpackr';

/**
 * The wire format between the router and a shard. A micro-batch is one flat msgpack array:
 * [microBatchSeq, nowMs, op, ...fields, op, ...fields, …]; each op has a fixed field count
 * (engine/shard/shard-ops.ts, the table every layer reads).
 * A reply is [results, events, forgotten ids, ledger counters, refusals, shard state], results
 * in op order.
 * A refusal crosses once per micro-batch: its result slot holds REFUSAL_REF(k) for refusals[k]
 * (results are otherwise objects or arrays, never numbers).
 */
export const OP = {
  TICK: 0,
  RECEIVE: 1,
  ADJUST: 2,
  /**
   * id, channel, ttlMs, lines, partCount, expiresAt (-1: now + ttlMs), lineIndexes (a part's lines in the whole hold) |
   * null, strategy | null, destination | null, allowSplit
   */
  RESERVE: 3,
  COMMIT: 4,
  RELEASE: 5,
  /** id, lines | null, final (FINAL_AUTO | FINAL_NO | FINAL_YES), whole (a part's WholeFulfil) | null */
  FULFIL: 6,
  GET_RESERVATION: 7,
  GET: 8,
  FREEZE: 9,
  UNFREEZE: 10,
  /** sku | '*', on */
  WATCH: 11,
  EXPIRE_PART: 12,
  /** id, error | null */
  ABORT_PART: 13,
  /** id, sku, from, to, qty, inTransit */
  TRANSFER: 14,
  /** sku, id */
  RECEIVE_TRANSFER: 15,
  /** sku, location, qty, sellable, reservationId | null, receivedAt (-1: now) */
  RESTOCK: 16,
  /** sku, location, onHand, asOf */
  SYNC: 17,
  /** sku, policy (complete: see engine/api/policy.ts policyOf) */
  SET_POLICY: 18,
  /** (no fields): every hold's summary, for the router to rebuild its index after a restart */
  LIST_HOLDS: 19,
  /** id: a part's PartReport (status and fulfils), for reconciliation */
  PART_STATE: 20,
  /**
   * id, channel, ttlMs, sku, qty: a plain single-line reserve (no location, strategy, destination or
   * split; a whole hold), RESERVE's most common form in five flat fields instead of ten and a line object
   */
  RESERVE_ONE: 21,
} as const;

export const MICRO_BATCH_HEADER_FIELDS = 2;

/** The result slot of the k-th distinct refusal of a micro-batch. */
export function refusalRef(k: number): number {
  return -1 - k;
}

/** The refusal a result slot refers to, or the slot itself. */
export function resolveRef<T>(slot: unknown, refusals: readonly T[]): unknown {
  return typeof slot === 'number' ? refusals[-1 - slot] : slot;
}

/**
 * A held reserve crosses back as its placement only: [expiresAt, one entry per request line].
 * The router already has the rest of the answer (id, channel, lines) in the request it sent.
 * An entry is the line's location, or — for a line split across locations or backordered —
 * a flat SplitPlacement of its hold lines.
 */
export type Placement = [expiresAt: number, ...entries: (string | SplitPlacement)[]];

/** [location, qty, backordered, location, qty, backordered, …] */
export type SplitPlacement = (string | number)[];

export const SPLIT_PLACEMENT_FIELDS = 3;

/**
 * The shard's state in every reply: why it is stopped (a storage failure; null while it serves),
 * storage failures since start, and its heap in use and its limit (bytes).
 */
export type ShardState = [
  stoppedCause: string | null,
  storageFailures: number,
  heapUsedBytes: number,
  heapLimitBytes: number,
];

/** Both ends build their codec here, so their options always match. */
export function createCodec(): Packr {
  return new Packr({ useRecords: true, bundleStrings: false });
}

/** Encodes into a fresh buffer that the sender can transfer (msgpackr reuses its own). */
export function encodeTransferable(codec: Packr, value: unknown): Uint8Array {
  const packed = codec.pack(value);
  const bytes = new Uint8Array(packed.length);
  bytes.set(packed);
  return bytes;
}
