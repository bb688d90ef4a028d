import type { EngineError, Refusal } from './errors.js';

export type HoldStatus = 'held' | 'committed' | 'fulfilled' | 'released' | 'expired';
export type SkuMode = 'active' | 'soldOut' | 'frozen';

export interface LineRequest {
  sku: string;
  qty: number;
  /** Where to take the units; omitted, the engine's location strategy places the line. */
  location?: string;
}

import type { StrategyName } from './strategies.js';

export type { StrategyName };

export interface ReserveRequest {
  /** Client-chosen id: the idempotency key. */
  id: string;
  channel: string;
  ttlMs: number;
  lines: LineRequest[];
  /** How lines without a location are placed; omitted, the engine's default strategy. */
  strategy?: StrategyName;
  /** Where the order goes (a region or zone), for `closest`. */
  destination?: string;
  /** Lets a line that names no location be served from several locations. */
  allowSplit?: boolean;
}

export interface FulfilLine {
  sku: string;
  location: string;
  qty: number;
}

export interface ReceiveRequest {
  sku: string;
  location: string;
  qty: number;
}

export interface AdjustRequest {
  sku: string;
  location: string;
  /** Signed correction; never zero. */
  delta: number;
  reason: string;
}

export interface RestockRequest {
  sku: string;
  location: string;
  qty: number;
  /** 'sellable': available again at once; 'damaged': into quarantine, never available. */
  condition: 'sellable' | 'damaged';
  /** The reservation (order) the units come back from, carried on the change event. */
  reservationId?: string;
  /** When the return was physically received (epoch ms; default now): reconciliation time starts there. */
  receivedAt?: number;
}

export interface TransferRequest {
  /** Client-chosen id: the transfer's idempotency key (per SKU). */
  id: string;
  sku: string;
  from: string;
  to: string;
  qty: number;
  /** The units leave `from` now and arrive at `to` when receiveTransfer says so. */
  inTransit?: boolean;
}

export interface ReceiveTransferRequest {
  sku: string;
  id: string;
}

export interface Transfer {
  id: string;
  sku: string;
  from: string;
  to: string;
  qty: number;
  status: 'inTransit' | 'received';
}

/** An absolute count of one position taken by another system (an ERP, a WMS) at `asOf`. */
export interface SyncRequest {
  sku: string;
  location: string;
  /** The units the source counted on hand. */
  onHand: number;
  /** When the source took the count (epoch ms, the engine clock's timebase). */
  asOf: number;
}

/** A SKU's allocation policy (setPolicy replaces the whole of it). */
export interface Policy {
  /** Units never promised to any channel. */
  safetyStock: number;
  /** channel → units ring-fenced for it: only that channel may take them. */
  fences: Record<string, number>;
  /** channel → the most units that channel may hold at once (held + committed + backordered). */
  caps: Record<string, number>;
  /** How many units may be held beyond what is available (backorders and preorders), in all. */
  backorderLimit: number;
}

export interface SetPolicyRequest extends Partial<Policy> {
  sku: string;
}

export interface FreezeRequest {
  sku: string;
  reason: string;
}

export interface ReservationLine {
  /** The index of the request line this serves (a split line has several reservation lines). */
  line: number;
  sku: string;
  location: string;
  qty: number;
  fulfilled: number;
  /** Units of `qty` waiting for stock (a backorder or preorder); 0 once filled. */
  backordered: number;
}

export interface Reservation {
  id: string;
  channel: string;
  status: HoldStatus;
  expiresAt: number;
  /** Units of this hold waiting for stock; more than 0 marks a backordered hold. */
  backordered: number;
  lines: ReservationLine[];
}

export interface PositionView {
  onHand: number;
  reserved: number;
  committed: number;
  available: number;
  /** Units promised beyond what is on hand (reserved + committed − onHand), never hidden. */
  shortfall: number;
  /** Units on their way here by an in-transit transfer: not on hand, not available yet. */
  inbound: number;
  /** Returned units quarantined as damaged: never available. */
  quarantined: number;
  /** Units held beyond stock (backorders) waiting to be filled here. */
  backordered: number;
}

/**
 * What each channel may take now: every channel the policy names, and '*' for any other.
 * Without a policy, '*' alone, equal to `available`.
 */
export type ChannelAvailability = Record<string, number>;

export interface SkuView extends PositionView {
  ok: true;
  sku: string;
  seq: number;
  mode: SkuMode;
  channels: ChannelAvailability;
  policy: Policy | null;
  locations: Record<string, PositionView>;
}

export interface PositionChange extends PositionView {
  location: string;
}

export type ChangeCause =
  | 'receive'
  | 'adjust'
  | 'reserve'
  | 'commit'
  | 'fulfil'
  | 'release'
  | 'expire'
  | 'freeze'
  | 'unfreeze'
  | 'transfer'
  | 'transferReceived'
  | 'restock'
  /** A part of a cross-shard hold gives its units back because another part was refused. */
  | 'abort'
  | 'sync'
  | 'setPolicy'
  /** Units arrived for a backordered hold (one event per fill, with reservationId and filled). */
  | 'backorderFilled';

/** Emitted for every change to a SKU; `seq` strictly increases per SKU. */
export interface ChangeEvent extends PositionView {
  sku: string;
  seq: number;
  cause: ChangeCause;
  mode: SkuMode;
  channels: ChannelAvailability;
  /** The positions this change touched, with their new quantities. */
  positions: PositionChange[];
  /** The reason given, for adjust and freeze; for restock, the condition and reservation. */
  reason?: string;
  /** backorderFilled: the hold that got units, and how many. */
  reservationId?: string;
  filled?: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | Refusal;
export type ReservationResult = { ok: true; reservation: Reservation } | Refusal;
/**
 * A many-call's answer: one result per request, in order; a Refusal only when the call itself is
 * malformed (not an array, or more than LIMITS.manyOpsMax entries), and then nothing ran.
 */
export type ManyResult<T> = T[] | Refusal;
export type MovementResult = { ok: true; sku: string; location: string; seq: number; position: PositionView } | Refusal;
export type SkuResult = SkuView | Refusal;
export type TransferResult = { ok: true; seq: number; transfer: Transfer } | Refusal;
export type SyncResult =
  | {
      ok: true;
      sku: string;
      location: string;
      seq: number;
      /** Net onHand movement the engine recorded after `asOf`, added to the count. */
      rebasedBy: number;
      /** The change the count made to onHand (0: the engine already agreed). */
      delta: number;
      position: PositionView;
    }
  | Refusal;
export type SyncManyResult = { ok: true; results: SyncResult[] } | Refusal;
export type PolicyResult =
  { ok: true; sku: string; seq: number; policy: Policy | null; channels: ChannelAvailability } | Refusal;
export type FreezeResult = { ok: true; sku: string; seq: number; mode: SkuMode } | Refusal;

export type Result =
  ReserveResult | MovementResult | SkuResult | FreezeResult | TransferResult | SyncResult | PolicyResult;
export type { EngineError, Refusal };

export interface Clock {
  nowMs(): number;
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

export interface LedgerCounters {
  liveHolds: number;
  retainedOutcomes: number;
  skus: number;
  positions: number;
  /** Units shipped that the ledger did not have on hand (a count was wrong): reported, never hidden. */
  shippedWithoutStock: number;
  /** Returns restocked, and their reconciliation time (receipt → available or quarantined). */
  returnsRestocked: number;
  returnsReconcileMsTotal: number;
  returnsReconcileMsMax: number;
}

export interface ShardStats {
  shard: number;
  /**
   * False while the shard's last micro-batch failed (its worker died), while it is stopped after a
   * storage failure, or once it gave up recovering; true again once it serves.
   */
  healthy: boolean;
  /** Why it is not healthy (STORAGE_FAILED's cause, RECOVERY_FAILED, a worker's death), or null. */
  cause: string | null;
  /** Journal or snapshot failures since the engine started (each stopped the shard until it recovered). */
  storageFailures: number;
  /** Times its worker thread died and was replaced. */
  workerDeaths: number;
  /**
   * The shard thread's old-generation heap in use, and its limit (shardHeapMb), as of its last reply (0 before one).
   */
  heapUsedBytes: number;
  heapLimitBytes: number;
  /** Operations accepted by the router and not yet answered (queued + in flight). */
  queueDepth: number;
  queueDepthMax: number;
  /** Micro-batches (one message of queued operations each) in flight to the shard. */
  batchesInFlight: number;
  /** Micro-batches sent to the shard, and the most operations any of them carried (≤ maxBatchOps). */
  batchesSent: number;
  largestBatchOps: number;
  ops: Record<string, number>;
  overloaded: number;
  /** Time from an operation's micro-batch opening to its answer: an upper bound per op. */
  latency: LatencySummary;
  /** The ledger's counters as of the shard's last reply. */
  ledger: LedgerCounters;
  /**
   * Milliseconds the shard's worker thread has spent busy (its event loop's utilization, `active`) since that thread
   * started; 0 while it has none. Two readings apart, divided by the ops between them: the shard's busy time per op.
   * Absent on the in-thread engine (`shards: 0`), which has no worker: its work is the caller's.
   */
  workerBusyMs?: number;
}

export interface ReturnsStats {
  restocked: number;
  /** Receipt → available (or quarantined), over all restocks; 0 when none. */
  reconcileMsMean: number;
  reconcileMsMax: number;
}

export interface EngineStats {
  shards: ShardStats[];
  returns: ReturnsStats;
  /** Listener calls that threw (the engine catches them and goes on). */
  listenerErrors: number;
}
