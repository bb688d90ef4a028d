import { LIMITS } from '../api/limits.js';

/**
 * The engine operations one JSON-RPC request stands for: a `batch` runs each of its ops, a
 * `syncMany` each of its counts, a many-call (reserveMany, commitMany, releaseMany, fulfilMany)
 * each of its entries, every other request one. A list over its own limit counts one:
 * the engine refuses it whole and runs none of it. Reads only the request's top level.
 */
export function operationsOf(request: unknown): number {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 1;
  const { method, params } = request as { method?: unknown; params?: unknown };
  if (typeof params !== 'object' || params === null) return 1;
  if (method === 'batch') return listWeight((params as { ops?: unknown }).ops, LIMITS.batchOpsMax);
  if (method === 'syncMany') return listWeight((params as { requests?: unknown }).requests, LIMITS.syncManyMax);
  if (method === 'reserveMany') return reserveManyWeight(params as { requests?: unknown; columns?: unknown });
  if (MANY_BY_ID.has(method as string)) return listWeight((params as { ids?: unknown }).ids, LIMITS.manyOpsMax);
  return 1;
}

const MANY_BY_ID = new Set(['commitMany', 'releaseMany', 'fulfilMany']);

function reserveManyWeight({ requests, columns }: { requests?: unknown; columns?: unknown }): number {
  if (columns === undefined) return listWeight(requests, LIMITS.manyOpsMax);
  const ids = typeof columns === 'object' && columns !== null ? (columns as { id?: unknown }).id : undefined;
  return listWeight(ids, LIMITS.manyOpsMax);
}

function listWeight(list: unknown, lengthMax: number): number {
  if (!Array.isArray(list) || list.length === 0 || list.length > lengthMax) return 1;
  return list.length;
}
