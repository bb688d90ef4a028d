/** JSON-RPC 2.0 as the gateway speaks it: what the client sends and how it reads what comes back. */

export interface RpcRequest {
  jsonrpc: '2.0';
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

/** A message received, sorted: an answer to a call, a pushed notification, or something unusable. */
export type Incoming =
  | { kind: 'result'; id: number | string; result: unknown }
  | { kind: 'error'; id: number | string; error: unknown }
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'invalid'; reason: string };

export function requestOf(id: number, method: string, params: Record<string, unknown> | undefined): RpcRequest {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** The messages of a decoded frame: a batch frame's answer is an array of them. */
export function messagesOf(frame: unknown): unknown[] {
  return Array.isArray(frame) ? frame : [frame];
}

export function classify(message: unknown): Incoming {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { kind: 'invalid', reason: 'a message that is not an object' };
  }
  const record = message as Record<string, unknown>;
  const id = record.id;
  if (id === undefined) {
    if (typeof record.method === 'string')
      return { kind: 'notification', method: record.method, params: record.params };
    return { kind: 'invalid', reason: 'a message with neither id nor method' };
  }
  if (typeof id !== 'number' && typeof id !== 'string') {
    return { kind: 'invalid', reason: `an error for no request (id ${String(id)}): ${describeError(record.error)}` };
  }
  if ('error' in record) return { kind: 'error', id, error: record.error };
  if ('result' in record) return { kind: 'result', id, result: record.result };
  return { kind: 'invalid', reason: `an answer to ${id} with neither result nor error` };
}

function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { code, message } = error as { code?: unknown; message?: unknown };
  return `${String(code)} ${String(message)}`;
}
