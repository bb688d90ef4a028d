import { defined } from '../../shared/invariant.js';
import { sampleLatencyUs, type LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import { arrivalTimesMs } from '../scenario/arrivals.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunCatalogue, SkuSpec } from './catalogue.js';

export interface OrderLine {
  sku: SkuSpec;
  qty: number;
}

/** A line's return, decided when the order is drawn (so both strategies see the same customers). */
export interface ReturnPlan {
  line: number;
  delayMs: number;
  damaged: boolean;
}

/** One customer's order, and everything the customer will do with it. */
export interface Order {
  index: number;
  /** `o<index>`: the reservation id, stable across strategies and runs. */
  id: string;
  arrivalMs: number;
  channel: string;
  lines: OrderLine[];
  valueCents: number;
  units: number;
  abandons: boolean;
  paymentDelayMs: number;
  paymentSucceeds: boolean;
  fulfilmentDelayMs: number;
  returns: ReturnPlan[];
}

function drawMs(model: LatencyModel, random: Random): number {
  return sampleLatencyUs(model, random) / 1000;
}

/** Channel names and their cumulative shares, for a draw by share. */
function channelPicker(channels: Scenario['channels']): (random: Random) => string {
  const total = channels.reduce((sum, channel) => sum + channel.share, 0);
  let running = 0;
  const cumulative = channels.map((channel) => (running += channel.share / total));
  return (random) => {
    const u = random.float();
    const index = cumulative.findIndex((bound) => u < bound);
    return defined(channels[index === -1 ? channels.length - 1 : index], 'a scenario has a channel').name;
  };
}

function pickSku(catalogue: RunCatalogue, hotShare: number, random: Random): SkuSpec {
  const { hotSkus, coldSkus } = catalogue;
  if (hotSkus.length > 0 && (coldSkus.length === 0 || random.chance(hotShare))) return random.pick(hotSkus);
  return random.pick(coldSkus);
}

/** The order's lines: distinct SKUs (a SKU drawn twice adds to its line). */
function drawLines(scenario: Scenario, catalogue: RunCatalogue, random: Random): OrderLine[] {
  const { linesMin, linesMax, qtyMin, qtyMax } = scenario.orders;
  const hotShare = scenario.catalogue.hot?.lineShare ?? 0;
  const lines: OrderLine[] = [];
  for (let count = random.int(linesMin, linesMax); count > 0; count--) {
    const sku = pickSku(catalogue, hotShare, random);
    const qty = random.int(qtyMin, qtyMax);
    const existing = lines.find((line) => line.sku === sku);
    if (existing === undefined) lines.push({ sku, qty });
    else existing.qty += qty;
  }
  return lines;
}

function drawReturns(scenario: Scenario, lines: OrderLine[], random: Random): ReturnPlan[] {
  const plans: ReturnPlan[] = [];
  lines.forEach((_, line) => {
    if (!random.chance(scenario.returns.rate)) return;
    plans.push({
      line,
      delayMs: drawMs(scenario.returns.delay, random),
      damaged: random.chance(scenario.returns.damagedShare),
    });
  });
  return plans;
}

/**
 * The run's customers, in arrival order, drawn from one random stream: the same seed gives the
 * same orders, whichever strategy serves them. Lazy, so a million orders are never all in memory.
 */
export function* orders(scenario: Scenario, catalogue: RunCatalogue, random: Random): Generator<Order> {
  const pickChannel = channelPicker(scenario.channels);
  const arrivalRandom = random.fork();
  let index = 0;
  for (const arrivalMs of arrivalTimesMs(scenario.arrivals, scenario.durationMs, arrivalRandom)) {
    const channel = pickChannel(random);
    const lines = drawLines(scenario, catalogue, random);
    yield {
      index,
      id: `o${index}`,
      arrivalMs,
      channel,
      lines,
      valueCents: lines.reduce((sum, line) => sum + line.qty * line.sku.priceCents, 0),
      units: lines.reduce((sum, line) => sum + line.qty, 0),
      abandons: random.chance(scenario.abandonment.rate),
      paymentDelayMs: drawMs(scenario.payment.delay, random),
      paymentSucceeds: random.chance(scenario.payment.successRate),
      fulfilmentDelayMs: drawMs(scenario.fulfilment.delay, random),
      returns: drawReturns(scenario, lines, random),
    };
    index++;
  }
}
