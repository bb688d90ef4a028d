import type { ChangeListener } from '../api/engine.js';
import { checkSubscription, ListenerIndex } from '../api/listener-index.js';
import type { ChangeEvent } from '../api/types.js';

/** The key the listeners to every SKU are kept under (in their own index, apart from the SKUs'). */
const EVERYTHING = '*';

/**
 * The engine's one record of which listener watches which SKU. The shards emit events only for
 * watched SKUs, so `watch` is told when a SKU gains its first listener and loses its last ('*':
 * every SKU); a shard's watch flags are derived from that, and rebuilt from `watched()` after it
 * recovers.
 */
export class Subscriptions {
  listenerErrors = 0;
  private readonly bySku: ListenerIndex<ChangeListener>;
  private readonly everything: ListenerIndex<ChangeListener>;

  constructor(watch: (sku: string, on: boolean) => void) {
    this.bySku = new ListenerIndex(watch);
    this.everything = new ListenerIndex(watch);
  }

  add(skus: string[] | '*', listener: ChangeListener): () => void {
    checkSubscription(skus, listener, true);
    return skus === EVERYTHING ? this.everything.add([EVERYTHING], listener) : this.bySku.add(skus, listener);
  }

  /** The SKUs some listener watches ('*' among them when one watches everything). */
  *watched(): IterableIterator<string> {
    yield* this.bySku.skus();
    yield* this.everything.skus();
  }

  dispatch(events: readonly ChangeEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      this.callAll(this.bySku.listenersOf(event.sku), event);
      this.callAll(this.everything.listenersOf(EVERYTHING), event);
    }
  }

  private callAll(listeners: IterableIterator<ChangeListener> | undefined, event: ChangeEvent): void {
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}
