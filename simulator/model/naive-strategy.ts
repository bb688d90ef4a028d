import type { LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import { defined } from '../../shared/invariant.js';
import { positionOf, type RunCatalogue } from './catalogue.js';
import { EventQueue } from './event-queue.js';
import type { Shelf } from './shelf.js';
import type { CheckoutOutcome, PickLine, PositionCount, ReceivedReturn, Strategy } from './strategy.js';
import type { Order } from './traffic.js';
import type { Scheduler } from './types.js';

const SKU = 'a SKU of the catalogue';
const POSITION = 'a position of the catalogue';
const CHANNEL = 'a channel of the run';

export interface NaiveStrategyOptions {
  scheduler: Scheduler;
  random: Random;
  catalogue: RunCatalogue;
  shelf: Shelf;
  channels: string[];
  /** The lag of every event between the channels and the order system. */
  events: LatencyModel;
  holdTtlMs: number;
}

/**
 * What the shops in the problem do today (issue 6 §3, `naive`): each channel accepts orders
 * against its own cached availability; a central order system (OMS) learns of orders, shipments,
 * returns and ERP counts through lagging event queues and publishes availability back the same
 * way; nobody checks the shelf until the warehouse picks. Carts are not held: an unpaid order is
 * dropped after the hold TTL. Returns are booked as sellable on receipt, before inspection, and an
 * ERP count overwrites the OMS's on-hand as of when it arrives, not when it was taken.
 */
export class NaiveStrategy implements Strategy {
  readonly name = 'naive' as const;
  private readonly onHand: Float64Array;
  private readonly allocated: Float64Array;
  /** channel → SKU → units the channel believes it may sell. */
  private readonly caches: Float64Array[];
  /** channel → Σ max(0, cache): what the channel would sell now. */
  private readonly cacheTotals: number[];
  private readonly toOms: EventQueue;
  private readonly toChannels: EventQueue[];
  private readonly channelIndexOf: Map<string, number>;
  /** Orders the OMS has placed: their picks; and the payments waiting for the OMS to know the order. */
  private readonly placed = new Map<number, PickLine[]>();
  private readonly awaitingPlacement = new Map<number, (picks: PickLine[]) => void>();
  private deepest = 0;

  constructor(private readonly options: NaiveStrategyOptions) {
    const { catalogue, channels, scheduler, random, events } = options;
    const positions = catalogue.skus.length * catalogue.locations.length;
    this.onHand = new Float64Array(positions);
    this.allocated = new Float64Array(positions);
    this.caches = channels.map(() => new Float64Array(catalogue.skus.length));
    this.cacheTotals = channels.map(() => 0);
    this.toOms = new EventQueue(scheduler, random, events);
    this.toChannels = channels.map(() => new EventQueue(scheduler, random, events));
    this.channelIndexOf = new Map(channels.map((channel, index) => [channel, index]));
  }

  async start(): Promise<void> {
    const { catalogue } = this.options;
    for (const sku of catalogue.skus) {
      sku.openingUnits.forEach((units, location) => {
        this.onHand[positionOf(catalogue, sku.index, location)] = units;
      });
      const opening = this.availableOf(sku.index);
      this.caches.forEach((_, channel) => this.setCache(channel, sku.index, opening));
    }
  }

  checkout(order: Order, answer: (outcome: CheckoutOutcome) => void): void {
    const channel = this.channelIndexOf.get(order.channel)!;
    const cache = defined(this.caches[channel], CHANNEL);
    if (!order.lines.every((line) => defined(cache[line.sku.index], SKU) >= line.qty)) return answer('stockout');
    for (const line of order.lines)
      this.setCache(channel, line.sku.index, defined(cache[line.sku.index], SKU) - line.qty);
    this.sendToOms(() => this.place(order));
    answer('accepted');
  }

  abandon(order: Order): void {
    this.options.scheduler.after(this.options.holdTtlMs * 1000, () => this.paymentFailed(order));
  }

  paymentFailed(order: Order): void {
    this.sendToOms(() => this.unplace(order));
  }

  pay(order: Order, ready: (picks: PickLine[] | null) => void): void {
    const picks = this.placed.get(order.index);
    if (picks !== undefined) ready(picks);
    else this.awaitingPlacement.set(order.index, ready);
  }

  ship(order: Order, picks: PickLine[], take: () => void): void {
    take();
    this.sendToOms(() => {
      this.placed.delete(order.index);
      for (const pick of picks) {
        this.allocated[pick.position] = defined(this.allocated[pick.position], POSITION) - pick.qty;
        this.setOnHand(pick.position, defined(this.onHand[pick.position], POSITION) - pick.qty);
      }
    });
  }

  cancelled(order: Order): void {
    this.sendToOms(() => this.unplace(order));
  }

  returned(received: ReceivedReturn, reconciled: (atUs: number) => void): void {
    const { pick } = received;
    this.sendToOms(() => {
      this.setOnHand(pick.position, defined(this.onHand[pick.position], POSITION) + pick.qty);
      reconciled(this.publish(pick.skuIndex));
    });
  }

  counted(counts: PositionCount[]): void {
    const touched = new Set<number>();
    for (const count of counts) {
      this.setOnHand(count.position, count.units);
      touched.add(count.skuIndex);
    }
    for (const skuIndex of touched) this.publish(skuIndex);
  }

  queueDepth(): number {
    return this.toOms.depth + this.toChannels.reduce((sum, queue) => sum + queue.depth, 0);
  }

  shardQueueDepthMax(): null {
    return null;
  }

  queueDepthMax(): number {
    return this.deepest;
  }

  availableUnits(): number {
    return this.cacheTotals.reduce((sum, total) => sum + total, 0) / this.cacheTotals.length;
  }

  unexpectedRefusals(): number {
    return 0;
  }

  refresh(): void {}

  async finish(): Promise<void> {}

  /** The OMS books an accepted order: a location per line (the first with enough, else the fullest). */
  private place(order: Order): void {
    const { catalogue } = this.options;
    const picks = order.lines.map((line, index) => {
      const locationIndex = this.locationFor(line.sku.index, line.qty);
      const position = positionOf(catalogue, line.sku.index, locationIndex);
      this.allocated[position] = defined(this.allocated[position], POSITION) + line.qty;
      return { line: index, skuIndex: line.sku.index, locationIndex, position, qty: line.qty };
    });
    this.placed.set(order.index, picks);
    for (const line of order.lines) this.publish(line.sku.index);
    const ready = this.awaitingPlacement.get(order.index);
    this.awaitingPlacement.delete(order.index);
    ready?.(picks);
  }

  private unplace(order: Order): void {
    const picks = this.placed.get(order.index);
    if (picks === undefined) return;
    this.placed.delete(order.index);
    for (const pick of picks)
      this.allocated[pick.position] = defined(this.allocated[pick.position], POSITION) - pick.qty;
    for (const pick of picks) this.publish(pick.skuIndex);
  }

  private locationFor(skuIndex: number, qty: number): number {
    const { catalogue } = this.options;
    let best = 0;
    let bestFree = Number.NEGATIVE_INFINITY;
    for (let location = 0; location < catalogue.locations.length; location++) {
      const position = positionOf(catalogue, skuIndex, location);
      const free = defined(this.onHand[position], POSITION) - defined(this.allocated[position], POSITION);
      if (free >= qty) return location;
      if (free > bestFree) [best, bestFree] = [location, free];
    }
    return best;
  }

  /** Sends the SKU's availability to every channel; returns when the last of them has it (µs). */
  private publish(skuIndex: number): number {
    const available = this.availableOf(skuIndex);
    let lastUs = this.options.scheduler.timeUs;
    this.toChannels.forEach((queue, channel) => {
      lastUs = Math.max(
        lastUs,
        queue.send(() => this.setCache(channel, skuIndex, available)),
      );
    });
    this.noteDepth();
    return lastUs;
  }

  private availableOf(skuIndex: number): number {
    const { catalogue } = this.options;
    let available = 0;
    for (let location = 0; location < catalogue.locations.length; location++) {
      const position = positionOf(catalogue, skuIndex, location);
      available += defined(this.onHand[position], POSITION) - defined(this.allocated[position], POSITION);
    }
    return available;
  }

  private setCache(channel: number, skuIndex: number, units: number): void {
    const cache = defined(this.caches[channel], CHANNEL);
    const total = defined(this.cacheTotals[channel], CHANNEL);
    this.cacheTotals[channel] = total + Math.max(0, units) - Math.max(0, defined(cache[skuIndex], SKU));
    cache[skuIndex] = units;
  }

  private setOnHand(position: number, units: number): void {
    this.onHand[position] = units;
    this.options.shelf.record(position, units);
  }

  private sendToOms(action: () => void): void {
    this.toOms.send(action);
    this.noteDepth();
  }

  private noteDepth(): void {
    this.deepest = Math.max(this.deepest, this.queueDepth());
  }
}
