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
import { LIMITS } from '../api/limits.js';
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

/** Entries in part `part` of a many-call of `length` split in parts of LIMITS.frameOpsMax. */
function partLength(length: number, part: number): number {
  return Math.min(LIMITS.frameOpsMax, length - part * LIMITS.frameOpsMax);
}

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

  /**
   * Sent in requests of at most LIMITS.frameOpsMax entries (the gateway's bound per frame), each as
   * columns when all its requests are plain single-line holds (a third of the bytes), else as objects.
   */
  reserveMany(requests: ReserveRequest[]): Promise<ManyResult<ReserveResult>> {
    return this.many(requests, (chunk) => {
      const columns = columnsOfRequests(chunk);
      return this.send('reserveMany', columns === null ? { requests: chunk } : { columns });
    });
  }

  commitMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.many(ids, (chunk) => this.send('commitMany', { ids: chunk }));
  }

  releaseMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.many(ids, (chunk) => this.send('releaseMany', { ids: chunk }));
  }

  fulfilMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.many(ids, (chunk) => this.send('fulfilMany', { ids: chunk }));
  }

  /**
   * A many-call longer than the gateway takes in one frame goes as consecutive requests, issued in
   * order in the same turn; their answers are joined in order. A part refused whole (FORBIDDEN, say)
   * answers each of its entries with that refusal: they did not run. A list the engine refuses
   * whole (not an array, over LIMITS.manyOpsMax) goes as it is, to get the engine's answer.
   */
  private async many<E, R>(list: E[], call: (chunk: E[]) => Promise<ManyResult<R>>): Promise<ManyResult<R>> {
    if (!Array.isArray(list) || list.length <= LIMITS.frameOpsMax || list.length > LIMITS.manyOpsMax) return call(list);
    const parts: Promise<ManyResult<R>>[] = [];
    for (let start = 0; start < list.length; start += LIMITS.frameOpsMax)
      parts.push(call(list.slice(start, start + LIMITS.frameOpsMax)));
    const answers = await Promise.all(parts);
    return answers.flatMap((answer, part) =>
      Array.isArray(answer) ? answer : Array<R | Refusal>(partLength(list.length, part)).fill(answer),
    ) as R[];
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
