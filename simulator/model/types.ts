import type { Engine } from '../../engine/api/engine.js';

/** The engine operations the simulator drives: an embedded engine and the remote client both have them. */
export type AllocationApi = Pick<
  Engine,
  | 'reserve'
  | 'commit'
  | 'release'
  | 'fulfil'
  | 'restock'
  | 'receive'
  | 'adjust'
  | 'sync'
  | 'syncMany'
  | 'get'
  | 'getReservation'
  | 'expireDue'
>;

/**
 * What strategies schedule on: virtual time (the kernel, deterministic) or real time (live mode).
 * Times are whole microseconds since the run started.
 */
export interface Scheduler {
  readonly timeUs: number;
  /** Runs `action` at `atUs` (not in the past). */
  at(atUs: number, action: () => void): void;
  /** Runs `action` `delayUs` from now. */
  after(delayUs: number, action: () => void): void;
  /**
   * The running action made an engine call: call the returned function in the call's `.then`.
   * In virtual time the answer then lands at the action's time; in real time it does nothing.
   */
  expectAnswer(): () => void;
}

export type StrategyName = 'naive' | 'holdfast';
export type RunMode = 'virtual' | 'live';

/** Latency percentiles from an hdr histogram, in milliseconds. */
export interface LatencyPercentilesMs {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** One sample of a run's state over time (every `sampleIntervalMs` of simulated time). */
export interface TimelinePoint {
  tMs: number;
  /** Messages between channels and the inventory system not yet delivered (requests in flight, lagging events). */
  queueDepth: number;
  /**
   * Units the system would sell now, summed over every SKU (holdfast: the engine's; naive: the channels' mean cache).
   */
  availableUnits: number;
  /** The truth: units physically on the shelf and not yet promised to a paid order, summed over every SKU. */
  sellableUnits: number;
  /** Orders offered and accepted since the previous point, per second. */
  offeredPerSecond: number;
  acceptedPerSecond: number;
  /** Share of positions whose recorded on-hand equals the physical count at this instant (0..1). */
  accuracy: number;
}

/** What one strategy did with the scenario's traffic (issue 6 §3). */
export interface StrategyReport {
  strategy: StrategyName;
  orders: {
    offered: number;
    /** Accepted at checkout (holdfast: a hold; naive: the channel's cache had the units). */
    accepted: number;
    /** Refused at checkout for lack of stock. */
    stockouts: number;
    /** Refused because the engine shed load (OVERLOADED) or could not answer. */
    shed: number;
    abandoned: number;
    paymentFailed: number;
    /** Paid after the hold had lapsed (its TTL passed first): lost. */
    lapsed: number;
    /** Paid for: committed. */
    paid: number;
    /** Shipped in full. */
    fulfilled: number;
    /** Paid orders cancelled at fulfilment because a line had no stock on the shelf. */
    cancelled: number;
    /** Accepted orders not yet through payment and the pick when the run stopped (0 in virtual time). */
    unfinished: number;
  };
  units: {
    offered: number;
    accepted: number;
    shipped: number;
    /** Units promised to paid orders that the shelf could not supply: the oversell. */
    oversold: number;
    returned: number;
    restocked: number;
    damaged: number;
  };
  /** cancelled / fulfilment attempts (0 when there were none). */
  fulfilmentExceptionRate: number;
  /** Mean over the timeline of the share of positions whose record matches the shelf. */
  inventoryAccuracy: number;
  /** Receipt of a return → its units sellable in every channel's view. */
  returnsReconcileMs: { count: number; mean: number; max: number };
  /** (stockouts + cancellations) / offered. */
  stockoutRate: number;
  averageOrderValueCents: number;
  /** stockoutRate × averageOrderValueCents × offered (issue 6 §3). */
  lostRevenueCents: number;
  /** Checkout → the channel knows the answer (accepted, stockout or shed: every answer counts). */
  acceptanceLatencyMs: LatencyPercentilesMs;
  queueDepthMax: number;
  /** The most operations queued on one modelled shard (virtual time with shards; null otherwise). */
  shardQueueDepthMax: number | null;
  /** Scheduler actions the run took (virtual time: the kernel's events; a measure of the simulator's own work). */
  eventsRun: number;
  /** Engine refusals that should never happen (a fulfil of a committed hold refused…): expected 0. */
  unexpectedRefusals: number;
  timeline: TimelinePoint[];
}

/** A run's report: the same traffic through each strategy. Byte-identical JSON for the same seed in virtual mode. */
export interface SimulationResult {
  scenario: string;
  seed: number;
  mode: RunMode;
  durationMs: number;
  /** Shards and per-shard service time the engine was modelled (virtual) or run (live) with. */
  engine: { shards: number; serviceUsPerOp: number; maxInFlightOpsPerShard: number };
  strategies: StrategyReport[];
}

/** Where a run's engine calls are written as a trace (`--record`): t in ms since the run started. */
export interface CallRecorder {
  record(tMs: number, op: string, request: object): void;
}
