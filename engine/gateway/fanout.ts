import type { Engine } from '../api/engine.js';
import type { ChangeEvent } from '../api/types.js';

/** Something that takes a SKU's change events (a connection). */
export interface Subscriber {
  notify(event: ChangeEvent): void;
}

/**
 * One engine subscription per SKU, shared by every connection subscribed to it: the engine
 * watches a SKU while at least one connection does.
 */
export class Fanout {
  private readonly bySku = new Map<string, { subscribers: Set<Subscriber>; stop: () => void }>();

  constructor(private readonly engine: Engine) {}

  add(sku: string, subscriber: Subscriber): void {
    let entry = this.bySku.get(sku);
    if (entry === undefined) {
      const subscribers = new Set<Subscriber>();
      const stop = this.engine.subscribe([sku], (event) => {
        for (const each of subscribers) each.notify(event);
      });
      entry = { subscribers, stop };
      this.bySku.set(sku, entry);
    }
    entry.subscribers.add(subscriber);
  }

  remove(sku: string, subscriber: Subscriber): void {
    const entry = this.bySku.get(sku);
    if (entry === undefined || !entry.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
    entry.stop();
    this.bySku.delete(sku);
  }

  get skus(): number {
    return this.bySku.size;
  }
}
