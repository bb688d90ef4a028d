import type { Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import type { ChangeEvent } from '../api/types.js';
import { invariant } from '../../shared/invariant.js';
import type { Encoding } from './frame-codec.js';

/** Something that takes a SKU's change events (a connection). */
export interface Subscriber {
  notify(event: ChangeEvent): void;
}

/** One SKU's subscribers and the engine subscription they share. */
interface SkuWatch {
  readonly subscribers: Set<Subscriber>;
  readonly stop: () => void;
}

/**
 * The gateway's one record of which connection watches which SKU. Each SKU has one engine
 * subscription, shared by every connection subscribed to it (the engine watches a SKU while at
 * least one connection does); each connection's SKUs carry the encoding of the subscribe request
 * that added them, which its notifications use. A connection keeps no set of its own: it asks here.
 */
export class Fanout {
  private readonly bySku = new Map<string, SkuWatch>();
  private readonly bySubscriber = new Map<Subscriber, Map<string, Encoding>>();

  constructor(
    private readonly engine: Engine,
    private readonly skusPerSubscriberMax: number,
  ) {}

  /**
   * Subscribes `subscriber` to `skus` (distinct), in `encoding` (a SKU it had takes the new
   * encoding). Returns how many SKUs it now watches, or LIMIT_REACHED (nothing changed) when that
   * would pass the per-connection bound.
   */
  subscribe(subscriber: Subscriber, skus: readonly string[], encoding: Encoding): number | Refusal {
    const own = this.bySubscriber.get(subscriber) ?? new Map<string, Encoding>();
    const added = skus.filter((sku) => !own.has(sku));
    if (own.size + added.length > this.skusPerSubscriberMax) {
      return refuse.limitReached(`skus: a connection may subscribe to at most ${this.skusPerSubscriberMax} SKUs`);
    }
    this.bySubscriber.set(subscriber, own);
    for (const sku of skus) own.set(sku, encoding);
    for (const sku of added) this.watch(sku).subscribers.add(subscriber);
    return own.size;
  }

  /** Unsubscribes `subscriber` from those of `skus` it watches; returns them. */
  unsubscribe(subscriber: Subscriber, skus: readonly string[]): string[] {
    const own = this.bySubscriber.get(subscriber);
    if (own === undefined) return [];
    const removed = skus.filter((sku) => own.delete(sku));
    for (const sku of removed) this.unwatch(sku, subscriber);
    if (own.size === 0) this.bySubscriber.delete(subscriber);
    return removed;
  }

  /** Drops every subscription of `subscriber` (its connection closed). */
  unsubscribeAll(subscriber: Subscriber): void {
    const own = this.bySubscriber.get(subscriber);
    if (own === undefined) return;
    this.bySubscriber.delete(subscriber);
    for (const sku of own.keys()) this.unwatch(sku, subscriber);
  }

  /** How many SKUs `subscriber` watches. */
  countOf(subscriber: Subscriber): number {
    return this.bySubscriber.get(subscriber)?.size ?? 0;
  }

  /** The encoding `subscriber` asked for `sku` in (json when it does not watch it). */
  encodingOf(subscriber: Subscriber, sku: string): Encoding {
    return this.bySubscriber.get(subscriber)?.get(sku) ?? 'json';
  }

  private watch(sku: string): SkuWatch {
    let entry = this.bySku.get(sku);
    if (entry === undefined) {
      const subscribers = new Set<Subscriber>();
      const stop = this.engine.subscribe([sku], (event) => {
        for (const each of subscribers) each.notify(event);
      });
      entry = { subscribers, stop };
      this.bySku.set(sku, entry);
    }
    return entry;
  }

  private unwatch(sku: string, subscriber: Subscriber): void {
    const entry = this.bySku.get(sku);
    invariant(entry !== undefined && entry.subscribers.has(subscriber), 'a subscriber leaves only a SKU it watches');
    entry.subscribers.delete(subscriber);
    if (entry.subscribers.size > 0) return;
    entry.stop();
    this.bySku.delete(sku);
  }
}
