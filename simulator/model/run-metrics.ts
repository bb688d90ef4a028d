import { LatencyHistogram } from './latency-histogram.js';
import type { Order } from './traffic.js';
import type { StrategyName, StrategyReport, TimelinePoint } from './types.js';

type OrderCounts = StrategyReport['orders'];
type UnitCounts = StrategyReport['units'];

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : round6(part / whole);
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** What one strategy's run counts, and the report it makes of them. */
export class RunMetrics {
  readonly orders: OrderCounts = {
    offered: 0,
    accepted: 0,
    stockouts: 0,
    shed: 0,
    abandoned: 0,
    paymentFailed: 0,
    lapsed: 0,
    paid: 0,
    fulfilled: 0,
    cancelled: 0,
    unfinished: 0,
  };
  readonly units: UnitCounts = {
    offered: 0,
    accepted: 0,
    shipped: 0,
    oversold: 0,
    returned: 0,
    restocked: 0,
    damaged: 0,
  };
  readonly acceptance = new LatencyHistogram();
  readonly timeline: TimelinePoint[] = [];
  private offeredValueCents = 0;
  private reconciled = { count: 0, totalMs: 0, maxMs: 0 };

  offer(order: Order): void {
    this.orders.offered++;
    this.units.offered += order.units;
    this.offeredValueCents += order.valueCents;
  }

  /** A checkout's answer reached the channel (accepted, stockout or shed). */
  answered(latencyUs: number): void {
    this.acceptance.recordUs(latencyUs);
  }

  accept(order: Order): void {
    this.orders.accepted++;
    this.units.accepted += order.units;
  }

  ship(order: Order): void {
    this.orders.fulfilled++;
    this.units.shipped += order.units;
  }

  cancel(shortUnits: number): void {
    this.orders.cancelled++;
    this.units.oversold += shortUnits;
  }

  returnReceived(qty: number, damaged: boolean): void {
    this.units.returned += qty;
    if (damaged) this.units.damaged += qty;
    else this.units.restocked += qty;
  }

  returnReconciled(ms: number): void {
    this.reconciled.count++;
    this.reconciled.totalMs += ms;
    this.reconciled.maxMs = Math.max(this.reconciled.maxMs, ms);
  }

  /** Orders accepted whose payment or pick had not happened when the run stopped (live mode's deadline). */
  private unfinished(): number {
    const { accepted, abandoned, paymentFailed, lapsed, fulfilled, cancelled } = this.orders;
    return accepted - abandoned - paymentFailed - lapsed - fulfilled - cancelled;
  }

  report(
    strategy: StrategyName,
    queues: { queueDepthMax: number; shardQueueDepthMax: number | null },
    unexpectedRefusals: number,
  ): Omit<StrategyReport, 'eventsRun'> {
    const orders = { ...this.orders, unfinished: this.unfinished() };
    const averageOrderValueCents = orders.offered === 0 ? 0 : Math.round(this.offeredValueCents / orders.offered);
    const stockoutRate = ratio(orders.stockouts + orders.cancelled, orders.offered);
    return {
      strategy,
      orders,
      units: { ...this.units },
      fulfilmentExceptionRate: ratio(orders.cancelled, orders.fulfilled + orders.cancelled),
      inventoryAccuracy: round6(
        this.timeline.reduce((sum, point) => sum + point.accuracy, 0) / Math.max(1, this.timeline.length),
      ),
      returnsReconcileMs: {
        count: this.reconciled.count,
        mean: this.reconciled.count === 0 ? 0 : round6(this.reconciled.totalMs / this.reconciled.count),
        max: round6(this.reconciled.maxMs),
      },
      stockoutRate,
      averageOrderValueCents,
      lostRevenueCents: Math.round(stockoutRate * averageOrderValueCents * orders.offered),
      acceptanceLatencyMs: this.acceptance.percentilesMs(),
      queueDepthMax: queues.queueDepthMax,
      shardQueueDepthMax: queues.shardQueueDepthMax,
      unexpectedRefusals,
      timeline: this.timeline,
    };
  }
}
