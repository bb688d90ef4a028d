import { Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';
import type { Engine } from '../api/engine.js';
import type { ShardStats } from '../api/types.js';
import type { AuthFailureReason } from './auth-throttle.js';

/**
 * Why the gateway pushed back on a client: paused a reader at its pending limit, stopped reading
 * one whose replies wait unsent (buffer_paused), dropped a slow consumer, answered overloaded,
 * refused a socket at the connection limit, or closed a socket that had not upgraded to make
 * room for a new one (connection_displaced).
 */
export type BackpressureKind =
  'paused' | 'buffer_paused' | 'slow_consumer' | 'overloaded' | 'connection_limit' | 'connection_displaced';

/**
 * The gateway's Prometheus metrics, in a registry of its own (two gateways in one process do
 * not collide). Label children are cached per (method, outcome); counting a request still costs
 * a few percent of the gateway thread (docs/benchmarks.md, "What limits each path").
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'method' | 'outcome'>;
  private readonly reserveLatency: Histogram;
  private readonly backpressure: Counter<'kind'>;
  private authFailures: Counter<'reason'> | null = null;
  /** method → outcome → counter child: no key string built per request. */
  private readonly children = new Map<string, Map<string, { inc: (value?: number) => void }>>();
  private readonly principals: PrincipalMetrics;

  constructor(engine: Engine, connections: () => number) {
    const registers = [this.registry];
    this.operations = new Counter({
      name: 'holdfast_operations_total',
      help: 'Requests answered, by method and outcome (ok, a refusal code, or a JSON-RPC error)',
      labelNames: ['method', 'outcome'],
      registers,
    });
    this.reserveLatency = new Histogram({
      name: 'holdfast_reserve_latency_seconds',
      help: 'reserve: from the request being dispatched to the engine answering',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.backpressure = new Counter({
      name: 'holdfast_backpressure_events_total',
      help:
        'Times the gateway pushed back: paused a reader, dropped a ' +
        'slow consumer, answered overloaded, refused a connection',
      labelNames: ['kind'],
      registers,
    });
    shardGauge(
      registers,
      'holdfast_shard_queue_depth',
      'Operations accepted by a shard and not yet answered',
      engine,
      (shard) => shard.queueDepth,
    );
    shardGauge(
      registers,
      'holdfast_shard_healthy',
      'Whether a shard serves (0 while its worker is replaced, it is stopped after a storage failure, or it gave up)',
      engine,
      (shard) => (shard.healthy ? 1 : 0),
    );
    shardGauge(
      registers,
      'holdfast_shard_storage_failures',
      'Journal or snapshot failures of a shard since start (each stopped it until it recovered from disk)',
      engine,
      (shard) => shard.storageFailures,
    );
    shardGauge(
      registers,
      'holdfast_shard_heap_used_bytes',
      "Old-generation heap in use in a shard's worker thread, as of its last reply",
      engine,
      (shard) => shard.heapUsedBytes,
    );
    this.principals = new PrincipalMetrics(registers);
    new Gauge({
      name: 'holdfast_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(connections());
      },
    });
  }

  count(method: string, outcome: string): void {
    childOf(this.children, method, outcome, () =>
      this.operations.labels({ method, outcome } as LabelValues<'method' | 'outcome'>),
    ).inc();
    if (outcome === 'overloaded') this.pushedBack('overloaded');
  }

  /** Counts one answered request under the name of the token that made it. */
  countPrincipal(principal: string, outcome: string): void {
    this.principals.count(principal, outcome);
  }

  /** After a token reload: drops the series of names no longer loaded (cardinality stays = tokens). */
  forgetPrincipals(keep: ReadonlySet<string>): void {
    this.principals.forget(keep);
  }

  tokensReloaded(outcome: 'ok' | 'failed'): void {
    this.principals.reloaded(outcome);
  }

  observeReserveSeconds(seconds: number): void {
    this.reserveLatency.observe(seconds);
  }

  pushedBack(kind: BackpressureKind): void {
    this.backpressure.inc({ kind });
  }

  /** The connection guard's metrics: failed upgrades by reason, and sockets that have not upgraded yet. */
  addConnectionGuard(waitingSockets: () => number): void {
    const registers = [this.registry];
    this.authFailures = new Counter({
      name: 'holdfast_auth_failures_total',
      help: 'Failed upgrades: bad_token (401), timeout (no upgrade within authTimeoutMs), throttled (429)',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'holdfast_unauthenticated_sockets',
      help: 'TCP sockets that have not upgraded yet (they count against maxConnections)',
      registers,
      collect() {
        this.set(waitingSockets());
      },
    });
  }

  authFailed(reason: AuthFailureReason): void {
    this.authFailures?.inc({ reason });
  }
}

/** A gauge with one child per shard, read from the engine's stats when scraped. */
function shardGauge(
  registers: Registry[],
  name: string,
  help: string,
  engine: Engine,
  value: (shard: ShardStats) => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['shard'],
    registers,
    collect() {
      for (const shard of engine.stats().shards) this.set({ shard: String(shard.shard) }, value(shard));
    },
  });
}

/** Per-token series: requests by principal and outcome, and token reloads. */
class PrincipalMetrics {
  private readonly operations: Counter<'principal' | 'outcome'>;
  private readonly reloads: Counter<'outcome'>;
  /** principal → outcome → counter child. Bounded: names are the loaded tokens' (forget() drops the rest). */
  private readonly children = new Map<string, Map<string, { inc: (value?: number) => void }>>();

  constructor(registers: Registry[]) {
    this.operations = new Counter({
      name: 'holdfast_principal_operations_total',
      help: 'Requests answered, by the name of the token that made them and outcome',
      labelNames: ['principal', 'outcome'],
      registers,
    });
    this.reloads = new Counter({
      name: 'holdfast_token_reloads_total',
      help: 'Reloads of the tokens file, by outcome (ok, failed: the old tokens were kept)',
      labelNames: ['outcome'],
      registers,
    });
  }

  count(principal: string, outcome: string): void {
    childOf(this.children, principal, outcome, () =>
      this.operations.labels({ principal, outcome } as LabelValues<'principal' | 'outcome'>),
    ).inc();
  }

  forget(keep: ReadonlySet<string>): void {
    for (const [principal, byOutcome] of this.children) {
      if (keep.has(principal)) continue;
      for (const outcome of byOutcome.keys())
        this.operations.remove({ principal, outcome } as LabelValues<'principal' | 'outcome'>);
      this.children.delete(principal);
    }
  }

  reloaded(outcome: 'ok' | 'failed'): void {
    this.reloads.inc({ outcome });
  }
}

type CounterChild = { inc: (value?: number) => void };

/** The cached counter child of (first, second): no key string is built per request. */
function childOf(
  children: Map<string, Map<string, CounterChild>>,
  first: string,
  second: string,
  make: () => CounterChild,
): CounterChild {
  let bySecond = children.get(first);
  if (bySecond === undefined) {
    bySecond = new Map();
    children.set(first, bySecond);
  }
  let child = bySecond.get(second);
  if (child === undefined) {
    child = make();
    bySecond.set(second, child);
  }
  return child;
}
