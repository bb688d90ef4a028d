import { randomBytes } from 'node:crypto';
import { defined } from '../../shared/invariant.js';
import { check, opsPerSecond, type CaseResult } from '../harness/case-result.js';
import { createLatencyHistogram, summarizeLatencyUs, type LatencyHistogram } from '../load/histogram.js';
import { HOLD_TTL_MS, MIX_CHANNEL } from '../load/stock.js';
import { receiveStockOverRpc } from './engine-calls.js';
import { RpcConnection } from './rpc-connection.js';
import { startGatewayServer } from './servers.js';

export interface GatewayManyPlan {
  skus: string[];
  unitsPerSku: number;
  shards: number;
  connections: number;
  /** Rows of each reserveMany (columnar params); the frame also settles the last frame's holds. */
  reservesPerFrame: number;
  warmupMs: number;
  durationMs: number;
}

interface Counts {
  reserves: number;
  settles: number;
  refused: number;
  rpcErrors: number;
  firstProblem: string;
}

type Response = { id?: unknown; result?: unknown; error?: { message?: string } };

/**
 * One frame: reserveMany of fresh single-unit requests as columns, commitMany of the first half of
 * the last frame's holds, releaseMany of the rest — three requests in one msgpack frame.
 */
function frameOf(connection: RpcConnection, prefix: string, serial: number, plan: GatewayManyPlan, held: string[]) {
  const id = new Array<string>(plan.reservesPerFrame);
  const sku = new Array<string>(plan.reservesPerFrame);
  for (let row = 0; row < plan.reservesPerFrame; row++) {
    id[row] = `${prefix}${serial + row}`;
    sku[row] = defined(plan.skus[Math.floor(Math.random() * plan.skus.length)], 'a SKU');
  }
  const qty = new Array<number>(plan.reservesPerFrame).fill(1);
  const half = held.length >> 1;
  const first = connection.takeIds(3);
  const columns = { id, sku, qty, channel: MIX_CHANNEL, ttlMs: HOLD_TTL_MS };
  return {
    first,
    ids: id,
    frame: [
      { jsonrpc: '2.0', id: first, method: 'reserveMany', params: { columns } },
      { jsonrpc: '2.0', id: first + 1, method: 'commitMany', params: { ids: held.slice(0, half) } },
      { jsonrpc: '2.0', id: first + 2, method: 'releaseMany', params: { ids: held.slice(half) } },
    ],
  };
}

/** The ids of the reserveMany's held entries; every refusal and error counted. */
function readReply(reply: unknown, ids: string[], counts: Counts): string[] {
  const responses = Array.isArray(reply) ? (reply as Response[]) : [];
  if (responses.length !== 3) {
    counts.rpcErrors++;
    counts.firstProblem ||= `unexpected reply ${JSON.stringify(reply).slice(0, 200)}`;
    return [];
  }
  const held: string[] = [];
  for (const [index, response] of responses.entries()) {
    if (!Array.isArray(response.result)) {
      counts.rpcErrors++;
      counts.firstProblem ||= JSON.stringify(response).slice(0, 200);
      continue;
    }
    for (const [row, result] of (response.result as Array<{ ok: boolean; error?: { code: string } }>).entries()) {
      if (!result.ok) {
        counts.refused++;
        counts.firstProblem ||= result.error?.code ?? 'refused';
      } else if (index === 0) held.push(defined(ids[row], 'a reserved id'));
    }
  }
  return held;
}

interface LaneRun {
  plan: GatewayManyPlan;
  untilMs: number;
  counts: Counts;
  latency: LatencyHistogram;
}

async function runLane(connection: RpcConnection, lane: number, { plan, untilMs, counts, latency }: LaneRun) {
  let held: string[] = [];
  let serial = 0;
  while (performance.now() < untilMs) {
    const { first, ids, frame } = frameOf(connection, `G${lane}-`, serial, plan, held);
    serial += plan.reservesPerFrame;
    const sentAtMs = performance.now();
    const reply = await new Promise<unknown>((resolve) => connection.send(frame, first, resolve));
    latency.record((performance.now() - sentAtMs) * 1000, 1);
    counts.settles += held.length;
    counts.reserves += plan.reservesPerFrame;
    held = readReply(reply, ids, counts);
  }
}

function newCounts(): Counts {
  return { reserves: 0, settles: 0, refused: 0, rpcErrors: 0, firstProblem: '' };
}

/** The many-calls over the gateway (child process): closed loop, one frame in flight per connection. */
export async function runGatewayMany(plan: GatewayManyPlan): Promise<CaseResult> {
  const token = randomBytes(24).toString('base64url');
  const server = await startGatewayServer({ token, shards: plan.shards, kind: 'bench', nodeArgs: [] });
  try {
    const control = await RpcConnection.open(server.url, token);
    await receiveStockOverRpc(control, plan.skus, plan.unitsPerSku);
    const lanes = await Promise.all(
      Array.from({ length: plan.connections }, () => RpcConnection.open(server.url, token)),
    );
    const warm = newCounts();
    const warmRun = {
      plan,
      untilMs: performance.now() + plan.warmupMs,
      counts: warm,
      latency: createLatencyHistogram(),
    };
    await Promise.all(lanes.map((lane, index) => runLane(lane, index, warmRun)));
    const counts = newCounts();
    const latency = createLatencyHistogram();
    const startMs = performance.now();
    const run = { plan, untilMs: startMs + plan.durationMs, counts, latency };
    await Promise.all(lanes.map((lane, index) => runLane(lane, index + plan.connections, run)));
    const elapsedMs = performance.now() - startMs;
    await Promise.all([...lanes, control].map((connection) => connection.close()));
    return {
      name: 'gateway-reserve-many',
      description:
        `gateway (child process, ${plan.shards} worker shards): ${plan.connections} connection(s), one msgpack frame ` +
        `in flight each: reserveMany of ${plan.reservesPerFrame} rows as columns + commitMany|releaseMany of the last`,
      ops: counts.reserves,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(counts.reserves, elapsedMs),
      latencyMeasures: 'one frame (its three requests), sent → reply read, every frame',
      latencyUs: summarizeLatencyUs(latency),
      checks: [
        check('refused entries (warm-up + measured)', 0, warm.refused + counts.refused),
        check('JSON-RPC errors (warm-up + measured)', 0, warm.rpcErrors + counts.rpcErrors),
      ],
      details: {
        connections: plan.connections,
        reservesPerFrame: plan.reservesPerFrame,
        reserves: counts.reserves,
        settles: counts.settles,
        allOpsPerSecond: opsPerSecond(counts.reserves + counts.settles, elapsedMs),
        firstProblem: warm.firstProblem || counts.firstProblem,
      },
    };
  } finally {
    await server.stop();
  }
}
