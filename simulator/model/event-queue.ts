import { sampleLatencyUs, type LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import type { Scheduler } from './types.js';

/**
 * A lagging, in-order message queue to one consumer (a channel, the order system): each message
 * takes an injected latency, but never overtakes the one before it. Counts what is in flight.
 */
export class EventQueue {
  private lastDeliveryUs = 0;
  private pending = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly latency: LatencyModel,
  ) {}

  get depth(): number {
    return this.pending;
  }

  /** Delivers `action` after the lag; returns when it will be delivered (µs). */
  send(action: () => void): number {
    const deliveryUs = Math.max(this.lastDeliveryUs, this.scheduler.timeUs + sampleLatencyUs(this.latency, this.random));
    this.lastDeliveryUs = deliveryUs;
    this.pending++;
    this.scheduler.at(deliveryUs, () => {
      this.pending--;
      action();
    });
    return deliveryUs;
  }
}
