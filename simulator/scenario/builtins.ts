import type { Scenario } from './schema.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/** What most scenarios share; each built-in changes what it is about. */
const BASE: Scenario = {
  name: 'base',
  description: '',
  durationMs: 10 * MINUTE_MS,
  catalogue: { skuCount: 1000, prefix: 'SKU', stock: { 'WH-1': 200 }, priceCents: 2500, hot: null },
  channels: [
    { name: 'web', share: 0.5 },
    { name: 'app', share: 0.3 },
    { name: 'marketplace', share: 0.2 },
  ],
  arrivals: { baselinePerSecond: 20, spike: null },
  orders: { linesMin: 1, linesMax: 3, qtyMin: 1, qtyMax: 2 },
  abandonment: { rate: 0.2, holdTtlMs: 15 * MINUTE_MS },
  payment: { successRate: 0.95, delay: { kind: 'lognormal', p50Ms: 2 * SECOND_MS, p99Ms: 20 * SECOND_MS } },
  fulfilment: { delay: { kind: 'lognormal', p50Ms: 2 * MINUTE_MS, p99Ms: 8 * MINUTE_MS } },
  returns: { rate: 0.05, delay: { kind: 'exponential', meanMs: 3 * MINUTE_MS }, damagedShare: 0.2 },
  erp: null,
  latency: {
    /** Channel back ends to the engine inside one data centre: half a millisecond, a 3 ms tail. */
    toEngine: { kind: 'lognormal', p50Ms: 0.5, p99Ms: 3 },
    fromEngine: { kind: 'lognormal', p50Ms: 0.5, p99Ms: 3 },
    events: { kind: 'lognormal', p50Ms: 500, p99Ms: 5 * SECOND_MS },
  },
  /** 2 shards at ~7 µs per operation: what `npm run bench:engine` measured per shard on a 2-core machine. */
  engine: { shards: 2, serviceUsPerOp: 7, maxInFlightOpsPerShard: 65_536 },
};

/** The scenarios `holdfast simulate --scenario <name>` knows (issue 6 §1). */
export const BUILT_IN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  'flash-sale': {
    ...BASE,
    name: 'flash-sale',
    description:
      'A drop: 20 scarce SKUs, traffic ramping from 20 to 5,000 ' +
      'orders/s in 10 s, held for a minute; carts held 2 minutes.',
    durationMs: 3 * MINUTE_MS,
    catalogue: { ...BASE.catalogue, hot: { count: 20, stock: { 'WH-1': 500 }, priceCents: 18_000, lineShare: 0.9 } },
    arrivals: {
      baselinePerSecond: 20,
      spike: { atMs: 30 * SECOND_MS, rampMs: 10 * SECOND_MS, peakPerSecond: 5000, holdMs: MINUTE_MS },
    },
    orders: { linesMin: 1, linesMax: 2, qtyMin: 1, qtyMax: 2 },
    abandonment: { rate: 0.3, holdTtlMs: 2 * MINUTE_MS },
  },
  'steady-omnichannel': {
    ...BASE,
    name: 'steady-omnichannel',
    description: 'An ordinary day across web, app, marketplace and stores: steady traffic, no spike.',
    channels: [...BASE.channels, { name: 'store', share: 0.1 }],
    arrivals: { baselinePerSecond: 50, spike: null },
  },
  'multi-location': {
    ...BASE,
    name: 'multi-location',
    description: 'Stock spread thin over three warehouses and two stores: orders need placement and splits.',
    catalogue: {
      ...BASE.catalogue,
      stock: { 'WH-EAST': 60, 'WH-WEST': 60, 'WH-NORTH': 40, 'STORE-1': 10, 'STORE-2': 10 },
    },
    orders: { linesMin: 1, linesMax: 5, qtyMin: 1, qtyMax: 4 },
  },
  'returns-drift': {
    ...BASE,
    name: 'returns-drift',
    description: 'High return rates and a slow returns loop: stock that comes back late, some of it damaged.',
    returns: {
      rate: 0.3,
      delay: { kind: 'lognormal', p50Ms: 2 * MINUTE_MS, p99Ms: 8 * MINUTE_MS },
      damagedShare: 0.35,
    },
  },
  'erp-batch': {
    ...BASE,
    name: 'erp-batch',
    description:
      'An ERP that counts every 5 minutes and delivers its counts 90 s late, ' +
      'over lagging event queues, while 200 thinly stocked SKUs sell out.',
    catalogue: { ...BASE.catalogue, skuCount: 200, stock: { 'WH-1': 40 } },
    erp: { intervalMs: 5 * MINUTE_MS, lagMs: 90 * SECOND_MS },
    latency: { ...BASE.latency, events: { kind: 'lognormal', p50Ms: 5 * SECOND_MS, p99Ms: 60 * SECOND_MS } },
  },
};
