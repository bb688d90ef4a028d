import { InvalidArgumentError } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ChangeEvent, PositionView } from '../api/types.js';
import { checkSku } from '../api/validate.js';

/**
 * A SKU's availability as the gateway pushes it: the SKU totals of a change event, without the
 * per-position detail (`positions`, `reason`, `reservationId`, `filled` are not sent).
 */
export type AvailabilityEvent = Pick<ChangeEvent, 'sku' | 'seq' | 'cause' | 'mode' | 'channels'> & PositionView;

export type AvailabilityListener = (event: AvailabilityEvent) => void;

/** The subscribe/unsubscribe requests that bring the gateway in line with the listeners. */
export interface SubscriptionChanges {
  subscribe: string[];
  unsubscribe: string[];
}

/**
 * Listeners by SKU, and what the gateway must be told. A SKU is subscribed on the connection
 * while it has a listener: its first listener queues a subscribe, its last one leaving queues an
 * unsubscribe (the two cancel out within a flush). After a reconnect every SKU with listeners
 * is subscribed again.
 */
export class SubscriptionRegistry {
  /** sku → listener → how many live subscriptions registered it for that SKU. */
  private readonly bySku = new Map<string, Map<AvailabilityListener, number>>();
  private toSubscribe = new Set<string>();
  private toUnsubscribe = new Set<string>();

  get skuCount(): number {
    return this.bySku.size;
  }

  /** Registers `listener` for `skus`; returns the (idempotent) function that removes it again. */
  add(skus: string[], listener: AvailabilityListener): () => void {
    checkSubscription(skus, listener);
    const unique = [...new Set(skus)];
    for (const sku of unique) this.addOne(sku, listener);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      for (const sku of unique) this.removeOne(sku, listener);
    };
  }

  /** Calls the listeners of `event.sku`; a listener that throws is reported to `onError`, the others still run. */
  dispatch(event: AvailabilityEvent, onError: (error: unknown) => void): void {
    const listeners = this.bySku.get(event.sku);
    if (listeners === undefined) return;
    for (const listener of [...listeners.keys()]) {
      try {
        listener(event);
      } catch (error) {
        onError(error);
      }
    }
  }

  hasChanges(): boolean {
    return this.toSubscribe.size > 0 || this.toUnsubscribe.size > 0;
  }

  /** What to send now; the registry then assumes the gateway knows. */
  takeChanges(): SubscriptionChanges {
    const changes = { subscribe: [...this.toSubscribe], unsubscribe: [...this.toUnsubscribe] };
    this.toSubscribe = new Set();
    this.toUnsubscribe = new Set();
    return changes;
  }

  /** A new connection knows no subscription: every SKU with listeners is to be subscribed. */
  resetConnection(): void {
    this.toSubscribe = new Set(this.bySku.keys());
    this.toUnsubscribe = new Set();
  }

  private addOne(sku: string, listener: AvailabilityListener): void {
    let listeners = this.bySku.get(sku);
    if (listeners === undefined) {
      listeners = new Map();
      this.bySku.set(sku, listeners);
      if (!this.toUnsubscribe.delete(sku)) this.toSubscribe.add(sku);
    }
    listeners.set(listener, (listeners.get(listener) ?? 0) + 1);
  }

  private removeOne(sku: string, listener: AvailabilityListener): void {
    const listeners = this.bySku.get(sku);
    const count = listeners?.get(listener);
    if (listeners === undefined || count === undefined) return;
    if (count > 1) listeners.set(listener, count - 1);
    else listeners.delete(listener);
    if (listeners.size > 0) return;
    this.bySku.delete(sku);
    if (!this.toSubscribe.delete(sku)) this.toUnsubscribe.add(sku);
  }
}

/** Splits a SKU list into requests the gateway accepts (at most LIMITS.skusPerSubscriptionMax each). */
export function chunkSkus(skus: readonly string[], size: number = LIMITS.skusPerSubscriptionMax): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < skus.length; start += size) chunks.push(skus.slice(start, start + size));
  return chunks;
}

function checkSubscription(skus: unknown, listener: unknown): void {
  if (typeof listener !== 'function') throw new InvalidArgumentError('listener: must be a function');
  if (!Array.isArray(skus) || skus.length === 0 || skus.length > LIMITS.skusPerSubscriptionMax) {
    throw new InvalidArgumentError(`skus: must be an array of 1 to ${LIMITS.skusPerSubscriptionMax} SKUs`);
  }
  skus.forEach((sku, index) => {
    const problem = checkSku(sku);
    if (problem !== null) throw new InvalidArgumentError(`skus[${index}]: ${problem.error.message.replace(/^sku: /, '')}`);
  });
}
