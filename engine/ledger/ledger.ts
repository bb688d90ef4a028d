import { refuse, type EngineError, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type {
  ChangeCause,
  ChangeEvent,
  ChannelAvailability,
  FreezeResult,
  LedgerCounters,
  FulfilLine,
  LineRequest,
  MovementResult,
  Policy,
  PolicyResult,
  PositionView,
  ReservationResult,
  SkuResult,
  SyncResult,
  TransferResult,
} from '../api/types.js';
import {
  COMMITTED,
  EV_COMMIT,
  EV_DEPLETE,
  EV_EXPIRE,
  EV_FREEZE,
  EV_FULFIL_PART,
  EV_FULFIL_REST,
  EV_RELEASE,
  EV_REPLENISH,
  EV_UNFREEZE_AVAILABLE,
  EV_UNFREEZE_EMPTY,
  FULFILLED,
  HELD,
  holdStatusName,
  ILLEGAL,
  MODE_ACTIVE,
  MODE_FROZEN,
  MODE_SOLD_OUT,
  nextHoldState,
  nextSkuMode,
  REFUSED,
  SKU_TABLE,
} from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import { planFulfilment } from './fulfilment-plan.js';
import { Hold, HoldLine, reservationOf, sameBody } from './hold.js';
import { BodyDigests, lineIndexesOf, requestLinesOf } from './body-digest.js';
import { roomFor } from './capacity.js';
import { isRecordedRefusal, RefusalRecord } from './refusal-record.js';
import { planFewestSplits } from './fewest-splits.js';
import {
  candidatesOf,
  locationRanker,
  placeLine,
  splitAcross,
  type PlacementContext,
  type Portion,
} from './location-strategy.js';
import { BackorderQueue } from './backorder-queue.js';
import { ANY_CHANNEL, ChannelPolicy, countChannelUse, isEmptyPolicy } from './channel-policy.js';
import {
  restoreSnapshot,
  takeSnapshot,
  type LedgerInternals,
  type LedgerScalars,
  type LedgerSnapshot,
} from './snapshot.js';
import { MovementLog, type MovementBounds } from './movement-log.js';
import { availableOf, isVacant, viewOf, type Position } from './position.js';
import { Retention } from './retention.js';
import { SkuState } from './sku-state.js';
import { DeadlineBuckets, NO_NODE } from '../../shared/deadline-buckets.js';
import { Interner, NOT_INTERNED } from './interner.js';
import { HoldTable } from './hold-table.js';
import { oneLineRetainedBytes, retainedBytesOf } from './outcome-bytes.js';
import { TransferBook, TransferRecord, transferOf } from './transfers.js';
import {
  FINAL_AUTO,
  FINAL_NO,
  FINAL_YES,
  WHOLE_HOLD,
  NO_PLACEMENT,
  placementOf,
  type HoldPart,
  type HoldSummary,
  type LedgerOptions,
  type PartReport,
  type PlacementRequest,
  type WholeFulfil,
} from './ledger-types.js';

export {
  FINAL_AUTO,
  FINAL_NO,
  FINAL_YES,
  WHOLE_HOLD,
  NO_PLACEMENT,
  placementOf,
  type HoldPart,
  type HoldSummary,
  type LedgerOptions,
  type PartReport,
  type PlacementRequest,
  type WholeFulfil,
};

/** Distinct channel names kept as one shared string each (beyond that, holds keep their own). */
const CHANNELS_INTERNED_MAX = 1024;

/** What the id map and the queues name a hold by: its Hold object, or its slot in the HoldTable (a compact hold). */
type HoldRef = Hold | number;
/** reserveCompact() made no compact hold. */
const NO_SLOT = -1;

/**
 * The pure, single-threaded ledger: positions, holds, the TTL queue and retention. No I/O, no
 * threads, no clock of its own: time arrives through advance(nowMs). Inputs are validated by
 * the caller (engine/api/validate.ts); the ledger asserts its own invariants.
 */
export class Ledger {
  /** Change events produced since the caller last drained them. */
  readonly events: ChangeEvent[] = [];
  /** Ids whose retained outcome was dropped since the caller last drained them. */
  readonly forgotten: string[] = [];

  private readonly skus = new Map<string, SkuState>();
  private readonly holds = new Map<string, HoldRef>();
  /** The common holds (one line, one part, nothing backordered) as columns: see hold-table.ts. */
  private readonly table = new HoldTable();
  private readonly ttl = new DeadlineBuckets<HoldRef>();
  private readonly retention: Retention<HoldRef>;
  private readonly rank: (location: string) => number;
  private readonly touched: Position[] = [];
  private readonly evicted: HoldRef[] = [];
  /** A reserve's hold lines as they are placed (scratch, reused: the hold keeps an exact-size copy). */
  private readonly placed: HoldLine[] = [];
  /** Positions a reserve under way created for a backorder (removed again if it is refused). */
  private readonly createdByReserve: Position[] = [];
  /** Parts of cross-shard holds: the last fulfil each applied, as the whole hold saw it (for reconciliation). */
  private readonly partFulfils = new Map<string, WholeFulfil>();
  /** The same, for parts of cross-shard holds still held: removed again if the part is aborted. */
  private readonly createdByPart = new Map<string, Position[]>();
  /**
   * The SKUs some listener watches, as the router tells this shard (OP.WATCH): derived from the router's
   * Subscriptions, never decided here. SkuState.watched caches it per SKU for the hot path.
   */
  private readonly watchedSkus = new Set<string>();
  private readonly channels = new Interner(CHANNELS_INTERNED_MAX);
  private readonly digests = new BodyDigests();
  private readonly transfers: TransferBook;
  private readonly defaultContext: PlacementContext;
  private readonly movementBounds: MovementBounds;
  private watchAll = false;
  private nowMs = 0;
  private holdOrder = 0;
  private liveHolds = 0;
  private positionCount = 0;
  private capacityEnforced = true;
  private shippedWithoutStock = 0;
  private returnsRestocked = 0;
  private returnsReconcileMsTotal = 0;
  private returnsReconcileMsMax = 0;

  constructor(private readonly options: LedgerOptions) {
    this.retention = new Retention<HoldRef>(
      {
        retentionMs: options.outcomeRetentionMs,
        capacity: options.retainedOutcomes,
        capacityBytes: options.retainedOutcomeBytes,
      },
      (ref) => (typeof ref === 'number' ? this.table.terminalAtOf(ref) : ref.terminalAtMs),
    );
    this.transfers = new TransferBook(options.retainedOutcomes);
    this.rank = locationRanker(options.locationOrder);
    this.movementBounds = { horizonMs: options.syncHorizonMs, entriesMax: options.syncMovementsPerPositionMax };
    this.defaultContext = {
      strategy: options.strategy,
      destination: undefined,
      costs: options.locationCosts,
      allowSplit: false,
    };
  }

  /**
   * Moves time forward: expires due holds (one change per hold) and drops old outcomes. Returns
   * whether that changed anything (a journal need not keep a tick that changed nothing).
   */
  advance(nowMs: number): boolean {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    let changed = false;
    for (let node = this.ttl.peekDue(this.nowMs); node !== NO_NODE; node = this.ttl.peekDue(this.nowMs)) {
      const due = this.ttl.refOf(node);
      this.unqueue(due);
      if (typeof due === 'number') {
        invariant(this.table.statusOf(due) === HELD, `hold ${this.table.idOf(due)} left held but stayed queued`);
        this.expireCompact(due);
      } else {
        invariant(due.status === HELD, `hold ${due.id} left held but stayed in the TTL queue`);
        this.expireHold(due);
      }
      changed = true;
    }
    this.retention.expire(this.nowMs, this.evicted);
    if (this.evicted.length > 0) changed = true;
    this.forgetEvicted();
    return changed;
  }

  receive(sku: string, location: string, qty: number): MovementResult {
    const state = this.skus.get(sku);
    const before = state?.position(location)?.onHand ?? 0;
    if (before + qty > LIMITS.onHandMax) {
      return refuse.limitReached(`receive: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    return this.roomFor('location', sku, location) ?? this.move(sku, location, qty, 'receive', undefined);
  }

  adjust(sku: string, location: string, delta: number, reason: string): MovementResult {
    const before = this.skus.get(sku)?.position(location)?.onHand ?? 0;
    if (before + delta < 0) {
      return refuse.insufficientStock(`delta: ${delta} would take onHand of ${sku}@${location} (${before}) below zero`);
    }
    if (before + delta > LIMITS.onHandMax) {
      return refuse.limitReached(`delta: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    return this.roomFor('location', sku, location) ?? this.move(sku, location, delta, 'adjust', reason);
  }

  /**
   * Holds every line or none. Returns the hold — new, or the one a retry with the same body
   * finds (originalOutcome(hold) is the answer either way) — or the refusal.
   */
  reserve(
    id: string,
    channel: string,
    ttlMs: number,
    lines: readonly LineRequest[],
    placement: PlacementRequest = NO_PLACEMENT,
    part: HoldPart = WHOLE_HOLD,
  ): Hold | Refusal {
    const { count: partCount, expiresAt, lineIndexes } = part;
    const found = this.holds.get(id);
    const existing = typeof found === 'number' ? this.viewOf(found) : found;
    if (existing instanceof RefusalRecord) {
      if (existing.digest !== this.digests.of(channel, ttlMs, partCount, placement, lines))
        return refuse.conflict(`reservation '${id}'`);
      return { ok: false, error: existing.error as EngineError };
    }
    if (existing !== undefined) {
      invariant(existing.status !== REFUSED, `refused ${id} is not a compact refusal record`);
      if (!sameBody(existing, channel, ttlMs, lines, partCount, placement))
        return refuse.conflict(`reservation '${id}'`);
      return existing;
    }
    if (this.capacityEnforced && this.liveHolds >= this.options.maxLiveHolds) {
      return refuse.limitReached(`reserve: this shard already has ${this.liveHolds} live holds (maxLiveHolds)`);
    }
    const deadline = expiresAt >= 0 ? expiresAt : this.nowMs + ttlMs;
    const context = this.contextOf(placement);
    // Compact only when the placement says nothing at all (its object is then NO_PLACEMENT's equal).
    if (
      partCount === 1 &&
      lines.length === 1 &&
      lineIndexes === null &&
      context === this.defaultContext &&
      placement.allowSplit === undefined
    ) {
      const slot = this.reserveCompact(id, channel, ttlMs, deadline, lines[0]!);
      if (slot !== NO_SLOT) return this.viewOf(slot);
    }
    const preset =
      context.strategy === 'fewest-splits' && (lines.length > 1 || context.allowSplit)
        ? planFewestSplits(
            lines,
            (sku) => this.skus.get(sku),
            (state) => state.mode !== MODE_FROZEN,
            context.allowSplit,
          )
        : null;
    const placed = this.placed;
    for (let index = 0; index < lines.length; index++) {
      const wholeIndex = lineIndexes === null ? index : lineIndexes[index]!;
      const refusal = this.placeLine(lines[index]!, wholeIndex, channel, context, preset?.get(index), placed);
      if (refusal === null) continue;
      this.rollback(placed, channel);
      placed.length = 0;
      // A capacity refusal (a position the shard has no room for) is transient: nothing is recorded.
      if (!isRecordedRefusal(refusal.error)) return refusal;
      const partLines = partCount === 1 ? null : (lineIndexes ?? lines.map((_, i) => i));
      this.recordRefusal(
        new RefusalRecord(
          id,
          this.channels.intern(channel),
          ttlMs,
          deadline,
          partCount,
          this.digests.of(channel, ttlMs, partCount, placement, lines),
          partLines,
          refusal.error,
          this.nowMs,
        ),
      );
      return refusal;
    }
    // An exact-size copy of the scratch list: a live hold keeps its lines for minutes.
    const hold = new Hold(id, this.channels.intern(channel), ttlMs, deadline, placed.slice(), partCount, placement);
    placed.length = 0;
    hold.order = ++this.holdOrder;
    this.holds.set(id, hold);
    this.liveHolds++;
    if (partCount === 1) hold.deadlineNode = this.ttl.push(hold, hold.expiresAt, hold.order);
    for (const line of hold.lines) if (line.backordered > 0) this.queueBackorder(hold, line);
    if (this.createdByReserve.length > 0) {
      if (partCount > 1) this.createdByPart.set(id, this.createdByReserve.slice());
      this.createdByReserve.length = 0;
    }
    this.finishOp('reserve', undefined);
    return hold;
  }

  commit(id: string): ReservationResult {
    const found = this.holds.get(id);
    if (typeof found === 'number') return this.commitCompact(found);
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    const next = nextHoldState(hold.status, EV_COMMIT);
    if (next === ILLEGAL) return illegal(hold, 'commit');
    if (hold.status === HELD) {
      for (const line of hold.lines) {
        const allocated = line.qty - line.backordered;
        if (allocated > 0) this.change(line.position as Position, 0, -allocated, allocated);
      }
      this.unqueue(hold);
      if (this.createdByPart.size > 0) this.createdByPart.delete(hold.id);
    }
    hold.status = next;
    this.finishOp('commit', undefined);
    return { ok: true, reservation: reservationOf(hold) };
  }

  release(id: string): ReservationResult {
    const found = this.holds.get(id);
    if (typeof found === 'number') return this.releaseCompact(found);
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    const next = nextHoldState(hold.status, EV_RELEASE);
    if (next === ILLEGAL) return illegal(hold, 'release');
    if (hold.status !== next) {
      this.returnUnits(hold);
      this.setTerminal(hold, next);
      this.finishOp('release', undefined);
    }
    return { ok: true, reservation: reservationOf(hold) };
  }

  /** EXPIRE for a part of a cross-shard hold: the router, not this ledger, owns its deadline. */
  expirePart(id: string): ReservationResult {
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    if (hold.status === HELD) this.expireHold(hold);
    return { ok: true, reservation: reservationOf(hold) };
  }

  /**
   * Ships units of a committed hold: all that remain (lines null), or the given lines. `final`
   * is FINAL_AUTO for a whole hold; for a part, the router says whether the hold completes.
   */
  fulfil(
    id: string,
    lines: readonly FulfilLine[] | null,
    final = FINAL_AUTO,
    whole: WholeFulfil | null = null,
  ): ReservationResult {
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    if (hold.status !== COMMITTED) return illegal(hold, 'fulfil');
    const plan = planFulfilment(hold, lines);
    if (!Array.isArray(plan)) return plan;
    const completes = final === FINAL_AUTO ? plan.completes : final === FINAL_YES;
    const next = nextHoldState(hold.status, completes ? EV_FULFIL_REST : EV_FULFIL_PART);
    if (next === ILLEGAL) return illegal(hold, 'fulfil');
    this.ship(hold, plan);
    if (whole !== null) this.partFulfils.set(id, whole);
    if (next === FULFILLED) {
      invariant(
        hold.lines.every((line) => line.fulfilled === line.qty),
        `fulfilled hold ${id} has units left`,
      );
      this.setTerminal(hold, next);
    }
    this.finishOp('fulfil', undefined);
    return { ok: true, reservation: reservationOf(hold) };
  }

  /**
   * Undoes this shard's part of a refused cross-shard hold. With an error, the part becomes the
   * record of that refusal (for replay); without one (a transient refusal), it is forgotten.
   */
  abortPart(id: string, error: EngineError | null): ReservationResult {
    const hold = this.objectHold(id);
    if (hold === undefined) return refuse.notFound(`reservation '${id}'`);
    invariant(hold.status === HELD || hold.status === REFUSED, `aborted part ${id} is past held`);
    invariant(
      error === null || isRecordedRefusal(error),
      `aborted part ${id}: a ${error?.code} refusal is transient, never recorded`,
    );
    if (hold.status === HELD) {
      this.returnUnits(hold);
      this.finishOp('abort', undefined);
      this.liveHolds--;
      this.removeCreated(id);
    }
    if (error === null) {
      this.holds.delete(id);
    } else if (hold.status === REFUSED) {
      hold.error = error;
    } else {
      const record = new RefusalRecord(
        id,
        hold.channel,
        hold.ttlMs,
        hold.expiresAt,
        hold.partCount,
        this.digests.of(hold.channel, hold.ttlMs, hold.partCount, hold.placement, requestLinesOf(hold.lines)),
        lineIndexesOf(hold.lines),
        error,
        this.nowMs,
      );
      this.recordRefusal(record);
      return { ok: true, reservation: reservationOf(record) };
    }
    return { ok: true, reservation: reservationOf(hold) };
  }

  /**
   * Returned units come back: sellable ones are on hand and available in this same operation;
   * damaged ones go to quarantine. The time since `receivedAt` is the return's reconciliation time.
   */
  restock(
    sku: string,
    location: string,
    qty: number,
    sellable: boolean,
    reservationId: string | undefined,
    receivedAt: number,
  ): MovementResult {
    const position = this.skus.get(sku)?.position(location);
    if ((position?.onHand ?? 0) + (position?.quarantined ?? 0) + qty > LIMITS.onHandMax) {
      return refuse.limitReached(`qty: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    const noRoom = this.roomFor('location', sku, location);
    if (noRoom !== null) return noRoom;
    const target = this.positionFor(sku, location);
    if (sellable) {
      // The units were on the shelf from their receipt: a count taken since already has them.
      this.change(target, qty, 0, 0, qty, receivedAt < 0 ? this.nowMs : Math.min(receivedAt, this.nowMs));
    } else {
      target.state.applyQuarantine(target, qty);
      this.touch(target);
    }
    this.countReturn(receivedAt);
    const why = `${sellable ? 'sellable' : 'damaged'}${reservationId === undefined ? '' : ` return of ${reservationId}`}`;
    this.finishOp('restock', why);
    return { ok: true, sku, location, seq: target.state.seq, position: viewOf(target) };
  }

  private countReturn(receivedAt: number): void {
    const reconcileMs = receivedAt < 0 ? 0 : Math.max(0, this.nowMs - receivedAt);
    this.returnsRestocked++;
    this.returnsReconcileMsTotal += reconcileMs;
    if (reconcileMs > this.returnsReconcileMsMax) this.returnsReconcileMsMax = reconcileMs;
  }

  /**
   * Moves available units of one SKU between two of its locations, atomically. In transit, they
   * leave `from` at once and count as `inbound` at `to` until receiveTransfer. The id makes a
   * retry safe: the same body answers as the first time, another body is a CONFLICT.
   */
  transfer(id: string, sku: string, from: string, to: string, qty: number, inTransit: boolean): TransferResult {
    const existing = this.transfers.get(sku, id);
    if (existing !== undefined) {
      const same =
        existing.from.location === from &&
        existing.to.location === to &&
        existing.qty === qty &&
        existing.inTransit === inTransit;
      if (!same) return refuse.conflict(`transfer '${id}' of sku '${sku}'`);
      return { ok: true, seq: existing.seq, transfer: transferOf(existing, inTransit ? 'inTransit' : 'received') };
    }
    const source = this.skus.get(sku)?.position(from);
    const free = source === undefined ? 0 : availableOf(source);
    if (source === undefined || free < qty) {
      return refuse.insufficientStock(`qty: sku '${sku}' has ${free} available at '${from}', ${qty} asked to transfer`);
    }
    if (this.capacityEnforced && inTransit && this.transfers.inTransit >= this.options.maxLiveHolds) {
      return refuse.limitReached(`transfer: this shard already has ${this.transfers.inTransit} transfers in transit`);
    }
    const arrivingOnHand = (source.state.position(to)?.onHand ?? 0) + (source.state.position(to)?.inbound ?? 0);
    if (arrivingOnHand + qty > LIMITS.onHandMax)
      return refuse.limitReached(`qty: onHand of ${sku}@${to} would exceed ${LIMITS.onHandMax}`);
    const noRoom = this.roomFor('to', sku, to);
    if (noRoom !== null) return noRoom;
    const target = this.positionFor(sku, to);
    const record = new TransferRecord(id, source.state.sku, source, target, qty, inTransit);
    this.change(source, -qty, 0, 0);
    if (inTransit) {
      source.state.applyInbound(target, qty);
      this.touch(target);
    } else {
      this.change(target, qty, 0, 0);
    }
    this.finishOp('transfer', undefined);
    record.seq = source.state.seq;
    if (!inTransit) record.receivedSeq = record.seq;
    this.transfers.add(record);
    return { ok: true, seq: record.seq, transfer: transferOf(record) };
  }

  /** The in-transit units of a transfer arrive: inbound at `to` becomes on hand and available. */
  receiveTransfer(sku: string, id: string): TransferResult {
    const record = this.transfers.get(sku, id);
    if (record === undefined) return refuse.notFound(`transfer '${id}' of sku '${sku}'`);
    const state = record.to.state;
    if (record.status === 'received') return { ok: true, seq: record.receivedSeq, transfer: transferOf(record) };
    state.applyInbound(record.to, -record.qty);
    this.change(record.to, record.qty, 0, 0);
    this.transfers.markReceived(record);
    this.finishOp('transferReceived', undefined);
    record.receivedSeq = state.seq;
    return { ok: true, seq: state.seq, transfer: transferOf(record) };
  }

  /**
   * Applies a count another system took at `asOfMs`: onHand becomes the count plus the movements
   * recorded here after asOfMs, which the count could not have seen. A count older than the last
   * one applied is STALE_SYNC; one older than the movements still remembered is SYNC_TOO_OLD.
   */
  sync(sku: string, location: string, counted: number, requestedAsOfMs: number): SyncResult {
    // A count from the future (the source's clock runs ahead) was taken, as far as this ledger knows, now.
    const asOfMs = Math.min(requestedAsOfMs, this.nowMs);
    const existing = this.skus.get(sku)?.position(location);
    const where = `${sku}@${location}`;
    if (existing !== undefined && asOfMs < existing.lastSyncAsOf) {
      return refuse.staleSync(
        `asOf: ${asOfMs} is older than the last count applied to ${where} (asOf ${existing.lastSyncAsOf})`,
      );
    }
    const log = existing?.movements ?? null;
    const oldestMs = log === null ? this.nowMs - this.options.syncHorizonMs : log.oldestRebasableMs(this.nowMs);
    if (asOfMs < oldestMs) {
      return refuse.syncTooOld(
        `asOf: ${asOfMs} is before ${oldestMs}, the oldest time ${where} ` +
          `can be rebased from (syncHorizonMs, syncMovementsPerPositionMax)`,
      );
    }
    const rebasedBy = log === null ? 0 : log.after(asOfMs);
    const onHand = Math.max(0, counted + rebasedBy);
    if (onHand + (existing?.quarantined ?? 0) > LIMITS.onHandMax)
      return refuse.limitReached(`onHand: ${where} would exceed ${LIMITS.onHandMax}`);
    const noRoom = existing === undefined ? this.roomFor('location', sku, location) : null;
    if (noRoom !== null) return noRoom;
    const position = existing ?? this.positionFor(sku, location);
    const delta = onHand - position.onHand;
    position.lastSyncAsOf = asOfMs;
    position.state.apply(position, delta, 0, 0);
    this.touch(position);
    this.finishOp('sync', `count ${counted} as of ${asOfMs}`);
    return { ok: true, sku, location, seq: position.state.seq, rebasedBy, delta, position: viewOf(position) };
  }

  /**
   * Replaces a SKU's policy (creating the SKU if unknown). It governs decisions from now on:
   * holds already made stay. Channel use is counted from the live holds when a policy starts.
   */
  setPolicy(sku: string, policy: Policy): PolicyResult {
    const noRoom = this.roomFor('sku', sku, null);
    if (noRoom !== null) return noRoom;
    const state = this.stateFor(sku);
    state.policy = isEmptyPolicy(policy) ? null : new ChannelPolicy(policy);
    if (state.policy !== null) this.countChannelUse(state.sku, state.policy);
    this.finishSkuChange(state, 'setPolicy', undefined);
    return { ok: true, sku, seq: state.seq, policy: state.policy?.policy ?? null, channels: channelsOf(state) };
  }

  getReservation(id: string): ReservationResult {
    const found = this.holds.get(id);
    if (typeof found === 'number')
      return { ok: true, reservation: this.table.reservation(found, this.channelOf(found)) };
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    return { ok: true, reservation: reservationOf(hold) };
  }

  get(sku: string): SkuResult {
    const state = this.skus.get(sku);
    if (state === undefined) return refuse.notFound(`sku '${sku}'`);
    const locations: Record<string, PositionView> = {};
    for (const position of state.ordered) locations[position.location] = viewOf(position);
    return {
      ok: true,
      sku,
      seq: state.seq,
      mode: modeName(state.mode),
      ...totalsOf(state),
      channels: channelsOf(state),
      policy: state.policy?.policy ?? null,
      locations,
    };
  }

  freeze(sku: string, reason: string): FreezeResult {
    return this.changeMode(sku, EV_FREEZE, 'freeze', reason);
  }

  unfreeze(sku: string): FreezeResult {
    const available = this.skus.get(sku)?.available ?? 0;
    return this.changeMode(sku, available > 0 ? EV_UNFREEZE_AVAILABLE : EV_UNFREEZE_EMPTY, 'unfreeze', undefined);
  }

  /**
   * Every hold and refusal record this ledger keeps, as the router needs them to rebuild its
   * index after a restart: [id, partCount, status, the request lines this part holds (parts
   * only), expiresAt, error (refusals)].
   */
  holdSummaries(): HoldSummary[] {
    const summaries: HoldSummary[] = [];
    for (const ref of this.holds.values()) {
      const hold = typeof ref === 'number' ? this.viewOf(ref) : ref;
      const lines =
        hold.partCount === 1
          ? []
          : hold instanceof RefusalRecord
            ? [...(hold.partLines as number[])]
            : lineIndexesOf(hold.lines);
      const fulfil = this.partFulfils.get(hold.id);
      summaries.push([
        hold.id,
        hold.partCount,
        statusOf(hold),
        lines,
        hold.expiresAt,
        hold.error,
        fulfil?.no ?? 0,
        fulfil?.lines ?? null,
      ]);
    }
    return summaries;
  }

  /** A part's status and fulfils, for the router to bring a cross-shard hold's parts into agreement. */
  partState(id: string): PartReport | Refusal {
    const found = this.holds.get(id);
    const hold = typeof found === 'number' ? this.viewOf(found) : found;
    if (hold === undefined) return refuse.notFound(`reservation '${id}'`);
    const fulfil = this.partFulfils.get(id);
    const reservation = hold.status === REFUSED ? null : reservationOf(hold);
    return { status: statusOf(hold), fulfils: fulfil?.no ?? 0, lastFulfil: fulfil?.lines ?? null, reservation };
  }

  /** Nobody watches anything (after a recovery replayed old WATCH operations). */
  unwatchAll(): void {
    this.watchAll = false;
    this.watchedSkus.clear();
    for (const state of this.skus.values()) state.watched = false;
  }

  /** Subscribes the caller to change events of one SKU, or of every SKU with '*'. */
  watch(sku: string, on: boolean): void {
    if (sku === '*') {
      this.watchAll = on;
      return;
    }
    if (on) this.watchedSkus.add(sku);
    else this.watchedSkus.delete(sku);
    const state = this.skus.get(sku);
    if (state !== undefined) state.watched = on;
  }

  /** The whole state as plain data, for a snapshot file (engine/ledger/snapshot.ts). */
  snapshot(): LedgerSnapshot {
    return takeSnapshot(this.internals());
  }

  /** A ledger in the state a snapshot saved. */
  static restore(options: LedgerOptions, snapshot: LedgerSnapshot): Ledger {
    const ledger = new Ledger(options);
    restoreSnapshot(ledger.internals(), snapshot);
    ledger.compactRestored();
    return ledger;
  }

  /**
   * A snapshot restores every hold as an object; the live ones a reserve would have made compact
   * go back into the HoldTable (same id, order, deadline node and place in the id map), so a
   * restarted shard keeps them as compactly as the one that saved them.
   */
  private compactRestored(): void {
    for (const [id, ref] of this.holds) {
      if (typeof ref === 'number' || !isCompactable(ref)) continue;
      const channelId = this.channels.idOf(ref.channel);
      if (channelId === NOT_INTERNED) continue;
      const line = ref.lines[0] as HoldLine;
      const position = line.position as Position;
      const slot = this.table.add(
        id,
        channelId,
        ref.ttlMs,
        ref.expiresAt,
        ref.order,
        position,
        line.qty,
        line.requested !== undefined,
        ref.status,
      );
      if (ref.deadlineNode !== NO_NODE) {
        this.ttl.setRef(ref.deadlineNode, slot);
        this.table.setNode(slot, ref.deadlineNode);
        ref.deadlineNode = NO_NODE;
      }
      this.holds.set(id, slot);
    }
  }

  private internals(): LedgerInternals {
    return {
      skus: this.skus,
      holds: this.holds,
      holdList: () => Array.from(this.holds.values(), (ref) => (typeof ref === 'number' ? this.viewOf(ref) : ref)),
      queueDeadline: (hold) => {
        hold.deadlineNode = this.ttl.push(hold, hold.expiresAt, hold.order);
      },
      retention: this.retention,
      retainedIds: () =>
        this.retention.toArray().map((ref) => (typeof ref === 'number' ? this.table.idOf(ref) : ref.id)),
      transfers: this.transfers,
      partFulfils: this.partFulfils,
      intern: (channel) => this.channels.intern(channel),
      rank: this.rank,
      movementLog: () => new MovementLog(this.movementBounds),
      scalars: {
        nowMs: this.nowMs,
        holdOrder: this.holdOrder,
        shippedWithoutStock: this.shippedWithoutStock,
        returnsRestocked: this.returnsRestocked,
        returnsReconcileMsTotal: this.returnsReconcileMsTotal,
        returnsReconcileMsMax: this.returnsReconcileMsMax,
      },
      restored: (scalars: LedgerScalars, liveHolds: number, positions: number) => {
        ({ nowMs: this.nowMs, holdOrder: this.holdOrder, shippedWithoutStock: this.shippedWithoutStock } = scalars);
        ({ returnsRestocked: this.returnsRestocked, returnsReconcileMsTotal: this.returnsReconcileMsTotal } = scalars);
        this.returnsReconcileMsMax = scalars.returnsReconcileMsMax;
        this.liveHolds = liveHolds;
        this.positionCount = positions;
      },
    };
  }

  counters(): LedgerCounters {
    return {
      liveHolds: this.liveHolds,
      retainedOutcomes: this.retention.size,
      skus: this.skus.size,
      positions: this.positionCount,
      shippedWithoutStock: this.shippedWithoutStock,
      returnsRestocked: this.returnsRestocked,
      returnsReconcileMsTotal: this.returnsReconcileMsTotal,
      returnsReconcileMsMax: this.returnsReconcileMsMax,
    };
  }

  /**
   * A reserve of one line, whole, on the engine's default placement, as a compact hold when the
   * line can be held at once at one position within its channel's headroom. Returns its slot, or
   * NO_SLOT having changed nothing: the general path then decides (refusals, backorders, splits).
   */
  private reserveCompact(id: string, channel: string, ttlMs: number, deadline: number, line: LineRequest): number {
    const channelId = this.channels.idOf(channel);
    if (channelId === NOT_INTERNED) return NO_SLOT;
    const state = this.skus.get(line.sku);
    if (state === undefined || state.mode === MODE_FROZEN) return NO_SLOT;
    const policy = state.policy;
    if (
      policy !== null &&
      (policy.capHeadroom(channel) < line.qty || policy.stockHeadroom(state.available, channel) < line.qty)
    )
      return NO_SLOT;
    const position = this.wholePosition(state, line, this.defaultContext);
    if (position === undefined) return NO_SLOT;
    this.change(position, 0, line.qty, 0);
    policy?.track(channel, line.qty, 0);
    const order = ++this.holdOrder;
    const requested = line.location !== undefined;
    const slot = this.table.add(id, channelId, ttlMs, deadline, order, position, line.qty, requested, HELD);
    this.table.setNode(slot, this.ttl.push(slot, deadline, order));
    this.holds.set(id, slot);
    this.liveHolds++;
    this.finishOp('reserve', undefined);
    return slot;
  }

  private commitCompact(slot: number): ReservationResult {
    const table = this.table;
    const status = table.statusOf(slot);
    const next = nextHoldState(status, EV_COMMIT);
    if (next === ILLEGAL) return illegalOf(table.idOf(slot), status, 'commit');
    if (status === HELD) {
      const qty = table.qtyOf(slot);
      this.change(table.positionOf(slot), 0, -qty, qty);
      this.unqueue(slot);
    }
    table.setStatus(slot, next);
    this.finishOp('commit', undefined);
    return { ok: true, reservation: table.reservation(slot, this.channelOf(slot)) };
  }

  private releaseCompact(slot: number): ReservationResult {
    const table = this.table;
    const status = table.statusOf(slot);
    const next = nextHoldState(status, EV_RELEASE);
    if (next === ILLEGAL) return illegalOf(table.idOf(slot), status, 'release');
    // The answer is taken before the outcome is retained: a bound may evict it (and free its slot) at once.
    if (status === next) return { ok: true, reservation: table.reservation(slot, this.channelOf(slot)) };
    this.returnCompactUnits(slot);
    this.endCompact(slot, next);
    const reservation = table.reservation(slot, this.channelOf(slot));
    this.retainCompact(slot);
    this.finishOp('release', undefined);
    return { ok: true, reservation };
  }

  private expireCompact(slot: number): void {
    const next = nextHoldState(this.table.statusOf(slot), EV_EXPIRE);
    invariant(next !== ILLEGAL, `hold ${this.table.idOf(slot)} cannot expire`);
    this.returnCompactUnits(slot);
    this.endCompact(slot, next);
    this.retainCompact(slot);
    this.finishOp('expire', undefined);
  }

  /** returnUnits() of a compact hold: its units, held or committed (nothing is shipped or backordered). */
  private returnCompactUnits(slot: number): void {
    const table = this.table;
    const position = table.positionOf(slot);
    const qty = table.qtyOf(slot);
    const status = table.statusOf(slot);
    if (status === HELD) this.change(position, 0, -qty, 0);
    else if (status === COMMITTED) this.change(position, 0, 0, -qty);
    position.state.policy?.track(this.channelOf(slot), -qty, 0);
  }

  /** setTerminal() of a compact hold, up to retaining it (retainCompact): it stays in its slot. */
  private endCompact(slot: number, status: number): void {
    const table = this.table;
    const before = table.statusOf(slot);
    if (before === HELD || before === COMMITTED) this.liveHolds--;
    this.unqueue(slot);
    table.setStatus(slot, status);
    table.setTerminalAt(slot, this.nowMs);
  }

  /** The ended compact hold becomes a retained outcome; the bounds may evict it at once, freeing the slot. */
  private retainCompact(slot: number): void {
    this.retention.add(slot, this.evicted, oneLineRetainedBytes(this.table.idOf(slot)));
    this.forgetEvicted();
  }

  /** Takes a hold out of the deadline queue, if it is there. */
  private unqueue(ref: HoldRef): void {
    if (typeof ref === 'number') {
      const node = this.table.nodeOf(ref);
      if (node === NO_NODE) return;
      this.ttl.remove(node);
      this.table.setNode(ref, NO_NODE);
    } else if (ref.deadlineNode !== NO_NODE) {
      this.ttl.remove(ref.deadlineNode);
      ref.deadlineNode = NO_NODE;
    }
  }

  private channelOf(slot: number): string {
    return this.channels.valueAt(this.table.channelIdOf(slot));
  }

  /** A compact hold as a Hold object: a copy (see HoldTable.view). */
  private viewOf(slot: number): Hold {
    return this.table.view(slot, this.channelOf(slot));
  }

  /**
   * The hold behind an id as an object: a live compact hold becomes one for good (the rare
   * operations: fulfil, parts, expirePart), a retained compact outcome is given as a copy.
   */
  private objectHold(id: string): Hold | undefined {
    const found = this.holds.get(id);
    if (typeof found !== 'number') return found;
    const status = this.table.statusOf(found);
    return status === HELD || status === COMMITTED ? this.promote(id, found) : this.viewOf(found);
  }

  /** Turns a live compact hold into a Hold object in its place: same id, order and deadline node. */
  private promote(id: string, slot: number): Hold {
    const hold = this.viewOf(slot);
    const node = this.table.nodeOf(slot);
    if (node !== NO_NODE) {
      this.ttl.setRef(node, hold);
      hold.deadlineNode = node;
      this.table.setNode(slot, NO_NODE);
    }
    this.holds.set(id, hold);
    this.table.free(slot);
    return hold;
  }

  /** countChannelUse() over every live hold, compact ones included. */
  private countChannelUse(sku: string, policy: ChannelPolicy): void {
    const objects: Hold[] = [];
    for (const ref of this.holds.values()) {
      if (typeof ref !== 'number') {
        objects.push(ref);
        continue;
      }
      const status = this.table.statusOf(ref);
      const position = this.table.positionOf(ref);
      if ((status === HELD || status === COMMITTED) && position.state.sku === sku)
        policy.track(this.channelOf(ref), this.table.qtyOf(ref), 0);
    }
    countChannelUse(objects, sku, policy);
  }

  private move(
    sku: string,
    location: string,
    delta: number,
    cause: ChangeCause,
    reason: string | undefined,
  ): MovementResult {
    const position = this.positionFor(sku, location);
    this.change(position, delta, 0, 0);
    this.finishOp(cause, reason);
    return { ok: true, sku, location, seq: position.state.seq, position: viewOf(position) };
  }

  /** The placement context of a reserve; the engine's default one is built once. */
  private contextOf(placement: PlacementRequest): PlacementContext {
    if (placement.strategy === undefined && placement.destination === undefined && placement.allowSplit !== true)
      return this.defaultContext;
    return {
      strategy: placement.strategy ?? this.options.strategy,
      destination: placement.destination,
      costs: this.options.locationCosts,
      allowSplit: placement.allowSplit === true,
    };
  }

  /**
   * Places one request line: pushes its hold lines onto `placed` (one per location it takes
   * units from) and returns null, or returns the refusal. Units come from stock within what the
   * channel may take; with a backorder limit, the rest may wait as a backorder.
   */
  private placeLine(
    line: LineRequest,
    index: number,
    channel: string,
    context: PlacementContext,
    preset: Portion[] | undefined,
    placed: HoldLine[],
  ): Refusal | null {
    const state = this.skus.get(line.sku);
    if (state === undefined) return refuse.insufficientStock(`lines[${index}]: sku '${line.sku}' has no stock`, index);
    if (state.mode === MODE_FROZEN) return refuse.skuFrozen(line.sku, index);
    const policy = state.policy;
    if (policy !== null && policy.capHeadroom(channel) < line.qty) {
      return refuse.insufficientStock(
        `lines[${index}]: channel '${channel}' may hold ${Math.max(0, policy.capHeadroom(channel))} ` +
          `more of sku '${line.sku}' (its cap), ${line.qty} requested`,
        index,
      );
    }
    const headroom = policy === null ? Number.POSITIVE_INFINITY : policy.stockHeadroom(state.available, channel);
    if (headroom >= line.qty) {
      // The common case, one location for the whole line, allocates nothing but its hold line.
      const position = preset === undefined ? this.wholePosition(state, line, context) : undefined;
      if (position !== undefined) {
        placed.push(this.holdLine(state, line, index, channel, position, line.qty, 0));
        return null;
      }
      const portions =
        preset ??
        (line.location === undefined && context.allowSplit
          ? splitAcross(candidatesOf(state, context), line.qty)
          : null);
      if (portions !== null) {
        for (const portion of portions)
          placed.push(this.holdLine(state, line, index, channel, portion.position, portion.qty, 0));
        return null;
      }
    }
    return this.backorder(state, line, index, channel, context, headroom, placed);
  }

  /** The one position that can serve the whole line: the one it names, or the strategy's choice. */
  private wholePosition(state: SkuState, line: LineRequest, context: PlacementContext): Position | undefined {
    if (line.location === undefined) return placeLine(state, line.qty, context);
    const position = state.position(line.location);
    return position !== undefined && availableOf(position) >= line.qty ? position : undefined;
  }

  /**
   * A line stock cannot serve: held as a backorder when the SKU's policy allows that many more
   * units waiting (what stock and the channel's headroom allow is taken now), else refused.
   */
  private backorder(
    state: SkuState,
    line: LineRequest,
    index: number,
    channel: string,
    context: PlacementContext,
    headroom: number,
    placed: HoldLine[],
  ): Refusal | null {
    const policy = state.policy;
    const location =
      policy === null || policy.policy.backorderLimit === 0 ? undefined : this.backorderLocation(state, line, context);
    if (location === undefined) return this.refuseLine(state, line, index, channel, headroom);
    const known = state.position(location);
    const take = Math.min(line.qty, known === undefined ? 0 : availableOf(known), headroom);
    const waiting = line.qty - take;
    if (state.backordered + waiting > (policy as ChannelPolicy).policy.backorderLimit)
      return this.refuseLine(state, line, index, channel, headroom);
    let position = known;
    if (position === undefined) {
      const noRoom = this.roomFor(`lines[${index}]`, state.sku, location);
      if (noRoom !== null) return noRoom;
      position = this.positionFor(state.sku, location);
      this.createdByReserve.push(position);
    }
    placed.push(this.holdLine(state, line, index, channel, position, take, waiting));
    return null;
  }

  /** Where a backorder waits: the line's location, the strategy's first, or the configured first. */
  private backorderLocation(state: SkuState, line: LineRequest, context: PlacementContext): string | undefined {
    return line.location ?? candidatesOf(state, context)[0]?.location ?? this.options.locationOrder[0];
  }

  private refuseLine(state: SkuState, line: LineRequest, index: number, channel: string, headroom: number): Refusal {
    if (headroom < line.qty && headroom < state.available) {
      return refuse.insufficientStock(
        `lines[${index}]: channel '${channel}' may take ${headroom} of sku ` +
          `'${line.sku}' (safety stock and other channels' fences), ${line.qty} requested`,
        index,
      );
    }
    const position = line.location === undefined ? undefined : state.position(line.location);
    return this.shortage(state, line, index, position);
  }

  /** Takes `take` units at `position` now (reserved), and lets `waiting` more wait as a backorder. */
  private holdLine(
    state: SkuState,
    line: LineRequest,
    index: number,
    channel: string,
    position: Position,
    take: number,
    waiting: number,
  ): HoldLine {
    if (take > 0) this.change(position, 0, take, 0);
    if (waiting > 0) {
      state.applyBackorder(position, waiting);
      this.touch(position);
    }
    state.policy?.track(channel, take, waiting);
    // The SKU's and position's own strings: a decoded request's copies would cost memory per hold.
    const held = new HoldLine(
      state.sku,
      line.location === undefined ? undefined : position.location,
      take + waiting,
      position,
      index,
    );
    held.backordered = waiting;
    held.backorderedAtReserve = waiting;
    return held;
  }

  /**
   * The refusal for a line that cannot be held. A sold-out SKU refuses the same line the same
   * way many times over (a flash sale): the SKU keeps its last refusal and gives that same
   * (frozen) object again while it would say the same thing.
   */
  private shortage(state: SkuState, line: LineRequest, index: number, position: Position | undefined): Refusal {
    const message = shortageMessage(state, line, index, position);
    const last = state.lastShortage;
    if (last !== null && last.error.message === message) return last;
    const refusal = Object.freeze(refuse.insufficientStock(message, index));
    Object.freeze(refusal.error);
    state.lastShortage = refusal;
    return refusal;
  }

  private rollback(placed: readonly HoldLine[], channel: string): void {
    for (const line of placed) {
      const position = line.position as Position;
      this.change(position, 0, -(line.qty - line.backordered), 0);
      if (line.backordered > 0) position.state.applyBackorder(position, -line.backordered);
      position.state.policy?.track(channel, -(line.qty - line.backordered), -line.backordered);
    }
    for (const position of this.touched) position.touched = false;
    this.touched.length = 0;
    this.removePositions(this.createdByReserve);
    this.createdByReserve.length = 0;
  }

  /** An aborted part takes back the positions its reserve created, unless something has used them since. */
  private removeCreated(id: string): void {
    const created = this.createdByPart.get(id);
    if (created === undefined) return;
    this.createdByPart.delete(id);
    this.removePositions(created.filter(isVacant));
  }

  private removePositions(positions: readonly Position[]): void {
    for (const position of positions) {
      position.state.removeEmptyPosition(position);
      this.positionCount--;
    }
  }

  private recordRefusal(record: RefusalRecord): void {
    this.holds.set(record.id, record);
    this.retention.add(record, this.evicted, retainedBytesOf(record));
    this.forgetEvicted();
  }

  /** LIMIT_REACHED when creating sku (and sku@location) would pass maxSkus or maxPositions; else null. */
  private roomFor(field: string, sku: string, location: string | null): Refusal | null {
    return this.capacityEnforced ? roomFor(this.skus, this.positionCount, this.options, field, sku, location) : null;
  }

  /**
   * Off while a journal is replayed: its records hold only operations that were admitted live
   * (the shard leaves capacity refusals out of them), so a replay under lower limits must not
   * refuse what was acknowledged. On again before the shard serves.
   */
  enforceCapacity(on: boolean): void {
    this.capacityEnforced = on;
  }

  /** The hold behind an id, or NOT_FOUND for unknown ids and refusal records. */
  private liveHold(id: string): Hold | Refusal {
    const hold = this.objectHold(id);
    if (hold === undefined) return refuse.notFound(`reservation '${id}'`);
    if (hold.status === REFUSED) return refuse.notFound(`reservation '${id}' (it was refused: ${hold.error?.code})`);
    return hold;
  }

  private expireHold(hold: Hold): void {
    invariant(nextHoldState(hold.status, EV_EXPIRE) !== ILLEGAL, `hold ${hold.id} cannot expire`);
    this.returnUnits(hold);
    this.setTerminal(hold, nextHoldState(hold.status, EV_EXPIRE));
    this.finishOp('expire', undefined);
  }

  /** Gives back whatever the hold still keeps from available: held units, or unshipped committed ones. */
  private returnUnits(hold: Hold): void {
    for (const line of hold.lines) {
      const position = line.position as Position;
      const allocated = line.allocatedUnshipped;
      if (hold.status === HELD) this.change(position, 0, -allocated, 0);
      else if (hold.status === COMMITTED) this.change(position, 0, 0, -allocated);
      position.state.policy?.track(hold.channel, -allocated, -line.backordered);
      if (line.backordered > 0) this.dropBackorder(line);
    }
  }

  /** A backordered line stops waiting (its hold ended): the units it waited for are no one's. */
  private dropBackorder(line: HoldLine): void {
    const position = line.position as Position;
    position.state.applyBackorder(position, -line.backordered);
    this.touch(position);
    line.backordered = 0;
    (position.state.backorders as BackorderQueue).ended();
  }

  private queueBackorder(hold: Hold, line: HoldLine): void {
    const state = (line.position as Position).state;
    state.backorders ??= new BackorderQueue();
    state.backorders.add(hold, line);
  }

  /**
   * Fills a SKU's backorders first-in, first-out: each waiting line takes what its location has
   * free and its channel may take, becoming held (or committed) units; one event per fill.
   */
  private fillBackorders(state: SkuState): void {
    if (state.mode === MODE_FROZEN) return;
    const queue = state.backorders as BackorderQueue;
    queue.visit(({ hold, line }) => {
      if (state.available === 0) return false;
      const position = line.position as Position;
      const headroom =
        state.policy === null ? Number.POSITIVE_INFINITY : state.policy.stockHeadroom(state.available, hold.channel);
      const take = Math.min(line.backordered, availableOf(position), headroom);
      if (take <= 0) return true;
      this.fill(hold, line, take);
      return true;
    });
  }

  private fill(hold: Hold, line: HoldLine, take: number): void {
    const position = line.position as Position;
    const state = position.state;
    state.applyBackorder(position, -take);
    line.backordered -= take;
    if (hold.status === HELD) this.change(position, 0, take, 0);
    else this.change(position, 0, 0, take);
    state.policy?.track(hold.channel, take, -take);
    if (line.backordered === 0) (state.backorders as BackorderQueue).ended();
    this.emitTouched('backorderFilled', undefined, hold.id, take);
  }

  private ship(hold: Hold, quantities: readonly number[]): void {
    hold.lines.forEach((line, index) => {
      const qty = quantities[index]!;
      if (qty === 0) return;
      const position = line.position as Position;
      const fromStock = Math.min(qty, position.onHand);
      this.shippedWithoutStock += qty - fromStock;
      // The movement is what left the shelf (all of qty), so a count taken before it rebases right.
      this.change(position, -fromStock, 0, -qty, -qty);
      position.state.policy?.track(hold.channel, -qty, 0);
      line.fulfilled += qty;
    });
  }

  private setTerminal(hold: Hold, status: number): void {
    if (this.partFulfils.size > 0) this.partFulfils.delete(hold.id);
    if (this.createdByPart.size > 0) this.createdByPart.delete(hold.id);
    if (hold.status === HELD || hold.status === COMMITTED) this.liveHolds--;
    this.unqueue(hold);
    hold.status = status;
    hold.terminalAtMs = this.nowMs;
    this.retention.add(hold, this.evicted, retainedBytesOf(hold));
    this.forgetEvicted();
  }

  /** Whether `id` has a hold or a retained outcome now (an id forgotten earlier may be back). */
  knows(id: string): boolean {
    return this.holds.has(id);
  }

  private forgetEvicted(): void {
    const evicted = this.evicted;
    if (evicted.length === 0) return;
    for (let i = 0; i < evicted.length; i++) {
      const ref = evicted[i]!;
      const id = typeof ref === 'number' ? this.table.idOf(ref) : ref.id;
      if (this.holds.get(id) === ref) {
        this.holds.delete(id);
        this.forgotten.push(id);
      }
      if (typeof ref === 'number') this.table.free(ref);
    }
    evicted.length = 0;
  }

  private stateFor(sku: string): SkuState {
    let state = this.skus.get(sku);
    if (state === undefined) {
      invariant(
        !this.capacityEnforced || this.skus.size < this.options.maxSkus,
        `sku ${sku} created past maxSkus (roomFor was not asked)`,
      );
      state = new SkuState(sku);
      state.watched = this.watchedSkus.has(sku);
      this.skus.set(sku, state);
    }
    return state;
  }

  private positionFor(sku: string, location: string): Position {
    const state = this.stateFor(sku);
    let position = state.position(location);
    if (position === undefined) {
      invariant(
        !this.capacityEnforced || this.positionCount < this.options.maxPositions,
        `position ${sku}@${location} created past maxPositions (roomFor was not asked)`,
      );
      position = state.addPosition(location, this.rank(location));
      this.positionCount++;
    }
    return position;
  }

  /**
   * Every quantity change but a sync's goes here; physical movements are remembered for sync():
   * `moved` units (default: the onHand change) at `movedAtMs` (default: now).
   */
  private change(
    position: Position,
    onHandDelta: number,
    reservedDelta: number,
    committedDelta: number,
    moved = onHandDelta,
    movedAtMs = this.nowMs,
  ): void {
    position.state.apply(position, onHandDelta, reservedDelta, committedDelta);
    if (moved !== 0) {
      position.movements ??= new MovementLog(this.movementBounds);
      position.movements.record(this.nowMs, moved, movedAtMs);
    }
    this.touch(position);
  }

  /** Marks a position changed by the operation under way (its event and seq come at finishOp). */
  private touch(position: Position): void {
    if (!position.touched) {
      position.touched = true;
      this.touched.push(position);
    }
  }

  private changeMode(sku: string, event: number, cause: ChangeCause, reason: string | undefined): FreezeResult {
    const state = this.skus.get(sku);
    if (state === undefined) return refuse.notFound(`sku '${sku}'`);
    const next = nextSkuMode(state.mode, event);
    if (next === ILLEGAL) return refuse.invalidState(`sku '${sku}' is ${modeName(state.mode)}; cannot ${cause}`);
    state.mode = next;
    this.finishSkuChange(state, cause, reason);
    return { ok: true, sku, seq: state.seq, mode: modeName(state.mode) };
  }

  /**
   * Closes a change to the SKU itself (its mode, its policy) rather than to a position: one seq
   * step, its event, and the backorders take whatever the change made takeable (a frozen SKU fills nothing).
   */
  private finishSkuChange(state: SkuState, cause: ChangeCause, reason: string | undefined): void {
    state.seq++;
    if (state.watched || this.watchAll) this.events.push(eventOf(state, cause, reason, []));
    if (state.backordered > 0) this.fillBackorders(state);
  }

  /**
   * Closes an operation: one seq step, a mode check and (if watched) one event per touched SKU;
   * then the backorders of those SKUs take whatever the operation made free.
   */
  private finishOp(cause: ChangeCause, reason: string | undefined): void {
    const waiting = this.emitTouched(cause, reason, undefined, 0);
    if (waiting !== null) for (const state of waiting) this.fillBackorders(state);
  }

  /** Emits the touched SKUs' changes; returns those with backorders that could now be filled. */
  private emitTouched(
    cause: ChangeCause,
    reason: string | undefined,
    reservationId: string | undefined,
    filled: number,
  ): SkuState[] | null {
    const touched = this.touched;
    let waiting: SkuState[] | null = null;
    for (let i = 0; i < touched.length; i++) {
      const first = touched[i]!;
      if (!first.touched) continue;
      const state = first.state;
      const watched = state.watched || this.watchAll;
      const positions: Position[] | null = watched ? [] : null;
      for (let j = i; j < touched.length; j++) {
        const position = touched[j]!;
        if (position.state !== state) continue;
        position.touched = false;
        positions?.push(position);
      }
      state.seq++;
      followStock(state);
      if (positions !== null) this.events.push(eventOf(state, cause, reason, positions, reservationId, filled));
      if (state.backordered > 0 && state.available > 0) (waiting ??= []).push(state);
    }
    if (touched.length > 0) touched.length = 0;
    return waiting;
  }
}

/** Whether a Hold object is one HoldTable keeps: live, whole, one line placed whole, never backordered or shipped. */
function isCompactable(hold: Hold): boolean {
  if (hold instanceof RefusalRecord || hold.error !== null || hold.partCount !== 1 || hold.lines.length !== 1)
    return false;
  if (hold.status !== HELD && hold.status !== COMMITTED) return false;
  const { strategy, destination, allowSplit } = hold.placement;
  if (strategy !== undefined || destination !== undefined || allowSplit !== undefined) return false;
  const line = hold.lines[0] as HoldLine;
  return (
    line.position !== null &&
    line.line === 0 &&
    line.fulfilled === 0 &&
    line.backordered === 0 &&
    line.backorderedAtReserve === 0 &&
    (line.requested === undefined || line.requested === line.position.location)
  );
}

/** active ⇄ soldOut as available stock comes and goes (frozen ignores stock). */
function followStock(state: SkuState): void {
  if (state.mode === MODE_ACTIVE && state.available === 0) state.mode = nextSkuMode(state.mode, EV_DEPLETE);
  else if (state.mode === MODE_SOLD_OUT && state.available > 0) state.mode = nextSkuMode(state.mode, EV_REPLENISH);
}

function statusOf(hold: Hold): string {
  return hold.status === REFUSED ? 'refused' : holdStatusName(hold.status);
}

function modeName(mode: number): ChangeEvent['mode'] {
  return SKU_TABLE.states[mode] as ChangeEvent['mode'];
}

function totalsOf(state: SkuState): PositionView {
  return {
    onHand: state.onHand,
    reserved: state.reserved,
    committed: state.committed,
    available: state.available,
    shortfall: state.shortfall,
    inbound: state.inbound,
    quarantined: state.quarantined,
    backordered: state.backordered,
  };
}

function eventOf(
  state: SkuState,
  cause: ChangeCause,
  reason: string | undefined,
  positions: Position[],
  reservationId?: string,
  filled = 0,
): ChangeEvent {
  const event: ChangeEvent = {
    sku: state.sku,
    seq: state.seq,
    cause,
    mode: modeName(state.mode),
    ...totalsOf(state),
    channels: channelsOf(state),
    positions: positions.map((position) => ({ location: position.location, ...viewOf(position) })),
  };
  if (reason !== undefined) event.reason = reason;
  if (reservationId !== undefined) {
    event.reservationId = reservationId;
    event.filled = filled;
  }
  return event;
}

function channelsOf(state: SkuState): ChannelAvailability {
  return state.policy === null ? { [ANY_CHANNEL]: state.available } : state.policy.availability(state.available);
}

function illegal(hold: Hold, action: string): Refusal {
  return illegalOf(hold.id, hold.status, action);
}

function illegalOf(id: string, status: number, action: string): Refusal {
  return refuse.invalidState(`reservation '${id}' is ${holdStatusName(status)}; cannot ${action}`);
}

function shortageMessage(state: SkuState, line: LineRequest, index: number, position: Position | undefined): string {
  if (line.location !== undefined) {
    const available = position === undefined ? 0 : availableOf(position);
    return `lines[${index}]: sku '${line.sku}' has ${available} available at '${line.location}', ${line.qty} requested`;
  }
  return `lines[${index}]: sku '${line.sku}' has no location with ${line.qty} available (${state.available} in total)`;
}
