import { accessSync, constants } from 'node:fs';
import { findBinary } from './local-server.js';
import { runRedisServerCapacity } from './redis-server-capacity.js';
import type { SuiteCase } from '../harness/types.js';
import { measured } from '../harness/measurement.js';
import { formatCount } from '../harness/rows.js';
import { SKU_COUNT, UNIFORM_UNITS_PER_SKU } from '../load/uniform-workload.js';

/** redis-benchmark's shape: as many connections and as deep a pipeline as keep Redis's one thread busy. */
const CONNECTIONS = 50;
const PIPELINE = 16;
const WARMUP_CALLS = 50_000;

/** BENCH_REDIS_BENCHMARK if set (null unless it is an executable file), else the first redis-benchmark found. */
function redisBenchmarkBinary(): string | null {
  const configured = process.env.BENCH_REDIS_BENCHMARK;
  if (configured !== undefined && configured !== '') {
    try {
      accessSync(configured, constants.X_OK);
      return configured;
    } catch {
      return null;
    }
  }
  return findBinary('redis-benchmark', ['/usr/bin', '/usr/local/bin']);
}

/** Redis + Lua at the server's own capacity, driven by its C client: the reserve half of the mix, reserves/s. */
export const peerRedisServer: SuiteCase = {
  name: 'peer-redis-server',
  group: 'peer',
  summary:
    `Redis 7 at its own capacity: redis-benchmark (C) -c ${CONNECTIONS} -P ${PIPELINE} -r ${SKU_COUNT}, EVALSHA of ` +
    'the same reserve script (1 unit, random SKU of 10k, random hold id); reserve calls that held per second',
  unit: 'reserves/s',
  needs: 'redis',
  figure: ({ result, metrics }) =>
    `${formatCount(result.opsPerSecond)} reserves/s (${formatCount(metrics?.callsPerSecond ?? 0)} calls/s)`,
  unavailable: () =>
    redisBenchmarkBinary() === null
      ? `redis-benchmark not found (${process.env.BENCH_REDIS_BENCHMARK || 'PATH, /usr/bin, /usr/local/bin'}; ` +
        'apt-get install -y redis-server brings it, or set BENCH_REDIS_BENCHMARK)'
      : null,
  run: async ({ profile, peers }) => {
    const binary = redisBenchmarkBinary();
    if (binary === null) return { skipped: 'redis-benchmark not found' };
    if (peers.redisUrl === null) throw new Error('redis is not available in this run');
    const result = await runRedisServerCapacity({
      url: peers.redisUrl,
      binary,
      skus: SKU_COUNT,
      unitsPerSku: UNIFORM_UNITS_PER_SKU,
      connections: CONNECTIONS,
      pipeline: PIPELINE,
      warmupCalls: WARMUP_CALLS,
      durationMs: profile.durationMs,
    });
    const numbers = (key: string): number => Number(result.details[key]);
    return measured(result, {
      metrics: { reservesPerSecond: numbers('reservesPerSecond'), callsPerSecond: numbers('callsPerSecond') },
    });
  },
};
