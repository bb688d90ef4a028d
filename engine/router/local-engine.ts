import type { ChangeListener, Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import type { ResolvedOptions } from '../api/options.js';
import type {
  AdjustRequest,
  EngineStats,
  FreezeRequest,
  FulfilLine,
  ManyResult,
  ReceiveRequest,
  ReceiveTransferRequest,
  ReserveRequest,
  RestockRequest,
  SetPolicyRequest,
  SyncManyResult,
  SyncRequest,
  TransferRequest,
} from '../api/types.js';
import {
  checkAdjust,
  checkFreeze,
  checkFulfil,
  checkId,
  checkReceive,
  checkReceiveTransfer,
  checkReserve,
  checkRestock,
  checkSku,
  checkSync,
  checkTransfer,
} from '../api/validate.js';
import { Hold, originalOutcome } from '../ledger/hold.js';
import { Ledger, placementOf } from '../ledger/ledger.js';
import { LatencyRecorder } from './latency.js';
import { OpCounts } from './op-counts.js';
import { Subscriptions } from './subscriptions.js';
import { returnsStatsOf } from './returns-stats.js';
import { runBatch, runSyncMany } from './batch.js';
import type { BatchEntry, BatchResult } from '../api/batch-entry.js';
import { ledgerOptionsOf } from './ledger-options.js';
import { checkSetPolicy, policyOf } from '../api/policy.js';
import { checkManyList } from './many-call.js';

/**
 * `shards: 0`: one ledger on the calling thread. Deterministic for a given clock, and what the
 * tests and the virtual-time simulator run. Operations apply synchronously; the promise only
 * keeps the contract the sharded engine has.
 */
export class LocalEngine implements Engine {
  private readonly ledger: Ledger;
  private readonly subscriptions: Subscriptions;
  private readonly counts = new OpCounts();
  private readonly latency = new LatencyRecorder();
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ResolvedOptions) {
    this.ledger = new Ledger(ledgerOptionsOf(options));
    this.subscriptions = new Subscriptions((sku, on) => this.ledger.watch(sku, on));
    this.sweepTimer =
      options.expirySweepIntervalMs === 0 ? undefined : setInterval(() => this.sweep(), options.expirySweepIntervalMs);
    this.sweepTimer?.unref();
  }

  receive(request: ReceiveRequest) {
    return this.run('receive', checkReceive(request), () =>
      this.ledger.receive(request.sku, request.location, request.qty),
    );
  }

  adjust(request: AdjustRequest) {
    return this.run('adjust', checkAdjust(request), () =>
      this.ledger.adjust(request.sku, request.location, request.delta, request.reason),
    );
  }

  reserve(request: ReserveRequest) {
    return this.run('reserve', checkReserve(request), () => this.reserveNow(request));
  }

  reserveMany(requests: ReserveRequest[]) {
    return this.runMany('reserve', requests, 'requests', 'reserve requests', checkReserve, (request) =>
      this.reserveNow(request),
    );
  }

  commitMany(ids: string[]) {
    return this.runMany('commit', ids, 'ids', 'hold ids', checkId, (id) => this.ledger.commit(id));
  }

  releaseMany(ids: string[]) {
    return this.runMany('release', ids, 'ids', 'hold ids', checkId, (id) => this.ledger.release(id));
  }

  fulfilMany(ids: string[]) {
    return this.runMany('fulfil', ids, 'ids', 'hold ids', checkId, (id) => this.ledger.fulfil(id, null));
  }

  commit(id: string) {
    return this.run('commit', checkId(id), () => this.ledger.commit(id));
  }

  fulfil(id: string, lines?: FulfilLine[]) {
    return this.run('fulfil', checkFulfil(id, lines), () => this.ledger.fulfil(id, lines ?? null));
  }

  release(id: string) {
    return this.run('release', checkId(id), () => this.ledger.release(id));
  }

  getReservation(id: string) {
    return this.run('getReservation', checkId(id), () => this.ledger.getReservation(id));
  }

  get(sku: string) {
    return this.run('get', checkSku(sku), () => this.ledger.get(sku));
  }

  freeze(request: FreezeRequest) {
    return this.run('freeze', checkFreeze(request), () => this.ledger.freeze(request.sku, request.reason));
  }

  restock(request: RestockRequest) {
    return this.run('restock', checkRestock(request), () =>
      this.ledger.restock(
        request.sku,
        request.location,
        request.qty,
        request.condition === 'sellable',
        request.reservationId,
        request.receivedAt ?? -1,
      ),
    );
  }

  transfer(request: TransferRequest) {
    return this.run('transfer', checkTransfer(request), () =>
      this.ledger.transfer(request.id, request.sku, request.from, request.to, request.qty, request.inTransit ?? false),
    );
  }

  receiveTransfer(request: ReceiveTransferRequest) {
    return this.run('receiveTransfer', checkReceiveTransfer(request), () =>
      this.ledger.receiveTransfer(request.sku, request.id),
    );
  }

  unfreeze(sku: string) {
    return this.run('unfreeze', checkSku(sku), () => this.ledger.unfreeze(sku));
  }

  sync(request: SyncRequest) {
    return this.run('sync', checkSync(request), () =>
      this.ledger.sync(request.sku, request.location, request.onHand, request.asOf),
    );
  }

  syncMany(requests: SyncRequest[]): Promise<SyncManyResult> {
    return runSyncMany(this, requests);
  }

  setPolicy(request: SetPolicyRequest) {
    return this.run('setPolicy', checkSetPolicy(request), () => this.ledger.setPolicy(request.sku, policyOf(request)));
  }

  expireDue() {
    return this.run('expireDue', null, () => ({ ok: true as const }));
  }

  batch(ops: BatchEntry[]): Promise<BatchResult> {
    return runBatch(this, ops);
  }

  subscribe(skus: string[] | '*', listener: ChangeListener): () => void {
    return this.subscriptions.add(skus, listener);
  }

  stats(): EngineStats {
    return {
      shards: [
        {
          shard: 0,
          healthy: true,
          cause: null,
          storageFailures: 0,
          workerDeaths: 0,
          heapUsedBytes: 0,
          heapLimitBytes: 0,
          queueDepth: 0,
          queueDepthMax: 0,
          batchesInFlight: 0,
          batchesSent: 0,
          largestBatchOps: 0,
          ops: this.counts.snapshot(),
          overloaded: 0,
          latency: this.latency.summary(),
          ledger: this.ledger.counters(),
        },
      ],
      returns: returnsStatsOf([this.ledger.counters()]),
      listenerErrors: this.subscriptions.listenerErrors,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
  }

  private run<T>(op: string, problem: Refusal | null, apply: () => T): Promise<T | Refusal> {
    if (this.closed) return Promise.resolve(refuse.closed());
    if (problem !== null) return Promise.resolve(problem);
    const startedAt = performance.now();
    this.ledger.advance(this.options.clock.nowMs());
    const result = apply();
    this.publish();
    this.counts.add(op);
    this.latency.record((performance.now() - startedAt) * 1000, 1);
    return Promise.resolve(result);
  }

  /** A many-call: the list checked whole, then each entry by the single call's rules, in order. */
  private runMany<R, T>(
    op: string,
    list: readonly R[],
    field: string,
    what: string,
    check: (entry: R) => Refusal | null,
    apply: (entry: R) => T,
  ): Promise<ManyResult<T | Refusal>> {
    const problem = checkManyList(list, field, what);
    if (problem !== null) return Promise.resolve(problem);
    const results = new Array<T | Refusal>(list.length);
    if (this.closed) return Promise.resolve(results.fill(refuse.closed()));
    const startedAt = performance.now();
    this.ledger.advance(this.options.clock.nowMs());
    let applied = 0;
    for (let index = 0; index < list.length; index++) {
      const entry = list[index] as R;
      const problem = check(entry);
      if (problem !== null) {
        results[index] = problem;
        continue;
      }
      results[index] = apply(entry);
      applied++;
    }
    this.publish();
    // As the single calls count: only the operations that ran (a malformed entry ran nothing).
    if (applied > 0) {
      this.counts.add(op, applied);
      this.latency.record((performance.now() - startedAt) * 1000, applied);
    }
    return Promise.resolve(results);
  }

  private reserveNow(request: ReserveRequest) {
    return answerOf(
      this.ledger.reserve(
        request.id,
        request.channel,
        request.ttlMs,
        request.lines,
        placementOf(request.strategy ?? null, request.destination ?? null, request.allowSplit === true),
      ),
    );
  }

  private sweep(): void {
    if (this.closed) return;
    this.ledger.advance(this.options.clock.nowMs());
    this.publish();
  }

  private publish(): void {
    const events = this.ledger.events;
    if (events.length > 0) {
      this.subscriptions.dispatch(events.splice(0, events.length));
    }
    this.ledger.forgotten.length = 0;
  }
}

function answerOf(outcome: Hold | Refusal) {
  return outcome instanceof Hold ? originalOutcome(outcome) : outcome;
}
