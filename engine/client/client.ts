import type { Engine } from '../api/engine.js';
import type { Refusal } from '../api/errors.js';
import type {
  AdjustRequest,
  EngineStats,
  FreezeRequest,
  FreezeResult,
  FulfilLine,
  ManyResult,
  MovementResult,
  PolicyResult,
  ReceiveRequest,
  ReceiveTransferRequest,
  ReservationResult,
  ReserveRequest,
  ReserveResult,
  RestockRequest,
  SetPolicyRequest,
  SkuResult,
  SyncManyResult,
  SyncRequest,
  SyncResult,
  TransferRequest,
  TransferResult,
} from '../api/types.js';
import type { BatchEntry, BatchResult } from '../api/batch-entry.js';
import type { Session } from './session.js';
import { columnsOfRequests } from '../wire/reserve-columns.js';
import type { AvailabilityListener } from './subscriptions.js';

/** The embedded API's operations the client carries unchanged: same names, same signatures. */
type RemoteOperations = Omit<Engine, 'subscribe' | 'stats' | 'close'>;

/**
 * The embedded API over a gateway connection. Every operation resolves (never rejects) to what
 * the engine would resolve to, or a refusal: OVERLOADED, CLOSED, INVALID_ARGUMENT from the
 * gateway, UNAVAILABLE when the connection dropped and the outcome is unknown.
 */
export interface Client extends RemoteOperations {
  /**
   * Availability pushes for `skus` (no '*': the gateway subscribes by name). Returns the function
   * that unsubscribes. Throws InvalidArgumentError on bad arguments, like the engine.
   */
  subscribe(skus: string[], listener: AvailabilityListener): () => void;
  /** The engine's statistics; a refusal when they could not be fetched. */
  stats(): Promise<EngineStats | Refusal>;
  /**
   * Sends what this tick queued, waits (at most 5 s) for the answers of the calls already sent,
   * then closes. Calls made after close() resolve CLOSED; calls left unanswered resolve
   * UNAVAILABLE (outcome unknown). Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
  /** A connection is open now (false while reconnecting and after close). */
  readonly connected: boolean;
}

type Params = Record<string, unknown>;

/** The method surface: each method names its JSON-RPC method and builds its params. */
export class RemoteClient implements Client {
  constructor(private readonly session: Session) {}

  get connected(): boolean {
    return this.session.connected;
  }

  receive(request: ReceiveRequest): Promise<MovementResult> {
    return this.send('receive', request);
  }

  adjust(request: AdjustRequest): Promise<MovementResult> {
    return this.send('adjust', request);
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.send('reserve', request);
  }

  commit(id: string): Promise<ReservationResult> {
    return this.send('commit', { id });
  }

  fulfil(id: string, lines?: FulfilLine[]): Promise<ReservationResult> {
    return this.send('fulfil', lines === undefined ? { id } : { id, lines });
  }

  release(id: string): Promise<ReservationResult> {
    return this.send('release', { id });
  }

  getReservation(id: string): Promise<ReservationResult> {
    return this.send('getReservation', { id });
  }

  get(sku: string): Promise<SkuResult> {
    return this.send('get', { sku });
  }

  freeze(request: FreezeRequest): Promise<FreezeResult> {
    return this.send('freeze', request);
  }

  restock(request: RestockRequest): Promise<MovementResult> {
    return this.send('restock', request);
  }

  transfer(request: TransferRequest): Promise<TransferResult> {
    return this.send('transfer', request);
  }

  receiveTransfer(request: ReceiveTransferRequest): Promise<TransferResult> {
    return this.send('receiveTransfer', request);
  }

  unfreeze(sku: string): Promise<FreezeResult> {
    return this.send('unfreeze', { sku });
  }

  sync(request: SyncRequest): Promise<SyncResult> {
    return this.send('sync', request);
  }

  syncMany(requests: SyncRequest[]): Promise<SyncManyResult> {
    return this.send('syncMany', { requests });
  }

  setPolicy(request: SetPolicyRequest): Promise<PolicyResult> {
    return this.send('setPolicy', request);
  }

  /** Sent as columns when every request is a plain single-line hold (a third of the bytes), else as objects. */
  reserveMany(requests: ReserveRequest[]): Promise<ManyResult<ReserveResult>> {
    const columns = Array.isArray(requests) ? columnsOfRequests(requests) : null;
    return this.send('reserveMany', columns === null ? { requests } : { columns });
  }

  commitMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.send('commitMany', { ids });
  }

  releaseMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.send('releaseMany', { ids });
  }

  fulfilMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.send('fulfilMany', { ids });
  }

  batch(ops: BatchEntry[]): Promise<BatchResult> {
    return this.send('batch', { ops });
  }

  expireDue(): Promise<{ ok: true } | Refusal> {
    return this.send('expireDue', {});
  }

  stats(): Promise<EngineStats | Refusal> {
    return this.send('stats', {});
  }

  subscribe(skus: string[], listener: AvailabilityListener): () => void {
    return this.session.subscribe(skus, listener);
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** The request objects are the params themselves (the gateway passes them to the engine as they are). */
  private send<T>(method: string, params: object): Promise<T> {
    return this.session.call(method, params as Params) as Promise<T>;
  }
}
