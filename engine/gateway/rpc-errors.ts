/** JSON-RPC 2.0 error codes, with holdfast's three server errors. */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  OVERLOADED: -32001,
  SHUTTING_DOWN: -32002,
  /** The connection's token does not allow this call (scope or channel); nothing changed. */
  FORBIDDEN: -32003,
} as const;

export type RpcCode = (typeof RPC)[keyof typeof RPC];

/** The outcome label each code gets in the metrics. */
export const RPC_OUTCOME: Record<RpcCode, string> = {
  [RPC.PARSE_ERROR]: 'parse_error',
  [RPC.INVALID_REQUEST]: 'invalid_request',
  [RPC.METHOD_NOT_FOUND]: 'unknown_method',
  [RPC.INVALID_PARAMS]: 'invalid_params',
  [RPC.INTERNAL_ERROR]: 'internal_error',
  [RPC.OVERLOADED]: 'overloaded',
  [RPC.SHUTTING_DOWN]: 'shutting_down',
  [RPC.FORBIDDEN]: 'forbidden',
};

export type RpcId = string | number | null;

export interface RpcError {
  code: RpcCode;
  message: string;
  data?: unknown;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: RpcError;
}

export function errorResponse(id: RpcId, code: RpcCode, message: string, data?: unknown): RpcResponse {
  const error: RpcError = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result };
}
