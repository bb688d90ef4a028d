import type { ChangeListener } from '../api/engine.js';
import { InvalidArgumentError } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ChangeEvent } from '../api/types.js';
import { checkSku } from '../api/validate.js';

/**
 * Caller-side listeners by SKU. The shards emit events only for watched SKUs, so `watch` is
 * told when a SKU gains its first listener and loses its last.
 */
export class Subscriptions {
  listenerErrors = 0;
  private readonly bySku = new Map<string, Set<ChangeListener>>();
  private readonly everything = new Set<ChangeListener>();

  constructor(private readonly watch: (sku: string, on: boolean) => void) {}

  add(skus: string[] | '*', listener: ChangeListener): () => void {
    checkSubscription(skus, listener);
    if (skus === '*') return this.addEverything(listener);
    const unique = [...new Set(skus)];
    for (const sku of unique) this.addOne(sku, listener);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      for (const sku of unique) this.removeOne(sku, listener);
    };
  }

  dispatch(events: readonly ChangeEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const listeners = this.bySku.get(event.sku);
      if (listeners !== undefined) for (const listener of listeners) this.call(listener, event);
      for (const listener of this.everything) this.call(listener, event);
    }
  }

  private call(listener: ChangeListener, event: ChangeEvent): void {
    try {
      listener(event);
    } catch {
      this.listenerErrors++;
    }
  }

  private addEverything(listener: ChangeListener): () => void {
    if (this.everything.size === 0) this.watch('*', true);
    this.everything.add(listener);
    return () => {
      if (!this.everything.delete(listener)) return;
      if (this.everything.size === 0) this.watch('*', false);
    };
  }

  private addOne(sku: string, listener: ChangeListener): void {
    let listeners = this.bySku.get(sku);
    if (listeners === undefined) {
      listeners = new Set();
      this.bySku.set(sku, listeners);
      this.watch(sku, true);
    }
    listeners.add(listener);
  }

  private removeOne(sku: string, listener: ChangeListener): void {
    const listeners = this.bySku.get(sku);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.bySku.delete(sku);
    this.watch(sku, false);
  }
}

function checkSubscription(skus: unknown, listener: unknown): void {
  if (typeof listener !== 'function') throw new InvalidArgumentError('listener: must be a function');
  if (skus === '*') return;
  if (!Array.isArray(skus) || skus.length === 0 || skus.length > LIMITS.skusPerSubscriptionMax) {
    throw new InvalidArgumentError(`skus: must be '*' or an array of 1 to ${LIMITS.skusPerSubscriptionMax} SKUs`);
  }
  skus.forEach((sku, index) => {
    const problem = checkSku(sku);
    if (problem !== null) throw new InvalidArgumentError(`skus[${index}]: ${problem.error.message.replace(/^sku: /, '')}`);
  });
}
