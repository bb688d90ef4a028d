/** The JSON-RPC envelope around generated params, and what the generator says it made. */
import type { RpcId } from '../vocabulary.js';

export interface RequestSpec {
  /** What the generator made: 'read', or 'poisoned' (a write that the docs say is refused). */
  poisoned: boolean;
  value: Record<string, unknown>;
}

export function envelope(
  id: RpcId | undefined,
  method: string,
  params: unknown,
  withParams: boolean,
): Record<string, unknown> {
  const request: Record<string, unknown> = { jsonrpc: '2.0' };
  if (id !== undefined) request.id = id;
  request.method = method;
  if (withParams) request.params = params;
  return request;
}
