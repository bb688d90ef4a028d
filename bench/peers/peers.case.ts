import { runPostgresHot, runPostgresUniform } from './postgres-load.js';
import { runRedisHot, runRedisUniform } from './redis-load.js';
import type { CaseResult } from '../harness/case-result.js';
import type { CaseMeasurement, SuiteCase } from '../harness/types.js';
import { measured } from '../harness/measurement.js';
import { SKU_COUNT, UNIFORM_UNITS_PER_SKU } from '../load/uniform-workload.js';

function envInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? '');
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** Redis: connections × reserves per pipeline (each pipeline also settles the previous one's holds). */
const REDIS_CONNECTIONS = envInteger('BENCH_REDIS_CONNECTIONS', 4);
const REDIS_PIPELINE_RESERVES = envInteger('BENCH_REDIS_PIPELINE', 256);
/** PostgreSQL: connections, one statement in flight each. */
const POSTGRES_CLIENTS = envInteger('BENCH_POSTGRES_CLIENTS', 16);

/** A peer's measurement: its reserves that held per second as a metric (the reserves/s ratios read it). */
function peerMeasured(result: CaseResult): CaseMeasurement {
  const reservesPerSecond = result.details.reservesPerSecond;
  return measured(result, typeof reservesPerSecond === 'number' ? { metrics: { reservesPerSecond } } : {});
}

function url(value: string | null, peer: string): string {
  if (value === null) throw new Error(`${peer} is not available in this run`);
  return value;
}

export const peerRedisUniform: SuiteCase = {
  name: 'peer-redis-uniform',
  group: 'peer',
  summary:
    `Redis 7 + Lua check-and-decrement reserve and commit|release scripts, ` +
    `${REDIS_CONNECTIONS} connections pipelining; engine-uniform's workload`,
  unit: 'ops/s',
  needs: 'redis',
  run: async ({ profile, peers }) =>
    peerMeasured(
      await runRedisUniform({
        url: url(peers.redisUrl, 'redis'),
        skus: SKU_COUNT,
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        connections: REDIS_CONNECTIONS,
        reservesPerPipeline: REDIS_PIPELINE_RESERVES,
        warmupMs: profile.warmupMs,
        durationMs: profile.durationMs,
      }),
    ),
};

export const peerRedisHot: SuiteCase = {
  name: 'peer-redis-hot',
  group: 'peer',
  summary:
    `Redis 7 + Lua check-and-decrement on one hot SKU (N units, ` +
    `2N attempts), ${REDIS_CONNECTIONS} connections pipelining`,
  unit: 'attempts/s',
  needs: 'redis',
  run: async ({ profile, peers }) =>
    peerMeasured(
      await runRedisHot({
        url: url(peers.redisUrl, 'redis'),
        units: profile.redisHotUnits,
        attempts: profile.redisHotUnits * 2,
        connections: REDIS_CONNECTIONS,
        attemptsPerPipeline: REDIS_PIPELINE_RESERVES * 2,
      }),
    ),
};

export const peerPostgresUniform: SuiteCase = {
  name: 'peer-postgres-uniform',
  group: 'peer',
  summary:
    `PostgreSQL row-lock reserve (UPDATE … SET available = available - qty WHERE sku = $1 AND available ` +
    `>= qty, + hold row) and commit|release, ${POSTGRES_CLIENTS} connections; engine-uniform's workload`,
  unit: 'ops/s',
  needs: 'postgres',
  run: async ({ profile, peers }) =>
    peerMeasured(
      await runPostgresUniform({
        url: url(peers.postgresUrl, 'postgres'),
        skus: SKU_COUNT,
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        connections: POSTGRES_CLIENTS,
        warmupMs: profile.warmupMs,
        durationMs: profile.durationMs,
      }),
    ),
};

export const peerPostgresHot: SuiteCase = {
  name: 'peer-postgres-hot',
  group: 'peer',
  summary: `PostgreSQL row-lock reserve on one hot SKU (N units, 2N attempts), ${POSTGRES_CLIENTS} connections`,
  unit: 'attempts/s',
  needs: 'postgres',
  run: async ({ profile, peers }) =>
    peerMeasured(
      await runPostgresHot({
        url: url(peers.postgresUrl, 'postgres'),
        units: profile.postgresHotUnits,
        attempts: profile.postgresHotUnits * 2,
        connections: POSTGRES_CLIENTS,
      }),
    ),
};
