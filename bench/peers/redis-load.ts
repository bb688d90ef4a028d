import { defined } from '../../shared/invariant.js';
import { randomBytes } from 'node:crypto';
import { Redis, type ChainableCommander } from 'ioredis';
import type { CaseResult } from '../harness/case-result.js';
import {
  runPeerHot,
  runPeerMix,
  settleAllThenReserve,
  type PeerHotPlan,
  type PeerLink,
  type PeerMixPlan,
  type PeerOp,
  type PeerReply,
} from './peer-load.js';
import { hotChecks, mixChecks, peerResult, type StockUnits } from './peer-result.js';

/**
 * Check-and-decrement: holds `qty` units under the hold's key if the SKU has them. 1 held, 0 sold out, 2 duplicate id.
 * Exported for peer-redis-server, which runs this same script from redis-benchmark.
 */
export const RESERVE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
local available = tonumber(redis.call('HGET', KEYS[1], 'available') or '0')
local qty = tonumber(ARGV[1])
if available < qty then return 0 end
redis.call('HINCRBY', KEYS[1], 'available', -qty)
redis.call('HINCRBY', KEYS[1], 'reserved', qty)
redis.call('SET', KEYS[2], qty)
return 1`;

/** Commit (ARGV[1] = 'commit') or release a hold: 1 done, 0 no such hold. */
const SETTLE_LUA = `
local qty = tonumber(redis.call('GET', KEYS[2]))
if not qty then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HINCRBY', KEYS[1], 'reserved', -qty)
if ARGV[1] == 'commit' then redis.call('HINCRBY', KEYS[1], 'committed', qty)
else redis.call('HINCRBY', KEYS[1], 'available', qty) end
return 1`;

const SETUP_CHUNK = 1000;

interface RedisSession {
  clients: Redis[];
  prefix: string;
  reserveSha: string;
  settleSha: string;
}

function stockKey(session: RedisSession, sku: number): string {
  return `${session.prefix}stock:${sku}`;
}

function holdKey(session: RedisSession, id: string): string {
  return `${session.prefix}hold:${id}`;
}

async function openSession(url: string, connections: number): Promise<RedisSession> {
  const clients = Array.from(
    { length: connections },
    () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const first = defined(clients[0], 'a connection');
  const reserveSha = (await first.script('LOAD', RESERVE_LUA)) as string;
  const settleSha = (await first.script('LOAD', SETTLE_LUA)) as string;
  return { clients, prefix: `holdfast-bench:${process.pid}:${randomBytes(4).toString('hex')}:`, reserveSha, settleSha };
}

/** Runs `add` on pipelines of SETUP_CHUNK SKUs each, over SKUs 0 to `skus` - 1; resolves with every reply value. */
async function pipelineBySku(
  session: RedisSession,
  skus: number,
  add: (pipeline: ChainableCommander, sku: number) => void,
): Promise<unknown[]> {
  const values: unknown[] = [];
  for (let start = 0; start < skus; start += SETUP_CHUNK) {
    const pipeline = defined(session.clients[0], 'a connection').pipeline();
    for (let sku = start; sku < Math.min(skus, start + SETUP_CHUNK); sku++) add(pipeline, sku);
    for (const [, value] of (await pipeline.exec()) ?? []) values.push(value);
  }
  return values;
}

async function stock(session: RedisSession, skus: number, units: number): Promise<void> {
  await pipelineBySku(session, skus, (pipeline, sku) =>
    pipeline.hset(stockKey(session, sku), 'available', units, 'reserved', 0, 'committed', 0),
  );
}

async function stockUnits(session: RedisSession, skus: number): Promise<StockUnits> {
  const values = await pipelineBySku(session, skus, (pipeline, sku) =>
    pipeline.hmget(stockKey(session, sku), 'reserved', 'available'),
  );
  const units = { reservedUnits: 0, availableUnits: 0 };
  for (const [reserved, available] of values as [string, string][]) {
    units.reservedUnits += Number(reserved);
    units.availableUnits += Number(available);
  }
  return units;
}

/** Removes every key of this run (a shared server keeps nothing of ours) and closes the connections. */
async function closeSession(session: RedisSession): Promise<void> {
  const client = defined(session.clients[0], 'a connection');
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${session.prefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await Promise.all(session.clients.map((connection) => connection.quit()));
}

/**
 * Opens the connections, stocks SKUs 0 to `skus` - 1 with `units` units each, runs `use`, then removes every key of the
 * run.
 */
async function onStockedSession<T>(
  plan: { url: string; connections: number },
  skus: number,
  units: number,
  use: (session: RedisSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(plan.url, plan.connections);
  try {
    await stock(session, skus, units);
    return await use(session);
  } finally {
    await closeSession(session);
  }
}

/**
 * The scripts' replies: 1 done, a reserve's 0 sold out; an error, a duplicate id (2) or a settle that found no hold (0)
 * is an anomaly.
 */
function replyOf(op: PeerOp, [error, value]: [Error | null, unknown]): PeerReply {
  if (error !== null) return { anomaly: error.message };
  if (value === 1) return 'done';
  if (op.settle !== null) return { anomaly: `settle ${op.hold.id}: ${String(value)}` };
  return value === 0 ? 'sold-out' : { anomaly: `reserve: ${String(value)}` };
}

/** Every op of a round trip is one script call in one pipeline on the lane's connection. */
function redisLink(session: RedisSession): PeerLink {
  return {
    send: async (lane, ops) => {
      const pipeline = defined(session.clients[lane], 'a lane').pipeline();
      for (const { hold, settle } of ops) {
        const keys = [stockKey(session, hold.sku), holdKey(session, hold.id)];
        if (settle === null) pipeline.evalsha(session.reserveSha, 2, ...keys, 1);
        else pipeline.evalsha(session.settleSha, 2, ...keys, settle);
      }
      const replies = (await pipeline.exec()) ?? [];
      return ops.map((op, index) => replyOf(op, replies[index] ?? [new Error('missing reply'), null]));
    },
  };
}

export interface RedisMixPlan extends PeerMixPlan {
  reservesPerPipeline: number;
}

/**
 * Redis + Lua, the uniform mix (as engine-uniform): over `skus` SKUs, each connection sends
 * pipelines that settle its previous pipeline's holds (commit|release 50:50) and reserve
 * `reservesPerPipeline` new holds of 1 unit. Every script call counts as one op.
 */
export function runRedisUniform(plan: RedisMixPlan): Promise<CaseResult> {
  return onStockedSession(plan, plan.skus, plan.unitsPerSku, async (session) => {
    const run = await runPeerMix(redisLink(session), plan, settleAllThenReserve(plan.reservesPerPipeline));
    const units = await stockUnits(session, plan.skus);
    return peerResult(run, {
      name: 'peer-redis-uniform',
      description:
        `Redis + Lua check-and-decrement, ${plan.connections} connections pipelining ` +
        `${plan.reservesPerPipeline} reserves + the previous pipeline's commit|release; ${plan.skus} SKUs`,
      latencyMeasures: 'pipeline sent → its replies read, counted once per op it carries, measured pass only',
      checks: mixChecks(run, 'units reserved, all SKUs (HGET) vs driver', units.reservedUnits),
      details: { connections: plan.connections, reservesPerPipeline: plan.reservesPerPipeline, skus: plan.skus },
    });
  });
}

export interface RedisHotPlan extends PeerHotPlan {
  attemptsPerPipeline: number;
}

/** Redis + Lua on one hot SKU: `attempts` reserves of 1 unit (unique ids) against `units` units, pipelined. */
export function runRedisHot(plan: RedisHotPlan): Promise<CaseResult> {
  return onStockedSession(plan, 1, plan.units, async (session) => {
    const run = await runPeerHot(redisLink(session), plan, plan.attemptsPerPipeline);
    const units = await stockUnits(session, 1);
    return peerResult(run, {
      name: 'peer-redis-hot',
      description:
        `Redis + Lua check-and-decrement on one hot SKU: ${plan.units} units, ${plan.attempts} ` +
        `attempts of 1 unit, ${plan.connections} connections pipelining ${plan.attemptsPerPipeline}`,
      latencyMeasures: 'pipeline sent → its replies read, counted once per attempt it carries',
      checks: hotChecks(plan, run, units, 'HGET'),
      details: { connections: plan.connections, attemptsPerPipeline: plan.attemptsPerPipeline },
    });
  });
}
