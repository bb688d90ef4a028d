import { Random } from '../kernel/random.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunCatalogue } from './catalogue.js';
import { RunMetrics } from './run-metrics.js';
import { type Shelf } from './shelf.js';
import type { PickLine, Strategy } from './strategy.js';
import { orders, type Order } from './traffic.js';
import type { Scheduler, StrategyReport } from './types.js';

const US_PER_MS = 1000;

/** The random streams of a run: the same seed gives every strategy the same customers and lags. */
export interface RunStreams {
  traffic: Random;
  latency: Random;
}

export function streamsOf(seed: number): RunStreams {
  const root = new Random(seed);
  return { traffic: root.fork(), latency: root.fork() };
}

export interface StrategyRunOptions {
  scenario: Scenario;
  catalogue: RunCatalogue;
  scheduler: Scheduler;
  streams: RunStreams;
  shelf: Shelf;
  strategy: Strategy;
  sampleIntervalMs: number;
  /** Virtual time: lets the engine expire due holds (its own timer runs in real time). */
  expireDue: (() => void) | null;
  /** Runs the scheduler until nothing is left to do; how many actions ran. */
  drive: () => Promise<number>;
  onProgress?: (fraction: number) => void;
}

/**
 * Serves the scenario's customers with one strategy: checkout, abandonment, payment, the pick at
 * the shelf (where an oversell shows: a paid line the shelf cannot supply), returns, ERP counts,
 * and a timeline sample every `sampleIntervalMs`.
 */
export async function runStrategy(options: StrategyRunOptions): Promise<StrategyReport> {
  const { strategy, scenario } = options;
  const metrics = new RunMetrics();
  await strategy.start();
  const customers = new Customers(options, metrics);
  customers.scheduleArrivals(orders(scenario, options.catalogue, options.streams.traffic));
  scheduleCounts(options);
  scheduleSamples(options, metrics);
  scheduleExpiry(options);
  scheduleProgress(options);
  const eventsRun = await options.drive();
  await strategy.finish();
  const queues = { queueDepthMax: strategy.queueDepthMax(), shardQueueDepthMax: strategy.shardQueueDepthMax() };
  return { ...metrics.report(strategy.name, queues, strategy.unexpectedRefusals()), eventsRun };
}

/** Every customer's path through checkout, payment, the pick and returns. */
class Customers {
  constructor(
    private readonly options: StrategyRunOptions,
    private readonly metrics: RunMetrics,
  ) {}

  scheduleArrivals(queue: Iterator<Order>): void {
    const next = queue.next();
    if (next.done === true) return;
    const order = next.value;
    this.options.scheduler.at(order.arrivalMs * US_PER_MS, () => {
      this.arrive(order);
      this.scheduleArrivals(queue);
    });
  }

  private arrive(order: Order): void {
    const { scheduler, strategy } = this.options;
    const sentUs = scheduler.timeUs;
    this.metrics.offer(order);
    strategy.checkout(order, (outcome) => {
      this.metrics.answered(scheduler.timeUs - sentUs);
      if (outcome === 'stockout') this.metrics.orders.stockouts++;
      else if (outcome === 'shed') this.metrics.orders.shed++;
      else this.accepted(order);
    });
  }

  private accepted(order: Order): void {
    const { scheduler, strategy } = this.options;
    this.metrics.accept(order);
    if (order.abandons) {
      this.metrics.orders.abandoned++;
      strategy.abandon(order);
      return;
    }
    scheduler.after(order.paymentDelayMs * US_PER_MS, () => {
      if (order.paymentSucceeds) strategy.pay(order, (picks) => this.paid(order, picks));
      else {
        this.metrics.orders.paymentFailed++;
        strategy.paymentFailed(order);
      }
    });
  }

  private paid(order: Order, picks: PickLine[] | null): void {
    if (picks === null) {
      this.metrics.orders.lapsed++;
      return;
    }
    this.metrics.orders.paid++;
    for (const pick of picks) this.options.shelf.promise(pick.skuIndex, pick.qty);
    this.options.scheduler.after(order.fulfilmentDelayMs * US_PER_MS, () => this.pick(order, picks));
  }

  /** The warehouse picks every line, or cancels the order when the shelf is short. */
  private pick(order: Order, picks: PickLine[]): void {
    const { shelf, strategy } = this.options;
    for (const pick of picks) shelf.promise(pick.skuIndex, -pick.qty);
    const shortUnits = this.shortUnits(picks);
    if (shortUnits > 0) {
      this.metrics.cancel(shortUnits);
      strategy.cancelled(order, picks);
      return;
    }
    strategy.ship(order, picks, () => this.dispatched(order, picks));
  }

  /** The units leave the shelf; if they went meanwhile, the order is short after all (an oversell). */
  private dispatched(order: Order, picks: PickLine[]): void {
    const shortUnits = this.shortUnits(picks);
    if (shortUnits > 0) {
      this.metrics.cancel(shortUnits);
      return;
    }
    for (const pick of picks) this.options.shelf.take(pick.skuIndex, pick.position, pick.qty);
    this.metrics.ship(order);
    this.scheduleReturns(order, picks);
  }

  private shortUnits(picks: PickLine[]): number {
    const { shelf } = this.options;
    return picks.reduce((sum, pick) => sum + Math.max(0, pick.qty - shelf.unitsAt(pick.position)), 0);
  }

  private scheduleReturns(order: Order, picks: PickLine[]): void {
    const { scheduler, shelf, strategy } = this.options;
    for (const plan of order.returns) {
      scheduler.after(plan.delayMs * US_PER_MS, () => {
        const receivedAtUs = scheduler.timeUs;
        for (const pick of picks.filter((p) => p.line === plan.line)) {
          if (!plan.damaged) shelf.put(pick.skuIndex, pick.position, pick.qty);
          this.metrics.returnReceived(pick.qty, plan.damaged);
          strategy.returned({ order, pick, damaged: plan.damaged, receivedAtUs }, (atUs) =>
            this.metrics.returnReconciled((atUs - receivedAtUs) / US_PER_MS),
          );
        }
      });
    }
  }
}

/**
 * ERP/WMS counts: the shelf counted every `intervalMs`, delivered `lagMs` later. A count as of
 * millisecond T is taken at the last microsecond of T: it includes every movement of T, as the
 * engine's sync does (movements at asOf are in the count).
 */
function scheduleCounts({ scenario, scheduler, shelf, strategy }: StrategyRunOptions): void {
  if (scenario.erp === null) return;
  const { intervalMs, lagMs } = scenario.erp;
  for (let atMs = Math.floor(intervalMs); atMs <= scenario.durationMs; atMs = Math.floor(atMs + intervalMs)) {
    scheduler.at((atMs + 1) * US_PER_MS - 1, () => {
      const counts = shelf.count();
      scheduler.after(lagMs * US_PER_MS, () => strategy.counted(counts, atMs * US_PER_MS));
    });
  }
}

function scheduleSamples(
  { scenario, scheduler, shelf, strategy, sampleIntervalMs }: StrategyRunOptions,
  metrics: RunMetrics,
): void {
  let offered = 0;
  let accepted = 0;
  for (let atMs = 0; atMs <= scenario.durationMs; atMs += sampleIntervalMs) {
    scheduler.at(atMs * US_PER_MS, () => {
      const seconds = atMs === 0 ? 1 : sampleIntervalMs / 1000;
      strategy.refresh();
      metrics.timeline.push({
        tMs: atMs,
        queueDepth: strategy.queueDepth(),
        availableUnits: strategy.availableUnits(),
        sellableUnits: shelf.sellableUnits(),
        offeredPerSecond: (metrics.orders.offered - offered) / seconds,
        acceptedPerSecond: (metrics.orders.accepted - accepted) / seconds,
        accuracy: Math.round(shelf.accuracy() * 1e6) / 1e6,
      });
      offered = metrics.orders.offered;
      accepted = metrics.orders.accepted;
    });
  }
}

/** Ticks the engine's expiry once a simulated second, until the last hold's TTL has passed. */
function scheduleExpiry({ scenario, scheduler, expireDue }: StrategyRunOptions): void {
  if (expireDue === null) return;
  const endMs = scenario.durationMs + scenario.abandonment.holdTtlMs + 1000;
  for (let atMs = 1000; atMs <= endMs; atMs += 1000) scheduler.at(atMs * US_PER_MS, expireDue);
}

function scheduleProgress({ scenario, scheduler, onProgress }: StrategyRunOptions): void {
  if (onProgress === undefined) return;
  for (let step = 1; step <= 100; step++) scheduler.at(scenario.durationMs * step * 10, () => onProgress(step / 100));
}
