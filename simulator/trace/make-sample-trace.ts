/**
 * Generates the sample trace shipped in simulator/traces/sample.ndjson: a small flash sale,
 * recorded from a run of the engine (shards 0) on the virtual kernel, so every commit and
 * fulfil follows a hold that was granted. Deterministic (seeded); to regenerate:
 *
 *   npm run build && node dist/simulator/trace/make-sample-trace.js [simulator/traces/sample.ndjson]
 */
import { pathToFileURL } from 'node:url';
import { defined } from '../../shared/invariant.js';
import { createEngine } from '../../engine/engine.js';
import type { LineRequest } from '../../engine/api/types.js';
import { Kernel } from '../kernel/kernel.js';
import { Random } from '../kernel/random.js';
import type { AllocationApi } from '../model/types.js';
import type { TraceOp, TraceRequest } from './schema.js';
import { traceEventToCall, type TraceAnswer } from './trace-calls.js';
import { eventFromCall, TraceWriter, type TraceRecorder } from './trace-writer.js';

export const SAMPLE_TRACE_PATH = 'simulator/traces/sample.ndjson';
export const SAMPLE_TRACE_SEED = 20261206;

const LOCATIONS = ['DC-EAST', 'DC-WEST'] as const;

/** SKU, units received per location at t = 0, and its share of the demand. */
const CATALOGUE = [
  { sku: 'SNKR-DROP-42', stock: [15, 10], demand: 0.35 },
  { sku: 'SNKR-DROP-43', stock: [12, 8], demand: 0.25 },
  { sku: 'HOODIE-LTD-M', stock: [30, 20], demand: 0.2 },
  { sku: 'CAP-LTD', stock: [40, 40], demand: 0.12 },
  { sku: 'SOCKS-3PK', stock: [200, 150], demand: 0.08 },
] as const;

const CHANNELS = [
  { channel: 'web', share: 0.5, ttlMs: 5_000 },
  { channel: 'app', share: 0.3, ttlMs: 5_000 },
  { channel: 'marketplace', share: 0.2, ttlMs: 8_000 },
] as const;

const SALE_END_MS = 10_000;
const RETURN_CONDITIONS = ['sellable', 'damaged'] as const;
/** Mean gap between orders (ms): a spike from 2 s to 5 s. */
const orderGapMs = (tMs: number): number => (tMs >= 2_000 && tMs < 5_000 ? 25 : 80);

/** The trace's issuer: records each call at the kernel's time, then makes it. */
class RecordingClient {
  constructor(
    private readonly api: AllocationApi,
    private readonly kernel: Kernel,
    private readonly recorder: TraceRecorder,
  ) {}

  get nowMs(): number {
    return this.kernel.timeUs / 1000;
  }

  issue<Op extends TraceOp>(op: Op, request: TraceRequest<Op>): Promise<TraceAnswer> {
    this.recorder.record(this.nowMs, op, request);
    return traceEventToCall(eventFromCall(this.nowMs, op, request))(this.api);
  }

  /** Issues at `atMs` on the kernel; `then` gets the answer. */
  at<Op extends TraceOp>(
    atMs: number,
    op: Op,
    request: TraceRequest<Op>,
    then: (answer: TraceAnswer) => void = () => {},
  ): void {
    this.kernel.at(Math.round(atMs * 1000), () => {
      const answered = this.kernel.expectAnswer();
      void this.issue(op, request).then((answer) => {
        answered();
        then(answer);
      });
    });
  }
}

/** Records the sample flash sale through `recorder`, driving `api` on `kernel` (both fresh). */
export async function recordSampleTrace(
  api: AllocationApi,
  kernel: Kernel,
  recorder: TraceRecorder,
  seed = SAMPLE_TRACE_SEED,
): Promise<void> {
  const client = new RecordingClient(api, kernel, recorder);
  const random = new Random(seed);
  const arrivals = random.fork();
  const shoppers = random.fork();
  scheduleStock(client);
  scheduleHousekeeping(client);
  const shipped = { count: 0 };
  let orders = 0;
  for (
    let tMs = roundUs(arrivals.exponential(orderGapMs(0)));
    tMs < SALE_END_MS;
    tMs = roundUs(tMs + arrivals.exponential(orderGapMs(tMs)))
  ) {
    const id = `o-${String(++orders).padStart(4, '0')}`;
    const { channel, ttlMs } = pickShare(shoppers, CHANNELS);
    const lines = orderLines(shoppers);
    client.at(tMs, 'reserve', { id, channel, ttlMs, lines }, (answer) => {
      if (answer.ok)
        checkout(client, shoppers, { id, ttlMs, sku: defined(lines[0], 'an order has a line').sku }, shipped);
    });
  }
  await kernel.run();
}

/** Stock received at t = 0, a late inbound delivery, an ERP count and a damage write-off. */
function scheduleStock(client: RecordingClient): void {
  for (const { sku, stock } of CATALOGUE) {
    LOCATIONS.forEach((location, index) =>
      client.at(0, 'receive', { sku, location, qty: defined(stock[index], `${sku} stock at ${location}`) }),
    );
  }
  client.at(4_500, 'adjust', { sku: 'SOCKS-3PK', location: 'DC-EAST', delta: -2, reason: 'damaged in picking' });
  client.at(6_000, 'sync', { sku: 'SOCKS-3PK', location: 'DC-WEST', onHand: 152, asOf: 5_500 });
  client.at(7_000, 'receive', { sku: 'SNKR-DROP-42', location: 'DC-WEST', qty: 6 });
}

/** The expiry sweep every 2 s and a storefront reading the hottest SKU. */
function scheduleHousekeeping(client: RecordingClient): void {
  for (let tMs = 2_000; tMs <= 16_000; tMs += 2_000) {
    client.at(tMs, 'expireDue', {});
    client.at(tMs + 1, 'get', { sku: 'SNKR-DROP-42' });
  }
}

/** One or two lines (distinct SKUs), mostly one unit, a fifth of them at a named location. */
function orderLines(random: Random): LineRequest[] {
  const count = random.chance(0.2) ? 2 : 1;
  const lines: LineRequest[] = [];
  while (lines.length < count) {
    const { sku } = pickShare(
      random,
      CATALOGUE.map((item) => ({ ...item, share: item.demand })),
    );
    if (lines.some((line) => line.sku === sku)) continue;
    const qty = random.chance(0.15) ? 2 : 1;
    lines.push(random.chance(0.2) ? { sku, qty, location: random.pick(LOCATIONS) } : { sku, qty });
  }
  return lines;
}

interface Order {
  id: string;
  ttlMs: number;
  /** The SKU of its first line (what comes back if it is returned). */
  sku: string;
}

/**
 * A granted hold: paid (70%, then mostly shipped), given back (12%) or abandoned; a quarter of
 * the abandoned come back to pay after their hold expired (refused: INVALID_STATE).
 */
function checkout(client: RecordingClient, random: Random, order: Order, shipped: { count: number }): void {
  const roll = random.float();
  const now = client.nowMs;
  const { id } = order;
  if (roll < 0.7) {
    const ships = random.chance(0.9);
    const shipAfterMs = random.int(1_000, 4_000);
    client.at(now + random.int(300, 3_000), 'commit', { id }, (answer) => {
      if (!answer.ok || !ships) return;
      client.at(client.nowMs + shipAfterMs, 'fulfil', { id }, (fulfilled) => {
        if (fulfilled.ok) scheduleReturn(client, id, order.sku, shipped.count++);
      });
    });
  } else if (roll < 0.82) {
    client.at(now + random.int(200, 2_000), 'release', { id });
  } else if (random.chance(0.25)) {
    client.at(now + order.ttlMs + random.int(2_000, 4_000), 'commit', { id });
  }
}

/** The first two shipments come back 3 s later to the returns desk: one resaleable, one damaged. */
function scheduleReturn(client: RecordingClient, reservationId: string, sku: string, returnsSoFar: number): void {
  const condition = RETURN_CONDITIONS[returnsSoFar];
  if (condition === undefined) return;
  const atMs = client.nowMs + 3_000;
  client.at(atMs, 'restock', {
    sku,
    location: 'DC-EAST',
    qty: 1,
    condition,
    reservationId,
    receivedAt: Math.floor(atMs) - 300,
  });
}

function pickShare<T extends { share: number }>(random: Random, items: readonly T[]): T {
  let roll = random.float() * items.reduce((sum, item) => sum + item.share, 0);
  for (const item of items) {
    roll -= item.share;
    if (roll < 0) return item;
  }
  return defined(items.at(-1), 'pickShare from an empty list');
}

function roundUs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

async function main(path: string): Promise<void> {
  const kernel = new Kernel();
  const engine = await createEngine({ shards: 0, clock: kernel.clock, expirySweepIntervalMs: 0 });
  const writer = await TraceWriter.open(path);
  try {
    await recordSampleTrace(engine, kernel, writer);
  } finally {
    await writer.close();
    await engine.close();
  }
  console.log(`wrote ${path}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv[2] ?? SAMPLE_TRACE_PATH);
}
