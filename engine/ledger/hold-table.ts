import type { Reservation } from '../api/types.js';
import { holdStatusName } from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import { NO_NODE } from '../../shared/deadline-buckets.js';
import { Hold, HoldLine } from './hold.js';
import { NO_PLACEMENT } from './ledger-types.js';
import type { Position } from './position.js';

const INITIAL_CAPACITY = 1024;

/**
 * The common hold kept as columns instead of objects: a whole hold (one part) of one line placed
 * whole at one position, with nothing backordered and no placement request, on an interned
 * channel. It is held, committed, or (retained as an outcome) released or expired; a fulfil or
 * any other rare change first turns it into a Hold object (Ledger.promote). A slot costs its
 * id and position pointers and ~50 bytes of typed arrays, where a Hold with its line and their
 * array was ~250 bytes of objects on the heap, each of them traced by every GC.
 *
 * Slots are reused through a free list; the ledger's id map points at a slot by its number.
 */
export class HoldTable {
  private capacity = INITIAL_CAPACITY;
  private readonly ids: (string | undefined)[] = [];
  private readonly positions: (Position | undefined)[] = [];
  private channel = new Uint16Array(INITIAL_CAPACITY);
  private status = new Uint8Array(INITIAL_CAPACITY);
  /** 1: the request line named its location (part of the idempotency body). */
  private requested = new Uint8Array(INITIAL_CAPACITY);
  private qty = new Float64Array(INITIAL_CAPACITY);
  private ttlMs = new Float64Array(INITIAL_CAPACITY);
  private expiresAt = new Float64Array(INITIAL_CAPACITY);
  private order = new Float64Array(INITIAL_CAPACITY);
  private terminalAtMs = new Float64Array(INITIAL_CAPACITY);
  /** The slot's node in the ledger's deadline queue while held; NO_NODE otherwise. */
  private node = new Int32Array(INITIAL_CAPACITY);
  private readonly freeSlots: number[] = [];
  private used = 0;
  private count = 0;

  /** Slots in use. */
  get size(): number {
    return this.count;
  }

  add(
    id: string,
    channelId: number,
    ttlMs: number,
    expiresAt: number,
    order: number,
    position: Position,
    qty: number,
    requested: boolean,
    status: number,
  ): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.ids[slot] = id;
    this.positions[slot] = position;
    this.channel[slot] = channelId;
    this.status[slot] = status;
    this.requested[slot] = requested ? 1 : 0;
    this.qty[slot] = qty;
    this.ttlMs[slot] = ttlMs;
    this.expiresAt[slot] = expiresAt;
    this.order[slot] = order;
    this.terminalAtMs[slot] = 0;
    this.node[slot] = NO_NODE;
    this.count++;
    return slot;
  }

  free(slot: number): void {
    invariant(this.ids[slot] !== undefined, `hold slot ${slot} is not in use`);
    invariant(this.node[slot] === NO_NODE, `hold slot ${slot} is freed while queued for its deadline`);
    this.ids[slot] = undefined;
    this.positions[slot] = undefined;
    this.freeSlots.push(slot);
    this.count--;
  }

  idOf(slot: number): string {
    return this.ids[slot] as string;
  }

  positionOf(slot: number): Position {
    return this.positions[slot] as Position;
  }

  channelIdOf(slot: number): number {
    return this.channel[slot]!;
  }

  statusOf(slot: number): number {
    return this.status[slot]!;
  }

  setStatus(slot: number, status: number): void {
    this.status[slot] = status;
  }

  qtyOf(slot: number): number {
    return this.qty[slot]!;
  }

  orderOf(slot: number): number {
    return this.order[slot]!;
  }

  expiresAtOf(slot: number): number {
    return this.expiresAt[slot]!;
  }

  terminalAtOf(slot: number): number {
    return this.terminalAtMs[slot]!;
  }

  setTerminalAt(slot: number, atMs: number): void {
    this.terminalAtMs[slot] = atMs;
  }

  nodeOf(slot: number): number {
    return this.node[slot]!;
  }

  setNode(slot: number, node: number): void {
    this.node[slot] = node;
  }

  /** The slot as a Hold object, equal in every field (a copy: changing it changes nothing here). */
  view(slot: number, channel: string): Hold {
    const position = this.positionOf(slot);
    const line = new HoldLine(
      position.state.sku,
      this.requested[slot] === 1 ? position.location : undefined,
      this.qty[slot]!,
      position,
      0,
    );
    const hold = new Hold(this.idOf(slot), channel, this.ttlMs[slot]!, this.expiresAt[slot]!, [line], 1, NO_PLACEMENT);
    hold.status = this.status[slot]!;
    hold.order = this.order[slot]!;
    hold.terminalAtMs = this.terminalAtMs[slot]!;
    return hold;
  }

  /** reservationOf(view(slot)), built without the view. */
  reservation(slot: number, channel: string): Reservation {
    const position = this.positionOf(slot);
    return {
      id: this.idOf(slot),
      channel,
      status: holdStatusName(this.status[slot]!) as Reservation['status'],
      expiresAt: this.expiresAt[slot]!,
      backordered: 0,
      lines: [
        {
          line: 0,
          sku: position.state.sku,
          location: position.location,
          qty: this.qty[slot]!,
          fulfilled: 0,
          backordered: 0,
        },
      ],
    };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.channel = grown(new Uint16Array(capacity), this.channel);
    this.status = grown(new Uint8Array(capacity), this.status);
    this.requested = grown(new Uint8Array(capacity), this.requested);
    this.qty = grown(new Float64Array(capacity), this.qty);
    this.ttlMs = grown(new Float64Array(capacity), this.ttlMs);
    this.expiresAt = grown(new Float64Array(capacity), this.expiresAt);
    this.order = grown(new Float64Array(capacity), this.order);
    this.terminalAtMs = grown(new Float64Array(capacity), this.terminalAtMs);
    this.node = grown(new Int32Array(capacity), this.node);
    this.capacity = capacity;
  }
}

function grown<A extends Float64Array | Int32Array | Uint16Array | Uint8Array>(to: A, from: A): A {
  to.set(from);
  return to;
}
