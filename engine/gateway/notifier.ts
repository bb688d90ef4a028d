import type { ChangeEvent } from '../api/types.js';

/** What an `availability` notification carries: the SKU's state after a change. */
export function availabilityOf(event: ChangeEvent): Record<string, unknown> {
  return {
    sku: event.sku,
    seq: event.seq,
    cause: event.cause,
    mode: event.mode,
    available: event.available,
    onHand: event.onHand,
    reserved: event.reserved,
    committed: event.committed,
    shortfall: event.shortfall,
    inbound: event.inbound,
    quarantined: event.quarantined,
    backordered: event.backordered,
    channels: event.channels,
  };
}

/**
 * Conflated notifications for one connection: per SKU only the latest change waits to be sent,
 * so a slow subscriber gets the newest state with its seq, never a backlog. Sending stops while
 * the socket's outgoing buffer is above `lowWaterBytes` and resumes when it drains.
 */
export class Notifier {
  private readonly waiting = new Map<string, ChangeEvent>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly send: (event: ChangeEvent) => void,
    private readonly bufferedBytes: () => number,
    private readonly lowWaterBytes: number,
    private readonly retryMs: number,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  push(event: ChangeEvent): void {
    if (this.stopped) return;
    const last = this.waiting.get(event.sku);
    if (last !== undefined && last.seq >= event.seq) return;
    this.waiting.delete(event.sku);
    this.waiting.set(event.sku, event);
    this.schedule(false);
  }

  /** Drops what waits for SKUs no longer subscribed. */
  forget(sku: string): void {
    this.waiting.delete(sku);
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
  }

  private schedule(later: boolean): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.flush();
    };
    if (later) setTimeout(flush, this.retryMs).unref();
    else setImmediate(flush);
  }

  private flush(): void {
    for (const [sku, event] of this.waiting) {
      if (this.stopped) return;
      if (this.bufferedBytes() > this.lowWaterBytes) {
        this.schedule(true);
        return;
      }
      this.waiting.delete(sku);
      this.send(event);
    }
  }
}
