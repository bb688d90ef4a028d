import type { ChangeListener, Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import type { ResolvedOptions } from '../api/options.js';
import type {
  AdjustRequest,
  EngineStats,
  FreezeRequest,
  FulfilLine,
  LineRequest,
  ManyResult,
  ReceiveRequest,
  ReceiveTransferRequest,
  ReservationResult,
  ReserveRequest,
  ReserveResult,
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
import { FINAL_AUTO, type HoldSummary } from '../ledger/ledger.js';
import { MultiRoute } from './multi-route.js';
import { recoverRoutes } from './route-recovery.js';
import { reconcileShard } from './shard-reconcile.js';
import { OP, type Placement } from '../shard/protocol.js';
import { heldAnswer } from './held-answer.js';
import { CrossShard } from './cross-shard.js';
import { invariant } from '../../shared/invariant.js';
import { shardOfSku } from './hash.js';
import { HoldIndex } from './hold-index.js';
import { ShardLink, type Resolver } from './shard-link.js';
import { Subscriptions } from './subscriptions.js';
import { returnsStatsOf } from './returns-stats.js';
import { runBatch, runSyncMany, type BatchFastPath } from './batch.js';
import type { BatchEntry, BatchResult } from '../api/batch-entry.js';
import { ledgerOptionsOf } from './ledger-options.js';
import { checkSetPolicy, policyOf } from '../api/policy.js';
import { lockDataDir, type DataDirLock } from '../journal/index.js';
import { checkManyList, Gather } from './many-call.js';

const STARTUP_TIMEOUT_MS = 30_000;
const BY_ID_OP = { commit: OP.COMMIT, release: OP.RELEASE, getReservation: OP.GET_RESERVATION } as const;

/**
 * The caller's side of a sharded engine: validates, routes each operation to the shard that
 * owns its SKU (or hold), micro-batches per shard, and resolves the promises from the replies.
 * Every SKU lives in exactly one worker thread; the caller's thread holds no ledger state.
 */
export class ShardedEngine implements Engine {
  private readonly links: ShardLink[];
  /** Global id registry; a single shard needs none (its ledger sees every id). */
  private readonly index: HoldIndex | null;
  private readonly cross: CrossShard | null;
  private readonly subscriptions: Subscriptions;
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  /** Shards whose reconciliation after a worker failure is under way. */
  private readonly reconciling = new Set<number>();
  private lastNowMs = 0;
  private closed = false;

  /** Starts every shard's worker and waits until each has answered once (or fails clearly). */
  static async start(options: ResolvedOptions): Promise<ShardedEngine> {
    // The lock comes before any worker reads the directory: a second owner fails before recovery.
    const lock = options.durability === null ? null : lockDataDir(options.durability.dataDir, lockTag());
    let engine: ShardedEngine;
    try {
      engine = new ShardedEngine(options, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STARTUP_TIMEOUT_MS);
    });
    const started = await Promise.race([engine.expireDue(), timeout]);
    clearTimeout(timer);
    if (started === 'timeout' || !started.ok) {
      await engine.abandon();
      const why = started === 'timeout' ? `no answer within ${STARTUP_TIMEOUT_MS} ms` : started.error.message;
      throw startupError(`holdfast: the shard workers did not start: ${why}`);
    }
    if (options.durability !== null) {
      try {
        await engine.recoverRoutes();
      } catch (error) {
        await engine.abandon();
        throw error;
      }
    }
    return engine;
  }

  /**
   * After a restart from disk: rebuilds the hold index from every shard's records, and brings
   * the parts of cross-shard holds back into agreement before anything else is served.
   */
  private async recoverRoutes(): Promise<void> {
    if (this.index === null || this.cross === null) return;
    const summaries = await Promise.all(this.links.map((_, shard) => this.call(shard, OP.LIST_HOLDS)));
    const failed = summaries.find((summary) => !Array.isArray(summary));
    if (failed !== undefined)
      throw new Error(`holdfast: recovery could not list the holds: ${(failed as Refusal).error.message}`);
    const recovered = recoverRoutes(summaries as HoldSummary[][], (sku) => this.shardOf(sku));
    for (const [id, shard] of recovered.singles) this.index.recordSingle(id, shard);
    for (const multi of recovered.multis)
      this.cross.adopt(new MultiRoute(multi.id, multi.lineShards), multi.expiresAt, multi.held);
    await Promise.all(recovered.fixes.map(([shard, fields]) => this.call(shard, ...fields)));
  }

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly lock: DataDirLock | null,
  ) {
    this.links = Array.from({ length: options.shards }, (_, shard) => this.createLink(shard));
    this.index = options.shards > 1 ? new HoldIndex() : null;
    this.cross =
      this.index === null
        ? null
        : new CrossShard({
            links: this.links,
            index: this.index,
            nowMs: () => this.nowMs(),
            shardOf: (sku) => this.shardOf(sku),
          });
    this.subscriptions = new Subscriptions((sku, on) => this.watch(sku, on));
    this.sweepTimer =
      options.expirySweepIntervalMs === 0 ? undefined : setInterval(() => this.sweep(), options.expirySweepIntervalMs);
    this.sweepTimer?.unref();
  }

  receive(request: ReceiveRequest) {
    return this.send(
      checkReceive(request),
      this.shardOf(request?.sku),
      OP.RECEIVE,
      request?.sku,
      request?.location,
      request?.qty,
    );
  }

  adjust(request: AdjustRequest) {
    return this.send(
      checkAdjust(request),
      this.shardOf(request?.sku),
      OP.ADJUST,
      request?.sku,
      request?.location,
      request?.delta,
      request?.reason,
    );
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return new Promise((resolve) => this.reserveInto(request, -1, resolve));
  }

  reserveMany(requests: ReserveRequest[]): Promise<ManyResult<ReserveResult>> {
    const problem = checkManyList(requests, 'requests', 'reserve requests');
    if (problem !== null) return Promise.resolve(problem);
    const gather = new Gather<ReserveResult>(requests.length);
    const answer = (result: ReserveResult, slot: number) => gather.set(slot, result);
    // One resolver for every shard reply of the call: the slot finds the request (no closure per entry).
    const placed: Resolver = (reply: Placement | Refusal, slot: number) =>
      answer(this.placedAnswer(requests[slot]!, reply), slot);
    for (let slot = 0; slot < requests.length; slot++) this.reserveInto(requests[slot]!, slot, answer, placed);
    return gather.seal();
  }

  commitMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.byIdMany(ids, OP.COMMIT);
  }

  releaseMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.byIdMany(ids, OP.RELEASE);
  }

  fulfilMany(ids: string[]): Promise<ManyResult<ReservationResult>> {
    return this.byIdMany(ids, OP.FULFIL);
  }

  /**
   * One reserve, answered through `answer(result, slot)`: the single call and the many-call share
   * it, so a reserve in a reserveMany answers exactly what reserve would.
   */
  private reserveInto(
    request: ReserveRequest,
    slot: number,
    answer: (result: ReserveResult, slot: number) => void,
    placed: Resolver = (reply: Placement | Refusal, at: number) => answer(this.placedAnswer(request, reply), at),
  ): void {
    const problem = this.closed ? refuse.closed() : checkReserve(request);
    if (problem !== null) return answer(problem, slot);
    this.cross?.expireDue();
    const lineShards = this.lineShards(request.lines);
    if (lineShards !== null) {
      void (this.cross as CrossShard).reserve(request, lineShards).then((result) => answer(result, slot));
      return;
    }
    const shard = this.shardOf(request.lines[0]!.sku);
    if (this.index !== null && !this.index.beginReserve(request.id, shard))
      return answer(refuse.conflict(`reservation '${request.id}'`), slot);
    this.links[shard]!.submitReserve(placed, request, slot);
  }

  /** A single-shard reserve's answer from its shard's reply; the hold index learns how it ended. */
  private placedAnswer(request: ReserveRequest, reply: Placement | Refusal): ReserveResult {
    const result = heldAnswer(request.id, request.channel, request.lines, reply);
    this.index?.endReserve(request.id, result);
    return result;
  }

  commit(id: string) {
    return this.byId(id, OP.COMMIT);
  }

  release(id: string) {
    return this.byId(id, OP.RELEASE);
  }

  getReservation(id: string) {
    return this.byId(id, OP.GET_RESERVATION);
  }

  fulfil(id: string, lines?: FulfilLine[]): Promise<ReservationResult> {
    const problem = this.closed ? refuse.closed() : checkFulfil(id, lines);
    if (problem !== null) return Promise.resolve(problem);
    this.cross?.expireDue();
    const route = this.index === null ? 0 : this.index.lookup(id);
    if (route === undefined) return Promise.resolve(refuse.notFound(`reservation '${id}'`));
    if (typeof route !== 'number') return (this.cross as CrossShard).fulfil(route, id, lines);
    return this.call(route, OP.FULFIL, id, lines ?? null, FINAL_AUTO, null);
  }

  get(sku: string) {
    return this.send(checkSku(sku), this.shardOf(sku), OP.GET, sku);
  }

  freeze(request: FreezeRequest) {
    return this.send(checkFreeze(request), this.shardOf(request?.sku), OP.FREEZE, request?.sku, request?.reason);
  }

  restock(request: RestockRequest) {
    return this.send(
      checkRestock(request),
      this.shardOf(request?.sku),
      OP.RESTOCK,
      request?.sku,
      request?.location,
      request?.qty,
      request?.condition === 'sellable',
      request?.reservationId ?? null,
      request?.receivedAt ?? -1,
    );
  }

  transfer(request: TransferRequest) {
    return this.send(
      checkTransfer(request),
      this.shardOf(request?.sku),
      OP.TRANSFER,
      request?.id,
      request?.sku,
      request?.from,
      request?.to,
      request?.qty,
      request?.inTransit ?? false,
    );
  }

  receiveTransfer(request: ReceiveTransferRequest) {
    return this.send(
      checkReceiveTransfer(request),
      this.shardOf(request?.sku),
      OP.RECEIVE_TRANSFER,
      request?.sku,
      request?.id,
    );
  }

  unfreeze(sku: string) {
    return this.send(checkSku(sku), this.shardOf(sku), OP.UNFREEZE, sku);
  }

  sync(request: SyncRequest) {
    return this.send(
      checkSync(request),
      this.shardOf(request?.sku),
      OP.SYNC,
      request?.sku,
      request?.location,
      request?.onHand,
      request?.asOf,
    );
  }

  syncMany(requests: SyncRequest[]): Promise<SyncManyResult> {
    return runSyncMany(this, requests);
  }

  setPolicy(request: SetPolicyRequest) {
    const problem = checkSetPolicy(request);
    return this.send(
      problem,
      this.shardOf(request?.sku),
      OP.SET_POLICY,
      request?.sku,
      problem === null ? policyOf(request) : null,
    );
  }

  async expireDue(): Promise<{ ok: true } | Refusal> {
    if (this.closed) return refuse.closed();
    this.cross?.expireDue();
    const ticks = await Promise.all(this.links.map((_, shard) => this.call(shard, OP.TICK)));
    return ticks.find((tick) => !tick.ok) ?? { ok: true };
  }

  batch(ops: BatchEntry[]): Promise<BatchResult> {
    return runBatch(this, ops, this.batchFastPath);
  }

  /** A batch's reserves and by-id operations take the many-calls' path: no promise per entry. */
  private readonly batchFastPath: BatchFastPath = (op, args, slot, answer) => {
    if (op === 'reserve') {
      this.reserveInto(args[0] as ReserveRequest, slot, answer);
      return true;
    }
    if (op === 'commit' || op === 'release' || op === 'getReservation') {
      this.byIdInto(args[0] as string, BY_ID_OP[op], slot, answer);
      return true;
    }
    return false;
  };

  subscribe(skus: string[] | '*', listener: ChangeListener): () => void {
    return this.subscriptions.add(skus, listener);
  }

  stats(): EngineStats {
    const shards = this.links.map((link) => link.stats());
    return {
      shards,
      returns: returnsStatsOf(shards.map((shard) => shard.ledger)),
      listenerErrors: this.subscriptions.listenerErrors,
    };
  }

  /** Stops taking operations, answers every one already accepted, then stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    await Promise.all(this.links.map((link) => link.whenDrained()));
    await Promise.all(this.links.map((link) => link.close()));
    this.lock?.release();
  }

  /**
   * Fault injection, for tests of crash recovery: kills one shard's worker thread as an uncaught
   * error or the heap limit would. Not part of the Engine interface.
   */
  killShardWorker(shard: number): Promise<number> {
    const link = this.links[shard];
    invariant(link !== undefined, `no shard ${shard} to kill the worker of`);
    return link.killWorker();
  }

  /** Stops the workers without waiting for answers (a failed start). */
  private async abandon(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    await Promise.allSettled(this.links.map((link) => link.destroy()));
    this.lock?.release();
  }

  private byId(
    id: string,
    op: typeof OP.COMMIT | typeof OP.RELEASE | typeof OP.GET_RESERVATION,
  ): Promise<ReservationResult> {
    return new Promise((resolve) => this.byIdInto(id, op, -1, resolve));
  }

  private byIdMany(
    ids: string[],
    op: typeof OP.COMMIT | typeof OP.RELEASE | typeof OP.FULFIL,
  ): Promise<ManyResult<ReservationResult>> {
    const problem = checkManyList(ids, 'ids', 'hold ids');
    if (problem !== null) return Promise.resolve(problem);
    const gather = new Gather<ReservationResult>(ids.length);
    const answer = (result: ReservationResult, slot: number) => gather.set(slot, result);
    for (let slot = 0; slot < ids.length; slot++) this.byIdInto(ids[slot]!, op, slot, answer);
    return gather.seal();
  }

  /** One operation on a hold by id (a whole fulfil for OP.FULFIL), answered through `answer(result, slot)`. */
  private byIdInto(
    id: string,
    op: typeof OP.COMMIT | typeof OP.RELEASE | typeof OP.GET_RESERVATION | typeof OP.FULFIL,
    slot: number,
    answer: (result: ReservationResult, slot: number) => void,
  ): void {
    const problem = this.closed ? refuse.closed() : checkId(id);
    if (problem !== null) return answer(problem, slot);
    this.cross?.expireDue();
    const route = this.index === null ? 0 : this.index.lookup(id);
    if (route === undefined) return answer(refuse.notFound(`reservation '${id}'`), slot);
    const cross = this.cross as CrossShard;
    if (typeof route !== 'number') {
      const whole = op === OP.FULFIL ? cross.fulfil(route, id, undefined) : cross.byId(route, id, op);
      void whole.then((result) => answer(result, slot));
      return;
    }
    const link = this.links[route]!;
    if (op === OP.FULFIL) link.submit(answer, [OP.FULFIL, id, null, FINAL_AUTO, null], slot);
    else link.submitOne(answer, op, id, slot);
  }

  /** Validated, single-shard operations (the answer's type is the asking operation's; see Resolver). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private send(problem: Refusal | null, shard: number, ...fields: unknown[]): Promise<any> {
    if (this.closed) return Promise.resolve(refuse.closed());
    if (problem !== null) return Promise.resolve(problem);
    this.cross?.expireDue();
    return new Promise((resolve) => this.links[shard]!.submit(resolve, fields));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private call(shard: number, ...fields: unknown[]): Promise<any> {
    return new Promise((resolve) => this.links[shard]!.submit(resolve, fields));
  }

  /** The shard of every line when they span shards; null when one shard takes them all. */
  private lineShards(lines: readonly LineRequest[]): number[] | null {
    if (lines.length === 1 || this.options.shards === 1) return null;
    const shards = lines.map((line) => this.shardOf(line.sku));
    return shards.every((shard) => shard === shards[0]) ? null : shards;
  }

  private shardOf(sku: unknown): number {
    return typeof sku === 'string' ? shardOfSku(sku, this.options.shards) : 0;
  }

  private watch(sku: string, on: boolean): void {
    const shards = sku === '*' ? this.links.map((_, shard) => shard) : [this.shardOf(sku)];
    for (const shard of shards) this.links[shard]!.submitControl([OP.WATCH, sku, on]);
  }

  private createLink(shard: number): ShardLink {
    return new ShardLink({
      shard,
      ledger: ledgerOptionsOf(this.options),
      durability: this.options.durability,
      maxInFlightOps: this.options.maxInFlightOpsPerShard,
      onOverload: this.options.onOverload,
      maxWaitingOps: this.options.maxWaitingOpsPerShard,
      maxBatchOps: this.options.maxBatchOps,
      heapMb: this.options.shardHeapMb,
      heapWatermarkPercent: this.options.shardHeapWatermarkPercent,
      storageRetryIntervalMs: this.options.storageRetryIntervalMs,
      onEvents: (_, events) => this.subscriptions.dispatch(events),
      onForgotten: (from, forgotten) => this.forget(from, forgotten),
      onFailure: (from) => this.onShardFailure(from),
      scheduleFlush: () => this.scheduleFlush(),
      nowMs: () => this.nowMs(),
    });
  }

  /**
   * A shard's micro-batch failed: once its new worker has recovered, reconcile what was in flight (journaled
   * engines only).
   */
  private onShardFailure(shard: number): void {
    if (this.closed) return;
    this.rewatch(shard);
    if (this.options.durability === null || this.index === null || this.cross === null) return;
    if (this.reconciling.has(shard)) return;
    this.reconciling.add(shard);
    const deps = {
      index: this.index,
      cross: this.cross,
      call: (to: number, ...fields: unknown[]) => this.call(to, ...fields),
    };
    void reconcileShard(shard, deps).finally(() => this.reconciling.delete(shard));
  }

  /** A recovered ledger watches nothing: the SKUs this shard owns that listeners watch are watched again. */
  private rewatch(shard: number): void {
    for (const sku of this.subscriptions.watched()) {
      if (sku === '*' || this.shardOf(sku) === shard) this.links[shard]!.submitControl([OP.WATCH, sku, true]);
    }
  }

  private forget(shard: number, forgotten: string[]): void {
    if (this.index !== null) for (const id of forgotten) this.index.forget(id, shard);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const link of this.links) link.flush(false);
    });
  }

  /** The router's clock: the injected clock, never allowed to go backwards. */
  private nowMs(): number {
    const nowMs = this.options.clock.nowMs();
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    return this.lastNowMs;
  }

  /** Carries time to idle shards (so their holds expire) and expires cross-shard holds. */
  private sweep(): void {
    if (this.closed) return;
    this.cross?.expireDue();
    for (const link of this.links) if (link.depth === 0) link.flush(true);
  }
}

/** Who holds a data directory, as its lock file tells another starter. */
function lockTag(): string {
  return process.argv.slice(1).join(' ').slice(0, 200);
}

/**
 * A failed start keeps the code a shard's worker put in its message (codes do not cross threads);
 * a worker that ran out of heap while recovering is RECOVERY_FAILED, never a crash or a loop.
 */
function startupError(message: string): Error {
  if (message.includes('ERR_WORKER_OUT_OF_MEMORY')) {
    return Object.assign(
      new Error(`RECOVERY_FAILED: ${message}; the shard's state does not fit in shardHeapMb: raise it`),
      { code: 'RECOVERY_FAILED' },
    );
  }
  const code = /\b([A-Z][A-Z_]{3,}[A-Z]): /.exec(message)?.[1];
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}
