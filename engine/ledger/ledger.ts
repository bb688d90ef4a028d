import { refuse, type EngineError, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type {
  ChangeCause, ChangeEvent, FreezeResult, LedgerCounters, FulfilLine, LineRequest, MovementResult,
  PositionView, ReservationResult, SkuResult, TransferResult,
} from '../api/types.js';
import {
  COMMITTED, EV_COMMIT, EV_DEPLETE, EV_EXPIRE, EV_FREEZE, EV_FULFIL_PART, EV_FULFIL_REST, EV_RELEASE,
  EV_REPLENISH, EV_UNFREEZE_AVAILABLE, EV_UNFREEZE_EMPTY, FULFILLED, HELD, holdStatusName, ILLEGAL,
  MODE_ACTIVE, MODE_FROZEN, MODE_SOLD_OUT, nextHoldState, nextSkuMode, REFUSED, SKU_TABLE,
} from '../lifecycle/tables.js';
import { invariant } from './assert.js';
import { planFulfilment } from './fulfilment-plan.js';
import { Hold, HoldLine, reservationOf, sameBody } from './hold.js';
import { planFewestSplits } from './fewest-splits.js';
import { locationRanker, placeLine, type LocationCosts, type PlacementContext, type StrategyName } from './location-strategy.js';
import { availableOf, viewOf, type Position } from './position.js';
import { Retention } from './retention.js';
import { SkuState } from './sku-state.js';
import { TtlQueue } from './ttl-queue.js';
import { Interner } from './interner.js';
import { TransferBook, TransferRecord, transferOf } from './transfers.js';

/** Distinct channel names kept as one shared string each (beyond that, holds keep their own). */
const CHANNELS_INTERNED_MAX = 1024;

export interface LedgerOptions {
  locationOrder: readonly string[];
  maxLiveHolds: number;
  retainedOutcomes: number;
  outcomeRetentionMs: number;
  /** The strategy for lines that name no location, when a reserve names none. */
  strategy: StrategyName;
  locationCosts: LocationCosts;
}

/** One shard's part of a hold whose lines span shards; WHOLE_HOLD otherwise. */
export interface HoldPart {
  /** How many parts the hold has (1: the whole hold is here). */
  count: number;
  /** The router's deadline for every part (-1: now + ttlMs, for a whole hold). */
  expiresAt: number;
  /** Where this part's lines stand in the whole hold (null: they are the whole hold's). */
  lineIndexes: readonly number[] | null;
}

export const WHOLE_HOLD: HoldPart = { count: 1, expiresAt: -1, lineIndexes: null };

/** What a reserve may say about placement (part of its idempotency body). */
export interface PlacementRequest {
  strategy?: StrategyName;
  destination?: string;
}

/** fulfil's `final` argument: decide from the lines (a whole hold), or as the router says (a part). */
export const FINAL_AUTO = -1;
export const FINAL_NO = 0;
export const FINAL_YES = 1;


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
  private readonly holds = new Map<string, Hold>();
  private readonly ttl = new TtlQueue<Hold>();
  private readonly retention: Retention;
  private readonly rank: (location: string) => number;
  private readonly touched: Position[] = [];
  private readonly evicted: Hold[] = [];
  private readonly watchedSkus = new Set<string>();
  private readonly channels = new Interner(CHANNELS_INTERNED_MAX);
  private readonly transfers: TransferBook;
  private readonly defaultContext: PlacementContext;
  private watchAll = false;
  private nowMs = 0;
  private holdOrder = 0;
  private liveHolds = 0;
  private positionCount = 0;
  private shippedWithoutStock = 0;
  private returnsRestocked = 0;
  private returnsReconcileMsTotal = 0;
  private returnsReconcileMsMax = 0;

  constructor(private readonly options: LedgerOptions) {
    this.retention = new Retention(options.retainedOutcomes, options.outcomeRetentionMs);
    this.transfers = new TransferBook(options.retainedOutcomes);
    this.rank = locationRanker(options.locationOrder);
    this.defaultContext = { strategy: options.strategy, destination: undefined, costs: options.locationCosts };
  }

  /** Moves time forward: expires due holds (one change per hold) and drops old outcomes. */
  advance(nowMs: number): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    for (let due = this.ttl.peekDue(this.nowMs); due !== undefined; due = this.ttl.peekDue(this.nowMs)) {
      this.ttl.pop();
      invariant(due.status === HELD, `hold ${due.id} left held but stayed in the TTL queue`);
      this.expireHold(due);
    }
    this.retention.expire(this.nowMs, this.evicted);
    this.forgetEvicted();
  }

  receive(sku: string, location: string, qty: number): MovementResult {
    const state = this.skus.get(sku);
    const before = state?.position(location)?.onHand ?? 0;
    if (before + qty > LIMITS.onHandMax) {
      return refuse.limitReached(`receive: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    return this.move(sku, location, qty, 'receive', undefined);
  }

  adjust(sku: string, location: string, delta: number, reason: string): MovementResult {
    const before = this.skus.get(sku)?.position(location)?.onHand ?? 0;
    if (before + delta < 0) {
      return refuse.insufficientStock(`delta: ${delta} would take onHand of ${sku}@${location} (${before}) below zero`);
    }
    if (before + delta > LIMITS.onHandMax) {
      return refuse.limitReached(`delta: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    return this.move(sku, location, delta, 'adjust', reason);
  }

  /**
   * Holds every line or none. Returns the hold — new, or the one a retry with the same body
   * finds (originalOutcome(hold) is the answer either way) — or the refusal.
   */
  reserve(
    id: string, channel: string, ttlMs: number, lines: readonly LineRequest[],
    placement: PlacementRequest = NO_PLACEMENT, part: HoldPart = WHOLE_HOLD,
  ): Hold | Refusal {
    const { count: partCount, expiresAt, lineIndexes } = part;
    const existing = this.holds.get(id);
    if (existing !== undefined) {
      if (!sameBody(existing, channel, ttlMs, lines, partCount, placement)) return refuse.conflict(`reservation '${id}'`);
      return existing.status === REFUSED ? { ok: false, error: existing.error as EngineError } : existing;
    }
    if (this.liveHolds >= this.options.maxLiveHolds) {
      return refuse.limitReached(`reserve: this shard already has ${this.liveHolds} live holds (maxLiveHolds)`);
    }
    const deadline = expiresAt >= 0 ? expiresAt : this.nowMs + ttlMs;
    const context = this.contextOf(placement);
    const preset = context.strategy === 'fewest-splits' && lines.length > 1
      ? planFewestSplits(lines, (sku) => this.skus.get(sku), (state) => state.mode !== MODE_FROZEN)
      : null;
    const placed: HoldLine[] = [];
    for (let index = 0; index < lines.length; index++) {
      const line = this.placeLine(lines[index], lineIndexes === null ? index : lineIndexes[index], context, preset?.get(index));
      if (line instanceof HoldLine) {
        placed.push(line);
        continue;
      }
      this.rollback(placed);
      this.recordRefusal(new Hold(id, channel, ttlMs, deadline, unplaced(lines), partCount, placement), line.error);
      return line;
    }
    const hold = new Hold(id, this.channels.intern(channel), ttlMs, deadline, placed, partCount, placement);
    hold.order = ++this.holdOrder;
    this.holds.set(id, hold);
    this.liveHolds++;
    if (partCount === 1) this.ttl.push(hold);
    this.finishOp('reserve', undefined);
    return hold;
  }

  commit(id: string): ReservationResult {
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    const next = nextHoldState(hold.status, EV_COMMIT);
    if (next === ILLEGAL) return illegal(hold, 'commit');
    if (hold.status === HELD) {
      for (const line of hold.lines) this.change(line.position as Position, 0, -line.qty, line.qty);
      this.ttl.remove(hold);
    }
    hold.status = next;
    this.finishOp('commit', undefined);
    return { ok: true, reservation: reservationOf(hold) };
  }

  release(id: string): ReservationResult {
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
  fulfil(id: string, lines: readonly FulfilLine[] | null, final = FINAL_AUTO): ReservationResult {
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    if (hold.status !== COMMITTED) return illegal(hold, 'fulfil');
    const plan = planFulfilment(hold, lines);
    if (!Array.isArray(plan)) return plan;
    const completes = final === FINAL_AUTO ? plan.completes : final === FINAL_YES;
    const next = nextHoldState(hold.status, completes ? EV_FULFIL_REST : EV_FULFIL_PART);
    if (next === ILLEGAL) return illegal(hold, 'fulfil');
    this.ship(hold, plan);
    if (next === FULFILLED) {
      invariant(hold.lines.every((line) => line.fulfilled === line.qty), `fulfilled hold ${id} has units left`);
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
    const hold = this.holds.get(id);
    if (hold === undefined) return refuse.notFound(`reservation '${id}'`);
    invariant(hold.status === HELD || hold.status === REFUSED, `aborted part ${id} is past held`);
    if (hold.status === HELD) {
      this.returnUnits(hold);
      this.finishOp('abort', undefined);
      this.liveHolds--;
    }
    if (error === null) {
      this.holds.delete(id);
    } else if (hold.status === REFUSED) {
      hold.error = error;
    } else {
      this.recordRefusal(hold, error);
    }
    return { ok: true, reservation: reservationOf(hold) };
  }

  /**
   * Returned units come back: sellable ones are on hand and available in this same operation;
   * damaged ones go to quarantine. The time since `receivedAt` is the return's reconciliation time.
   */
  restock(sku: string, location: string, qty: number, sellable: boolean, reservationId: string | undefined, receivedAt: number): MovementResult {
    const position = this.skus.get(sku)?.position(location);
    if ((position?.onHand ?? 0) + (position?.quarantined ?? 0) + qty > LIMITS.onHandMax) {
      return refuse.limitReached(`qty: onHand of ${sku}@${location} would exceed ${LIMITS.onHandMax}`);
    }
    const target = this.positionFor(sku, location);
    if (sellable) {
      this.change(target, qty, 0, 0);
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
      const same = existing.from.location === from && existing.to.location === to && existing.qty === qty && existing.inTransit === inTransit;
      if (!same) return refuse.conflict(`transfer '${id}' of sku '${sku}'`);
      return { ok: true, seq: existing.seq, transfer: transferOf(existing, inTransit ? 'inTransit' : 'received') };
    }
    const source = this.skus.get(sku)?.position(from);
    const free = source === undefined ? 0 : availableOf(source);
    if (source === undefined || free < qty) {
      return refuse.insufficientStock(`qty: sku '${sku}' has ${free} available at '${from}', ${qty} asked to transfer`);
    }
    if (inTransit && this.transfers.inTransit >= this.options.maxLiveHolds) {
      return refuse.limitReached(`transfer: this shard already has ${this.transfers.inTransit} transfers in transit`);
    }
    const arrivingOnHand = (source.state.position(to)?.onHand ?? 0) + (source.state.position(to)?.inbound ?? 0);
    if (arrivingOnHand + qty > LIMITS.onHandMax) return refuse.limitReached(`qty: onHand of ${sku}@${to} would exceed ${LIMITS.onHandMax}`);
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
    this.transfers.add(record);
    return { ok: true, seq: record.seq, transfer: transferOf(record) };
  }

  /** The in-transit units of a transfer arrive: inbound at `to` becomes on hand and available. */
  receiveTransfer(sku: string, id: string): TransferResult {
    const record = this.transfers.get(sku, id);
    if (record === undefined) return refuse.notFound(`transfer '${id}' of sku '${sku}'`);
    const state = record.to.state;
    if (record.status === 'received') return { ok: true, seq: state.seq, transfer: transferOf(record) };
    state.applyInbound(record.to, -record.qty);
    this.change(record.to, record.qty, 0, 0);
    this.transfers.markReceived(record);
    this.finishOp('transferReceived', undefined);
    return { ok: true, seq: state.seq, transfer: transferOf(record) };
  }

  getReservation(id: string): ReservationResult {
    const hold = this.liveHold(id);
    if (!(hold instanceof Hold)) return hold;
    return { ok: true, reservation: reservationOf(hold) };
  }

  get(sku: string): SkuResult {
    const state = this.skus.get(sku);
    if (state === undefined) return refuse.notFound(`sku '${sku}'`);
    const locations: Record<string, PositionView> = {};
    for (const position of state.ordered) locations[position.location] = viewOf(position);
    return { ok: true, sku, seq: state.seq, mode: modeName(state.mode), ...totalsOf(state), locations };
  }

  freeze(sku: string, reason: string): FreezeResult {
    return this.changeMode(sku, EV_FREEZE, 'freeze', reason);
  }

  unfreeze(sku: string): FreezeResult {
    const available = this.skus.get(sku)?.available ?? 0;
    return this.changeMode(sku, available > 0 ? EV_UNFREEZE_AVAILABLE : EV_UNFREEZE_EMPTY, 'unfreeze', undefined);
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

  private move(sku: string, location: string, delta: number, cause: ChangeCause, reason: string | undefined): MovementResult {
    const position = this.positionFor(sku, location);
    this.change(position, delta, 0, 0);
    this.finishOp(cause, reason);
    return { ok: true, sku, location, seq: position.state.seq, position: viewOf(position) };
  }

  /** The placement context of a reserve; the engine's default one is built once. */
  private contextOf(placement: PlacementRequest): PlacementContext {
    if (placement.strategy === undefined && placement.destination === undefined) return this.defaultContext;
    return {
      strategy: placement.strategy ?? this.options.strategy,
      destination: placement.destination,
      costs: this.options.locationCosts,
    };
  }

  private placeLine(line: LineRequest, index: number, context: PlacementContext, preset: Position | undefined): HoldLine | Refusal {
    const state = this.skus.get(line.sku);
    if (state === undefined) return refuse.insufficientStock(`lines[${index}]: sku '${line.sku}' has no stock`, index);
    if (state.mode === MODE_FROZEN) return refuse.skuFrozen(line.sku, index);
    const position = line.location !== undefined ? state.position(line.location) : preset ?? placeLine(state, line.qty, context);
    if (position === undefined || availableOf(position) < line.qty) {
      return this.shortage(state, line, index, position);
    }
    this.change(position, 0, line.qty, 0);
    // The SKU's and position's own strings: a decoded request's copies would cost memory per hold.
    return new HoldLine(state.sku, line.location === undefined ? undefined : position.location, line.qty, position);
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

  private rollback(placed: readonly HoldLine[]): void {
    for (const line of placed) this.change(line.position as Position, 0, -line.qty, 0);
    for (const position of this.touched) position.touched = false;
    this.touched.length = 0;
  }

  private recordRefusal(hold: Hold, error: EngineError): void {
    hold.status = REFUSED;
    hold.error = error;
    hold.terminalAtMs = this.nowMs;
    this.holds.set(hold.id, hold);
    this.retention.add(hold, this.evicted);
    this.forgetEvicted();
  }

  /** The hold behind an id, or NOT_FOUND for unknown ids and refusal records. */
  private liveHold(id: string): Hold | Refusal {
    const hold = this.holds.get(id);
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
      if (hold.status === HELD) this.change(position, 0, -line.qty, 0);
      else if (hold.status === COMMITTED) this.change(position, 0, 0, -(line.qty - line.fulfilled));
    }
  }

  private ship(hold: Hold, quantities: readonly number[]): void {
    hold.lines.forEach((line, index) => {
      const qty = quantities[index];
      if (qty === 0) return;
      const position = line.position as Position;
      const fromStock = Math.min(qty, position.onHand);
      this.shippedWithoutStock += qty - fromStock;
      this.change(position, -fromStock, 0, -qty);
      line.fulfilled += qty;
    });
  }

  private setTerminal(hold: Hold, status: number): void {
    if (hold.status === HELD || hold.status === COMMITTED) this.liveHolds--;
    this.ttl.remove(hold);
    hold.status = status;
    hold.terminalAtMs = this.nowMs;
    this.retention.add(hold, this.evicted);
    this.forgetEvicted();
  }

  private forgetEvicted(): void {
    const evicted = this.evicted;
    for (let i = 0; i < evicted.length; i++) {
      const hold = evicted[i];
      if (this.holds.get(hold.id) === hold) {
        this.holds.delete(hold.id);
        this.forgotten.push(hold.id);
      }
    }
    evicted.length = 0;
  }

  private positionFor(sku: string, location: string): Position {
    let state = this.skus.get(sku);
    if (state === undefined) {
      state = new SkuState(sku);
      state.watched = this.watchedSkus.has(sku);
      this.skus.set(sku, state);
    }
    let position = state.position(location);
    if (position === undefined) {
      position = state.addPosition(location, this.rank(location));
      this.positionCount++;
    }
    return position;
  }

  private change(position: Position, onHandDelta: number, reservedDelta: number, committedDelta: number): void {
    position.state.apply(position, onHandDelta, reservedDelta, committedDelta);
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
    state.seq++;
    if (state.watched || this.watchAll) this.events.push(eventOf(state, cause, reason, []));
    return { ok: true, sku, seq: state.seq, mode: modeName(state.mode) };
  }

  /** Closes an operation: one seq step, a mode check and (if watched) one event per touched SKU. */
  private finishOp(cause: ChangeCause, reason: string | undefined): void {
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      if (!touched[i].touched) continue;
      const state = touched[i].state;
      const watched = state.watched || this.watchAll;
      const positions: Position[] | null = watched ? [] : null;
      for (let j = i; j < touched.length; j++) {
        if (touched[j].state !== state) continue;
        touched[j].touched = false;
        positions?.push(touched[j]);
      }
      state.seq++;
      followStock(state);
      if (positions !== null) this.events.push(eventOf(state, cause, reason, positions));
    }
    touched.length = 0;
  }
}

/** active ⇄ soldOut as available stock comes and goes (frozen ignores stock). */
function followStock(state: SkuState): void {
  if (state.mode === MODE_ACTIVE && state.available === 0) state.mode = nextSkuMode(state.mode, EV_DEPLETE);
  else if (state.mode === MODE_SOLD_OUT && state.available > 0) state.mode = nextSkuMode(state.mode, EV_REPLENISH);
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
  };
}

function eventOf(state: SkuState, cause: ChangeCause, reason: string | undefined, positions: Position[]): ChangeEvent {
  const event: ChangeEvent = {
    sku: state.sku,
    seq: state.seq,
    cause,
    mode: modeName(state.mode),
    ...totalsOf(state),
    positions: positions.map((position) => ({ location: position.location, ...viewOf(position) })),
  };
  if (reason !== undefined) event.reason = reason;
  return event;
}

const NO_PLACEMENT: PlacementRequest = {};

function illegal(hold: Hold, action: string): Refusal {
  return refuse.invalidState(`reservation '${hold.id}' is ${holdStatusName(hold.status)}; cannot ${action}`);
}

function unplaced(lines: readonly LineRequest[]): HoldLine[] {
  return lines.map((line) => new HoldLine(line.sku, line.location, line.qty, null));
}

function shortageMessage(state: SkuState, line: LineRequest, index: number, position: Position | undefined): string {
  if (line.location !== undefined) {
    const available = position === undefined ? 0 : availableOf(position);
    return `lines[${index}]: sku '${line.sku}' has ${available} available at '${line.location}', ${line.qty} requested`;
  }
  return `lines[${index}]: sku '${line.sku}' has no location with ${line.qty} available (${state.available} in total)`;
}
