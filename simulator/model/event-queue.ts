import { sampleLatencyUs, type LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import type { Scheduler } from './types.js';

/** How long a queue keeps one lag before it drifts to a new draw (simulated time). */
export const LAG_REDRAW_US = 1_000_000;

/**
 * A lagging, in-order message queue to one consumer (a channel, the order system). The latency
 * model is the queue's lag, drawn afresh every second (a consumer falls behind, then catches
 * up); a message never overtakes the one before it. A draw per message would not do: in order,
 * each message waits for the slowest before it, so a long-tailed model would turn into its
 * one-in-a-million tail. Counts what is in flight.
 */
export class EventQueue {
  private lastDeliveryUs = 0;
  private pending = 0;
  private lagUs = 0;
  private lagDrawnAtUs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly latency: LatencyModel,
  ) {}

  get depth(): number {
    return this.pending;
  }

  private currentLagUs(): number {
    const nowUs = this.scheduler.timeUs;
    if (nowUs - this.lagDrawnAtUs >= LAG_REDRAW_US) {
      this.lagUs = sampleLatencyUs(this.latency, this.random);
      this.lagDrawnAtUs = nowUs;
    }
    return this.lagUs;
  }

  /** Delivers `action` after the lag; returns when it will be delivered (µs). */
  send(action: () => void): number {
    const deliveryUs = Math.max(this.lastDeliveryUs, this.scheduler.timeUs + this.currentLagUs());
    this.lastDeliveryUs = deliveryUs;
    this.pending++;
    this.scheduler.at(deliveryUs, () => {
      this.pending--;
      action();
    });
    return deliveryUs;
  }
}
