import { InvalidArgumentError } from './errors.js';
import { checkSkuList } from './validate.js';

/**
 * Listeners by SKU, counted: a listener registered for a SKU by two subscriptions stays until
 * both are removed. `watch(sku, on)` is told when a SKU gains its first listener and loses its
 * last. The engine's subscriptions and the client's both keep theirs here.
 */
export class ListenerIndex<L> {
  private readonly bySku = new Map<string, Map<L, number>>();

  constructor(private readonly watch: (sku: string, on: boolean) => void) {}

  get skuCount(): number {
    return this.bySku.size;
  }

  skus(): IterableIterator<string> {
    return this.bySku.keys();
  }

  /** The listeners of `sku` (undefined: none). */
  listenersOf(sku: string): IterableIterator<L> | undefined {
    return this.bySku.get(sku)?.keys();
  }

  /** Registers `listener` for every SKU of `skus`; returns the (idempotent) function that removes it again. */
  add(skus: readonly string[], listener: L): () => void {
    const unique = [...new Set(skus)];
    for (const sku of unique) this.addOne(sku, listener);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      for (const sku of unique) this.removeOne(sku, listener);
    };
  }

  private addOne(sku: string, listener: L): void {
    let listeners = this.bySku.get(sku);
    if (listeners === undefined) {
      listeners = new Map();
      this.bySku.set(sku, listeners);
      this.watch(sku, true);
    }
    listeners.set(listener, (listeners.get(listener) ?? 0) + 1);
  }

  private removeOne(sku: string, listener: L): void {
    const listeners = this.bySku.get(sku);
    const count = listeners?.get(listener);
    if (listeners === undefined || count === undefined) return;
    if (count > 1) listeners.set(listener, count - 1);
    else listeners.delete(listener);
    if (listeners.size > 0) return;
    this.bySku.delete(sku);
    this.watch(sku, false);
  }
}

/**
 * A subscribe call's arguments (throws InvalidArgumentError naming the field); `'*'` only where everything may be
 * watched.
 */
export function checkSubscription(skus: unknown, listener: unknown, everythingAllowed: boolean): void {
  if (typeof listener !== 'function') throw new InvalidArgumentError('listener: must be a function');
  const problem = checkSkuList(skus, 'skus', everythingAllowed);
  if (problem !== null) throw new InvalidArgumentError(problem.error.message);
}
