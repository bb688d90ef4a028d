import { operationOf } from '../api/operations.js';

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
  const list = typeof method === 'string' ? operationOf(method)?.list : null;
  if (list === null || list === undefined) return 1;
  if (method === 'reserveMany' && (params as { columns?: unknown }).columns !== undefined)
    return listWeight(columnIds((params as { columns?: unknown }).columns), list.max);
  return listWeight((params as Record<string, unknown>)[list.field], list.max);
}

/** reserveMany's columnar form counts its rows (columns.id). */
function columnIds(columns: unknown): unknown {
  return typeof columns === 'object' && columns !== null ? (columns as { id?: unknown }).id : undefined;
}

function listWeight(list: unknown, lengthMax: number): number {
  if (!Array.isArray(list) || list.length === 0 || list.length > lengthMax) return 1;
  return list.length;
}
