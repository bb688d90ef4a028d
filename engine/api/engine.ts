import type {
  AdjustRequest,
  ChangeEvent,
  EngineStats,
  FreezeRequest,
  FreezeResult,
  FulfilLine,
  MovementResult,
  ReceiveRequest,
  ReceiveTransferRequest,
  ReservationResult,
  ReserveRequest,
  ReserveResult,
  SkuResult,
  RestockRequest,
  TransferRequest,
  TransferResult,
  SyncRequest,
  SyncResult,
  SyncManyResult,
  SetPolicyRequest,
  PolicyResult,
  ManyResult,
} from './types.js';
import type { Refusal } from './errors.js';
import type { BatchEntry, BatchResult } from './batch-entry.js';

export type ChangeListener = (event: ChangeEvent) => void;

/** The embedded API. Every operation resolves to a result; none rejects. */
export interface Engine {
  receive(request: ReceiveRequest): Promise<MovementResult>;
  adjust(request: AdjustRequest): Promise<MovementResult>;
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  commit(id: string): Promise<ReservationResult>;
  fulfil(id: string, lines?: FulfilLine[]): Promise<ReservationResult>;
  release(id: string): Promise<ReservationResult>;
  getReservation(id: string): Promise<ReservationResult>;
  get(sku: string): Promise<SkuResult>;
  freeze(request: FreezeRequest): Promise<FreezeResult>;
  restock(request: RestockRequest): Promise<MovementResult>;
  transfer(request: TransferRequest): Promise<TransferResult>;
  receiveTransfer(request: ReceiveTransferRequest): Promise<TransferResult>;
  unfreeze(sku: string): Promise<FreezeResult>;
  /** Applies an ERP/WMS count taken at `asOf`, rebased over the movements recorded since. */
  sync(request: SyncRequest): Promise<SyncResult>;
  /** Many counts in one call, one result per count, in order. */
  syncMany(requests: SyncRequest[]): Promise<SyncManyResult>;
  /** Sets (replaces) a SKU's policy: safety stock, channel fences and caps, backorder limit. */
  setPolicy(request: SetPolicyRequest): Promise<PolicyResult>;
  /**
   * Many reserves in one call and one promise: one result per request, in order, each exactly what
   * reserve would have answered (a malformed request gets its own INVALID_ARGUMENT).
   */
  reserveMany(requests: ReserveRequest[]): Promise<ManyResult<ReserveResult>>;
  /** Many commits in one call: one result per id, in order, each what commit would have answered. */
  commitMany(ids: string[]): Promise<ManyResult<ReservationResult>>;
  /** Many releases in one call: one result per id, in order, each what release would have answered. */
  releaseMany(ids: string[]): Promise<ManyResult<ReservationResult>>;
  /** Many whole fulfils in one call: one result per id, in order, each what fulfil(id) would have answered. */
  fulfilMany(ids: string[]): Promise<ManyResult<ReservationResult>>;
  /** Many operations in one call ({ op, args } each), one result per operation, in order. */
  batch(ops: BatchEntry[]): Promise<BatchResult>;
  /** Runs the expiry sweep now on every shard (the engine also runs it on its own). */
  expireDue(): Promise<{ ok: true } | Refusal>;
  /** Change events of the given SKUs ('*': all). Returns the function that unsubscribes. */
  subscribe(skus: string[] | '*', listener: ChangeListener): () => void;
  stats(): EngineStats;
  close(): Promise<void>;
}
