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
  /** Engine refusals that should never happen (a fulfil of a committed hold refused…). */
  unexpectedRefusals: number;
  /** The most operations queued on one modelled shard (the bounded queue the SLO is about). */
  queueDepthMax: number;
  /** p99 within the SLO, nothing oversold, nothing shed, no unexpected refusal. */
  meetsSlo: boolean;
}

/** For one shard count (and latency), the capacity the sweep found. */
export interface PlanCapacity {
  shards: number;
  latencyMs: number | null;
  /**
   * The highest swept rate that met the SLO with every lower swept rate meeting it too; null when
   * the lowest did not. A rate that passes above a failure is luck, not capacity.
   */
  maxRatePerSecond: number | null;
  /** The highest swept rate that met the SLO at all (above maxRatePerSecond: the curve is not monotone). */
  highestPassingRatePerSecond: number | null;
}

export interface PlanResult {
  scenario: string;
  seed: number;
  sloP99Ms: number;
  serviceUsPerOp: number;
  /** Simulated time each point ran (the traffic's duration), ms. */
  durationMs: number;
  points: PlanPoint[];
  capacity: PlanCapacity[];
}
