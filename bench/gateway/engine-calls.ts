import { defined } from '../../shared/invariant.js';
import type { EngineStats, LatencySummary } from '../../engine/index.js';
import { BENCH_LOCATION } from '../load/stock.js';
import type { HeldLedger } from './mix.js';
import type { RpcConnection, RpcMessage } from './rpc-connection.js';

/** Requests per setup/check frame (well under the gateway's 10,000 and its 1 MiB payload). */
const SETUP_FRAME_REQUESTS = 1000;

type Response = { id: unknown; result?: Record<string, unknown>; error?: unknown };

/** Sends `params` as `method` requests in batches; resolves with every response, in order. */
async function callMany(connection: RpcConnection, method: string, params: RpcMessage[]): Promise<Response[]> {
  const responses: Response[] = [];
  for (let start = 0; start < params.length; start += SETUP_FRAME_REQUESTS) {
    const chunk = params.slice(start, start + SETUP_FRAME_REQUESTS);
    const firstId = connection.takeIds(chunk.length);
    const frame = chunk.map((item, index) => ({ jsonrpc: '2.0', id: firstId + index, method, params: item }));
    const reply = await connection.call(frame, firstId);
    if (!Array.isArray(reply) || reply.length !== chunk.length)
      throw new Error(`${method}: unexpected reply ${JSON.stringify(reply).slice(0, 300)}`);
    responses.push(...(reply as Response[]));
  }
  return responses;
}

/** Receives `qty` units of every SKU; throws if any receive is refused. */
export async function receiveStockOverRpc(
  connection: RpcConnection,
  skus: readonly string[],
  qty: number,
): Promise<void> {
  const responses = await callMany(
    connection,
    'receive',
    skus.map((sku) => ({ sku, location: BENCH_LOCATION, qty })),
  );
  const bad = responses.find((response) => response.result?.ok !== true);
  if (bad !== undefined) throw new Error(`receive refused during setup: ${JSON.stringify(bad)}`);
}

export interface ReservedCheck {
  skusChecked: number;
  /** SKUs whose get(sku).reserved differs from the driver's count (or whose get failed). */
  mismatchedSkus: number;
  reservedTotal: number;
  expectedTotal: number;
  firstMismatch: string;
}

/** Compares get(sku).reserved of every SKU with the units the driver believes are held. */
export async function checkReserved(
  connection: RpcConnection,
  skus: readonly string[],
  ledger: HeldLedger,
): Promise<ReservedCheck> {
  const responses = await callMany(
    connection,
    'get',
    skus.map((sku) => ({ sku })),
  );
  const check: ReservedCheck = {
    skusChecked: skus.length,
    mismatchedSkus: 0,
    reservedTotal: 0,
    expectedTotal: ledger.total,
    firstMismatch: '',
  };
  for (let index = 0; index < skus.length; index++) {
    const expected = ledger.bySku[index];
    const result = defined(responses[index], 'a response per SKU').result;
    const reserved = result?.ok === true ? (result.reserved as number) : Number.NaN;
    if (!Number.isNaN(reserved)) check.reservedTotal += reserved;
    if (reserved === expected) continue;
    check.mismatchedSkus += 1;
    if (check.firstMismatch === '')
      check.firstMismatch = `${skus[index]}: reserved ${reserved}, driver holds ${expected}`;
  }
  return check;
}

export async function engineStats(connection: RpcConnection): Promise<EngineStats> {
  const [response] = await callMany(connection, 'stats', [{}]);
  if (response?.result === undefined) throw new Error(`stats failed: ${JSON.stringify(response)}`);
  return response.result as unknown as EngineStats;
}

/** What the shards did between two stats() readings: ops, batches, so the mean batch size. */
export interface ShardActivity {
  ops: number;
  batches: number;
  latencyByShard: LatencySummary[];
  queueDepthMaxByShard: string;
}

function shardOps(stats: EngineStats): number {
  let ops = 0;
  for (const shard of stats.shards) for (const count of Object.values(shard.ops)) ops += count;
  return ops;
}

export function shardActivity(before: EngineStats, after: EngineStats): ShardActivity {
  const batches = (stats: EngineStats) => stats.shards.reduce((sum, shard) => sum + shard.batchesSent, 0);
  return {
    ops: shardOps(after) - shardOps(before),
    batches: batches(after) - batches(before),
    latencyByShard: after.shards.map((shard) => shard.latency),
    queueDepthMaxByShard: after.shards.map((shard) => shard.queueDepthMax).join(','),
  };
}
