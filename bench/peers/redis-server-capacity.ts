import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { check, opsPerSecond, type CaseResult } from '../harness/case-result.js';
import { parseRedisBenchmarkCsv, type RedisBenchmarkFigures } from './redis-benchmark-output.js';
import { RESERVE_LUA } from './redis-load.js';

const run = promisify(execFile);

/** redis-benchmark writes a random number in 0..r-1, 12 digits zero-padded, over each occurrence of this. */
const RAND_INT = '__rand_int__';
/**
 * Occurrences in a hold key, each drawn on its own: (10^4)^4 = 10^16 ids, so ~1M calls expect 5·10^-5 duplicates
 * (a duplicate returns 2 and holds nothing). Two occurrences (10^8) would give thousands.
 */
const HOLD_KEY_RAND_INTS = 4;
const SETUP_CHUNK = 1000;
const SCAN_COUNT = 10_000;
const RUN_TIMEOUT_MS = 120_000;

export interface RedisCapacityPlan {
  url: string;
  /** The redis-benchmark binary. */
  binary: string;
  /** SKUs stocked, and redis-benchmark's keyspace (-r): `__rand_int__` in the SKU key draws one of them. */
  skus: number;
  unitsPerSku: number;
  /** -c and -P. */
  connections: number;
  pipeline: number;
  /** Calls of the unmeasured first run, which also sizes the measured one to `durationMs`. */
  warmupCalls: number;
  durationMs: number;
}

interface Session {
  client: Redis;
  prefix: string;
}

function skuKey(session: Session, sku: number): string {
  return `${session.prefix}stock:${String(sku).padStart(12, '0')}`;
}

/** The command redis-benchmark repeats: the ioredis peer's reserve script, 1 unit, a random SKU, a random hold id. */
/**
 * `run` names the redis-benchmark run in its hold keys: each run starts its random numbers from the
 * same seed (two runs drew the same ids: the measured run's first 50,000 calls duplicated the
 * warm-up's holds), so the runs must not share a key space.
 */
function reserveCommand(session: Session, sha: string, run: string): string[] {
  const hold = `${session.prefix}hold:${run}:${Array.from({ length: HOLD_KEY_RAND_INTS }, () => RAND_INT).join('.')}`;
  return ['EVALSHA', sha, '2', `${session.prefix}stock:${RAND_INT}`, hold, '1'];
}

/** redis-benchmark's options to reach the server at `url` (host, port, user, password, db). */
export function redisBenchmarkConnectionArgs(url: string): string[] {
  const parsed = new URL(url);
  const args = ['-h', parsed.hostname || '127.0.0.1', '-p', parsed.port || '6379'];
  if (parsed.username !== '') args.push('--user', decodeURIComponent(parsed.username));
  if (parsed.password !== '') args.push('-a', decodeURIComponent(parsed.password), '--no-auth-warning');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') args.push('--dbnum', db);
  return args;
}

async function runBenchmark(plan: RedisCapacityPlan, command: string[], calls: number): Promise<RedisBenchmarkFigures> {
  const args = [
    ...redisBenchmarkConnectionArgs(plan.url),
    ...['-c', String(plan.connections), '-P', String(plan.pipeline), '-r', String(plan.skus)],
    ...['-n', String(calls), '--csv', ...command],
  ];
  const { stdout } = await run(plan.binary, args, { timeout: RUN_TIMEOUT_MS, maxBuffer: 1 << 20 });
  return parseRedisBenchmarkCsv(stdout);
}

async function stock(session: Session, skus: number, units: number): Promise<void> {
  for (let start = 0; start < skus; start += SETUP_CHUNK) {
    const pipeline = session.client.pipeline();
    for (let sku = start; sku < Math.min(skus, start + SETUP_CHUNK); sku++)
      pipeline.hset(skuKey(session, sku), 'available', units, 'reserved', 0, 'committed', 0);
    await pipeline.exec();
  }
}

interface StockState {
  reservedUnits: number;
  availableUnits: number;
  /** SKUs with nothing left: none, and no reserve was refused for stock. */
  skusOut: number;
}

async function stockState(session: Session, skus: number): Promise<StockState> {
  const state = { reservedUnits: 0, availableUnits: 0, skusOut: 0 };
  for (let start = 0; start < skus; start += SETUP_CHUNK) {
    const pipeline = session.client.pipeline();
    for (let sku = start; sku < Math.min(skus, start + SETUP_CHUNK); sku++)
      pipeline.hmget(skuKey(session, sku), 'reserved', 'available');
    for (const [, value] of (await pipeline.exec()) ?? []) {
      const [reserved, available] = (value as [string, string]).map(Number) as [number, number];
      state.reservedUnits += reserved;
      state.availableUnits += available;
      if (available <= 0) state.skusOut += 1;
    }
  }
  return state;
}

/** Removes every key of the session (a shared server keeps nothing of ours); resolves with how many were holds. */
async function removeKeys(session: Session): Promise<number> {
  let holds = 0;
  let cursor = '0';
  do {
    const [next, keys] = await session.client.scan(cursor, 'MATCH', `${session.prefix}*`, 'COUNT', SCAN_COUNT);
    holds += keys.filter((key) => key.startsWith(`${session.prefix}hold:`)).length;
    if (keys.length > 0) await session.client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return holds;
}

interface CapacityRun {
  warmup: RedisBenchmarkFigures;
  measured: RedisBenchmarkFigures;
  measuredCalls: number;
  /** Reserved units after the warm-up and after the measured run: each call that held reserved 1. */
  before: StockState;
  after: StockState;
}

async function measure(plan: RedisCapacityPlan, session: Session): Promise<CapacityRun> {
  const sha = (await session.client.script('LOAD', RESERVE_LUA)) as string;
  await stock(session, plan.skus, plan.unitsPerSku);
  const warmup = await runBenchmark(plan, reserveCommand(session, sha, 'w'), plan.warmupCalls);
  const before = await stockState(session, plan.skus);
  const measuredCalls = Math.max(
    plan.warmupCalls,
    Math.round((warmup.requestsPerSecond * plan.durationMs) / 1000 / plan.pipeline) * plan.pipeline,
  );
  const measured = await runBenchmark(plan, reserveCommand(session, sha, 'm'), measuredCalls);
  const after = await stockState(session, plan.skus);
  return { warmup, measured, measuredCalls, before, after };
}

/**
 * Redis at its own capacity: the C client redis-benchmark (`-c` connections, `-P` pipelining) sending the ioredis
 * peer's reserve script (the same RESERVE_LUA, by EVALSHA) for 1 unit of a random SKU of `skus` under a random hold
 * id. An unmeasured run (`warmupCalls`) sizes the measured one to about `durationMs`; Redis's state after each says
 * how many calls held (each held call reserves 1 unit). Reserves/s: calls that held ÷ the measured run's time
 * (its calls ÷ its requests per second).
 */
export async function runRedisServerCapacity(plan: RedisCapacityPlan): Promise<CaseResult> {
  const client = new Redis(plan.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const session: Session = { client, prefix: `holdfast-bench:${process.pid}:${randomBytes(4).toString('hex')}:` };
  let outcome: CapacityRun;
  let holdKeys: number;
  try {
    outcome = await measure(plan, session);
  } finally {
    holdKeys = await removeKeys(session);
    await client.quit();
  }
  return capacityResult(plan, outcome, holdKeys);
}

function capacityResult(plan: RedisCapacityPlan, outcome: CapacityRun, holdKeys: number): CaseResult {
  const { measured, measuredCalls, before, after } = outcome;
  const elapsedMs = (measuredCalls * 1000) / measured.requestsPerSecond;
  const held = after.reservedUnits - before.reservedUnits;
  const calls = plan.warmupCalls + measuredCalls;
  return {
    name: 'peer-redis-server',
    description:
      `redis-benchmark -c ${plan.connections} -P ${plan.pipeline} -r ${plan.skus} -n ${measuredCalls}: EVALSHA of ` +
      `the ioredis peer's reserve script, 1 unit of a random SKU of ${plan.skus}, a random hold id`,
    ops: held,
    durationMs: Math.round(elapsedMs),
    opsPerSecond: opsPerSecond(held, elapsedMs),
    latencyMeasures:
      "redis-benchmark's per call (send → reply, pipelined): p50, p99, max; it reports no p999 (the column shows " +
      'its max); p95 in details',
    latencyUs: {
      count: measuredCalls,
      p50Us: Math.round(measured.p50LatencyMs * 1000),
      p99Us: Math.round(measured.p99LatencyMs * 1000),
      p999Us: Math.round(measured.maxLatencyMs * 1000),
      maxUs: Math.round(measured.maxLatencyMs * 1000),
    },
    checks: [
      check('calls that did not hold (duplicate hold ids, errors)', 0, calls - after.reservedUnits),
      check('hold keys left (SCAN) vs units reserved (HGET)', after.reservedUnits, holdKeys),
      check(
        'units available + reserved vs stocked',
        plan.skus * plan.unitsPerSku,
        after.availableUnits + after.reservedUnits,
      ),
      check('SKUs that ran out (and so refused reserves)', 0, after.skusOut),
    ],
    details: {
      callsPerSecond: Math.round(measured.requestsPerSecond),
      reservesPerSecond: opsPerSecond(held, elapsedMs),
      measuredCalls,
      heldCalls: held,
      notHeldCalls: measuredCalls - held,
      warmupCalls: plan.warmupCalls,
      warmupCallsPerSecond: Math.round(outcome.warmup.requestsPerSecond),
      connections: plan.connections,
      pipeline: plan.pipeline,
      skus: plan.skus,
      p95LatencyUs: Math.round(measured.p95LatencyMs * 1000),
      avgLatencyUs: Math.round(measured.avgLatencyMs * 1000),
      test: measured.test,
    },
  };
}
