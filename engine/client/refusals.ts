import { refuse, type ErrorCode, type Refusal } from '../api/errors.js';

/** The JSON-RPC error codes the gateway answers with (see the gateway contract). */
export const RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  overloaded: -32001,
  shuttingDown: -32002,
  forbidden: -32003,
} as const;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** retryAfterMs when an OVERLOADED answer carries none, and for the client's own maxPending refusal. */
export const DEFAULT_RETRY_AFTER_MS = 10;

function refusal(code: ErrorCode, message: string): Refusal {
  return { ok: false, error: { code, message } };
}

/**
 * Maps a JSON-RPC error to the embedded API's refusal, so a remote call resolves exactly like a
 * local one: OVERLOADED keeps retryAfterMs, shutting down is CLOSED, forbidden is FORBIDDEN, invalid params carry the
 * engine's own INVALID_ARGUMENT. A code the contract does not name (an internal error) leaves
 * the outcome unknown: UNAVAILABLE.
 */
export function refusalOfRpcError(error: unknown): Refusal {
  const { code, message, data } = rpcErrorOf(error);
  switch (code) {
    case RPC_ERRORS.overloaded:
      return { ok: false, error: { code: 'OVERLOADED', message, retryAfterMs: retryAfterOf(data) } };
    case RPC_ERRORS.shuttingDown:
      return refusal('CLOSED', message);
    case RPC_ERRORS.forbidden:
      return refuse.forbidden(message);
    case RPC_ERRORS.invalidParams:
      return engineErrorOf(data) ?? refusal('INVALID_ARGUMENT', message);
    case RPC_ERRORS.invalidRequest:
    case RPC_ERRORS.methodNotFound:
    case RPC_ERRORS.parseError:
      return refusal('INVALID_ARGUMENT', `${code}: ${message}`);
    default:
      return refusal('UNAVAILABLE', `${code}: ${message}; the outcome is unknown`);
  }
}

/** Reads { code, message, data } defensively: a malformed error still maps to a refusal. */
function rpcErrorOf(error: unknown): RpcError {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  return {
    code: typeof record.code === 'number' ? record.code : 0,
    message: typeof record.message === 'string' ? record.message : 'the gateway answered an error without a message',
    data: record.data,
  };
}

function retryAfterOf(data: unknown): number {
  const value = (data as { retryAfterMs?: unknown } | null | undefined)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_RETRY_AFTER_MS;
}

/** The engine's INVALID_ARGUMENT error carried in `data`, when it is there. */
function engineErrorOf(data: unknown): Refusal | null {
  if (typeof data !== 'object' || data === null) return null;
  const { code, message } = data as { code?: unknown; message?: unknown };
  if (code !== 'INVALID_ARGUMENT' || typeof message !== 'string') return null;
  return refusal('INVALID_ARGUMENT', message);
}

/** The refusals the client makes itself, without a gateway answer. */
export const clientRefusal = {
  /** The connection dropped after the call was sent and it may not be repeated. */
  lost: (): Refusal => refusal('UNAVAILABLE', 'connection lost before the answer; the outcome is unknown'),
  /** The link is down for good (reconnect is off): the call was never sent. */
  notConnected: (): Refusal => refusal('UNAVAILABLE', 'not connected (reconnect is off); the call was not sent'),
  timedOut: (timeoutMs: number, sent: boolean): Refusal =>
    refusal(
      'UNAVAILABLE',
      sent
        ? `no answer within requestTimeoutMs (${timeoutMs} ms); the outcome is unknown`
        : `not sent within requestTimeoutMs (${timeoutMs} ms): no connection; nothing was applied`,
    ),
  closed: (): Refusal => refusal('CLOSED', 'the client is closed'),
  /** close() came before the answer of a call already sent. */
  closedUnanswered: (): Refusal =>
    refusal('UNAVAILABLE', 'the client closed before the answer; the outcome is unknown'),
  overloaded: (maxPending: number): Refusal => ({
    ok: false,
    error: {
      code: 'OVERLOADED',
      message: `${maxPending} calls (maxPending) are already waiting for an answer`,
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
    },
  }),
  tooLarge: (bytes: number, maxFrameBytes: number): Refusal =>
    refusal('INVALID_ARGUMENT', `request: is ${bytes} bytes encoded, more than maxFrameBytes (${maxFrameBytes})`),
  unencodable: (problem: string): Refusal => refusal('INVALID_ARGUMENT', `request: cannot be encoded: ${problem}`),
};
