/** One point of a capacity sweep: the scenario at one offered rate, shard count and injected latency. */
export interface PlanPoint {
  /** Peak offered orders per second. */
  ratePerSecond: number;
  shards: number;
  /** Injected one-way latency on the channel ↔ engine hops, in ms (null: the scenario's own model). */
  latencyMs: number | null;
  /** Acceptance latency at the 99th percentile, ms. */
  p99Ms: number;
  p50Ms: number;
  acceptedPerSecond: number;
  oversoldUnits: number;
  /** Orders refused because a shard's queue was full. */
  shedOrders: number;
  queueDepthMax: number;
  /** p99 within the SLO, nothing oversold, nothing shed. */
  meetsSlo: boolean;
}

/** For one shard count (and latency), the highest swept rate that met the SLO; null when none did. */
export interface PlanCapacity {
  shards: number;
  latencyMs: number | null;
  maxRatePerSecond: number | null;
}

export interface PlanResult {
  scenario: string;
  seed: number;
  sloP99Ms: number;
  serviceUsPerOp: number;
  points: PlanPoint[];
  capacity: PlanCapacity[];
}
