import { LIMITS } from '../api/limits.js';
import { checkSubscription, ListenerIndex } from '../api/listener-index.js';
import type { ChangeEvent, PositionView } from '../api/types.js';

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
  private readonly listeners = new ListenerIndex<AvailabilityListener>((sku, on) => this.watch(sku, on));
  private toSubscribe = new Set<string>();
  private toUnsubscribe = new Set<string>();

  get skuCount(): number {
    return this.listeners.skuCount;
  }

  /** Registers `listener` for `skus`; returns the (idempotent) function that removes it again. */
  add(skus: string[], listener: AvailabilityListener): () => void {
    checkSubscription(skus, listener, false);
    return this.listeners.add(skus, listener);
  }

  /** Calls the listeners of `event.sku`; a listener that throws is reported to `onError`, the others still run. */
  dispatch(event: AvailabilityEvent, onError: (error: unknown) => void): void {
    const listeners = this.listeners.listenersOf(event.sku);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) {
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
    this.toSubscribe = new Set(this.listeners.skus());
    this.toUnsubscribe = new Set();
  }

  /** A SKU's first listener queues a subscribe, its last one leaving an unsubscribe; within a flush they cancel out. */
  private watch(sku: string, on: boolean): void {
    if (on) {
      if (!this.toUnsubscribe.delete(sku)) this.toSubscribe.add(sku);
    } else if (!this.toSubscribe.delete(sku)) this.toUnsubscribe.add(sku);
  }
}

/** Splits a SKU list into requests the gateway accepts (at most LIMITS.skusPerSubscriptionMax each). */
export function chunkSkus(skus: readonly string[], size: number = LIMITS.skusPerSubscriptionMax): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < skus.length; start += size) chunks.push(skus.slice(start, start + size));
  return chunks;
}
