import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { check, opsPerSecond, type CaseResult } from '../case-result.js';
import { summarizeLatencyUs } from '../histogram.js';
import { createPeerCounts, newPass, noteAnomaly, runLoops, type PeerCounts, type PeerHold, type PeerPass } from './peer-load.js';

/** Check-and-decrement: holds `qty` units under the hold's key if the SKU has them. 1 held, 0 sold out, 2 duplicate id. */
const RESERVE_LUA = `
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
  const clients = Array.from({ length: connections }, () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true }));
  await Promise.all(clients.map((client) => client.connect()));
  const reserveSha = (await clients[0].script('LOAD', RESERVE_LUA)) as string;
  const settleSha = (await clients[0].script('LOAD', SETTLE_LUA)) as string;
  return { clients, prefix: `holdfast-bench:${process.pid}:${randomBytes(4).toString('hex')}:`, reserveSha, settleSha };
}

async function stock(session: RedisSession, skus: number, units: number): Promise<void> {
  for (let start = 0; start < skus; start += SETUP_CHUNK) {
    const pipeline = session.clients[0].pipeline();
    for (let sku = start; sku < Math.min(skus, start + SETUP_CHUNK); sku++) {
      pipeline.hset(stockKey(session, sku), 'available', units, 'reserved', 0, 'committed', 0);
    }
    await pipeline.exec();
  }
}

/** Removes every key of this run (a shared server keeps nothing of ours) and closes the connections. */
async function closeSession(session: RedisSession): Promise<void> {
  const client = session.clients[0];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${session.prefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  await Promise.all(session.clients.map((connection) => connection.quit()));
}

async function reservedOf(session: RedisSession, skus: number): Promise<{ reserved: number; available: number }> {
  let reserved = 0;
  let available = 0;
  for (let start = 0; start < skus; start += SETUP_CHUNK) {
    const pipeline = session.clients[0].pipeline();
    for (let sku = start; sku < Math.min(skus, start + SETUP_CHUNK); sku++) pipeline.hmget(stockKey(session, sku), 'reserved', 'available');
    for (const [, value] of (await pipeline.exec()) ?? []) {
      const [r, a] = value as [string, string];
      reserved += Number(r);
      available += Number(a);
    }
  }
  return { reserved, available };
}

type Settle = PeerHold & { commit: boolean };

interface MixLane {
  held: PeerHold[];
}

/** One pipeline: the lane's previous holds settled (commit|release 50:50), then `reserves` new reserves of uniform SKUs. */
async function mixPipeline(session: RedisSession, client: Redis, lane: MixLane, plan: RedisMixPlan, counts: PeerCounts, nextId: () => string, pass: PeerPass | null): Promise<void> {
  const settles: Settle[] = lane.held.map((hold) => ({ ...hold, commit: Math.random() < 0.5 }));
  const reserves: PeerHold[] = [];
  const pipeline = client.pipeline();
  for (const settle of settles) pipeline.evalsha(session.settleSha, 2, stockKey(session, settle.sku), holdKey(session, settle.id), settle.commit ? 'commit' : 'release');
  for (let index = 0; index < plan.reservesPerPipeline; index++) {
    const hold = { id: nextId(), sku: Math.floor(Math.random() * plan.skus) };
    reserves.push(hold);
    pipeline.evalsha(session.reserveSha, 2, stockKey(session, hold.sku), holdKey(session, hold.id), 1);
  }
  const sentMs = performance.now();
  const replies = (await pipeline.exec()) ?? [];
  const ops = settles.length + reserves.length;
  if (pass !== null) {
    pass.latency.record((performance.now() - sentMs) * 1000, ops);
    pass.ops += ops;
  }
  lane.held = [];
  for (let index = 0; index < ops; index++) {
    const [error, value] = replies[index] ?? [new Error('missing reply'), null];
    const settle = index < settles.length ? settles[index] : null;
    if (error !== null) noteAnomaly(counts, error.message);
    else if (settle !== null) {
      if (value !== 1) noteAnomaly(counts, `settle ${settle.id}: ${String(value)}`);
      else if (settle.commit) counts.commitOk += 1;
      else counts.releaseOk += 1;
    } else if (value === 1) {
      counts.reserveOk += 1;
      lane.held.push(reserves[index - settles.length]);
    } else if (value === 0) counts.reserveRefused += 1;
    else noteAnomaly(counts, `reserve: ${String(value)}`);
  }
}

export interface RedisMixPlan {
  url: string;
  skus: number;
  unitsPerSku: number;
  connections: number;
  reservesPerPipeline: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * Redis + Lua, the uniform mix (as engine-uniform): over `skus` SKUs, each connection sends
 * pipelines that settle its previous pipeline's holds (commit|release 50:50) and reserve
 * `reservesPerPipeline` new holds of 1 unit. Every script call counts as one op.
 */
export async function runRedisUniform(plan: RedisMixPlan): Promise<CaseResult> {
  const session = await openSession(plan.url, plan.connections);
  try {
    await stock(session, plan.skus, plan.unitsPerSku);
    const counts = createPeerCounts();
    const lanes: MixLane[] = Array.from({ length: plan.connections }, () => ({ held: [] }));
    let idCount = 0;
    const nextId = (): string => `u${idCount++}`;
    const runFor = (durationMs: number, pass: PeerPass | null): Promise<number> => {
      const deadlineMs = performance.now() + durationMs;
      return runLoops(plan.connections, async (index) => {
        while (performance.now() < deadlineMs) await mixPipeline(session, session.clients[index], lanes[index], plan, counts, nextId, pass);
      });
    };
    await runFor(plan.warmupMs, null);
    const pass = newPass(plan.durationMs);
    const elapsedMs = await runFor(plan.durationMs, pass);
    const held = lanes.reduce((sum, lane) => sum + lane.held.length, 0);
    const state = await reservedOf(session, plan.skus);
    return {
      name: 'peer-redis-uniform',
      description: `Redis + Lua check-and-decrement, ${plan.connections} connections pipelining ${plan.reservesPerPipeline} reserves + the previous pipeline's commit|release; ${plan.skus} SKUs`,
      ops: pass.ops,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(pass.ops, elapsedMs),
      latencyMeasures: 'pipeline sent → its replies read, counted once per op it carries, measured pass only',
      latencyUs: summarizeLatencyUs(pass.latency),
      checks: [
        check('errors and settles that found no hold', 0, counts.anomalies),
        check('reserves refused (stock far above demand)', 0, counts.reserveRefused),
        check('units reserved, all SKUs (HGET) vs driver', held, state.reserved),
      ],
      targets: [],
      details: { ...countsDetails(counts), connections: plan.connections, reservesPerPipeline: plan.reservesPerPipeline, skus: plan.skus },
    };
  } finally {
    await closeSession(session);
  }
}

export interface RedisHotPlan {
  url: string;
  units: number;
  attempts: number;
  connections: number;
  attemptsPerPipeline: number;
}

/** Redis + Lua on one hot SKU: `attempts` reserves of 1 unit (unique ids) against `units` units, pipelined. */
export async function runRedisHot(plan: RedisHotPlan): Promise<CaseResult> {
  const session = await openSession(plan.url, plan.connections);
  try {
    await stock(session, 1, plan.units);
    const counts = createPeerCounts();
    const pass = newPass(Number.POSITIVE_INFINITY);
    let issued = 0;
    const elapsedMs = await runLoops(plan.connections, async (lane) => {
      const client = session.clients[lane];
      while (issued < plan.attempts) {
        const batch = Math.min(plan.attemptsPerPipeline, plan.attempts - issued);
        const pipeline = client.pipeline();
        for (let index = 0; index < batch; index++) pipeline.evalsha(session.reserveSha, 2, stockKey(session, 0), holdKey(session, `h${issued++}`), 1);
        const sentMs = performance.now();
        const replies = (await pipeline.exec()) ?? [];
        pass.latency.record((performance.now() - sentMs) * 1000, batch);
        pass.ops += batch;
        for (const [error, value] of replies) {
          if (error !== null) noteAnomaly(counts, error.message);
          else if (value === 1) counts.reserveOk += 1;
          else if (value === 0) counts.reserveRefused += 1;
          else noteAnomaly(counts, `reserve: ${String(value)}`);
        }
      }
    });
    const state = await reservedOf(session, 1);
    return {
      name: 'peer-redis-hot',
      description: `Redis + Lua check-and-decrement on one hot SKU: ${plan.units} units, ${plan.attempts} attempts of 1 unit, ${plan.connections} connections pipelining ${plan.attemptsPerPipeline}`,
      ops: pass.ops,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(pass.ops, elapsedMs),
      latencyMeasures: 'pipeline sent → its replies read, counted once per attempt it carries',
      latencyUs: summarizeLatencyUs(pass.latency),
      checks: [
        check('attempts answered', plan.attempts, pass.ops),
        check('accepted', plan.units, counts.reserveOk),
        check('reserved (HGET)', plan.units, state.reserved),
        check('available left (HGET)', 0, state.available),
        check('errors', 0, counts.anomalies),
      ],
      targets: [],
      details: { ...countsDetails(counts), connections: plan.connections, attemptsPerPipeline: plan.attemptsPerPipeline },
    };
  } finally {
    await closeSession(session);
  }
}

export function countsDetails(counts: PeerCounts): Record<string, number | string> {
  return {
    reserveOk: counts.reserveOk,
    reserveRefused: counts.reserveRefused,
    commitOk: counts.commitOk,
    releaseOk: counts.releaseOk,
    anomalies: counts.anomalies,
    firstAnomaly: counts.firstAnomaly,
  };
}
