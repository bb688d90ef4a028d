import type { Engine } from '../api/engine.js';
import type { Refusal } from '../api/errors.js';
import { invariant } from '../../shared/invariant.js';
import { METHODS, unknownField, type Params } from './methods.js';
import {
  errorResponse,
  resultResponse,
  RPC,
  RPC_OUTCOME,
  type RpcCode,
  type RpcId,
  type RpcResponse,
} from './rpc-errors.js';
import { frameBreach, frameOperations } from './frame-bounds.js';
import { forbiddenKeyIn } from './safe-keys.js';
import type { Verdict } from './token-authorize.js';

/** What a request needs from the connection and the gateway around it. */
export interface DispatchContext {
  engine: Engine;
  closing: () => boolean;
  /** subscribe / unsubscribe, answered by the connection. */
  subscription: (method: 'subscribe' | 'unsubscribe', params: Params) => unknown;
  /** Counts one answered request: its method ('unknown' for none) and outcome. */
  count: (method: string, outcome: string) => void;
  observeReserveSeconds: (seconds: number) => void;
  /**
   * The connection's token checks each call before the engine sees it (token-grant.ts): null
   * goes on, `forbidden` answers -32003, `answer` stands for the call. Absent: everything allowed.
   */
  authorize?: (method: string, params: Params) => Verdict | Promise<Verdict>;
}

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/**
 * Answers one decoded frame: a request object, or a batch frame (an array of them). Returns the
 * response(s) to send, or null when there is nothing to send (notifications only). A frame over
 * a bound (engine operations, values: LIMITS.frameOpsMax, valuesPerFrameMax,
 * valuesPerRequestMax) gets one invalid-request error naming the bound before any of its
 * requests is dispatched, so it changes nothing. Every request of a batch frame is issued before any
 * is awaited, so they share the engine's micro-batches and operations on one SKU apply in the
 * order given.
 */
export async function dispatchFrame(
  frame: unknown,
  context: DispatchContext,
  operations = operationsOfFrame(frame),
): Promise<RpcResponse | RpcResponse[] | null> {
  if (Array.isArray(frame) && frame.length === 0) return invalid(context, null, 'a batch must not be empty');
  const breach = frameBreach(frame, operations);
  if (breach !== null) {
    return failure(context, 'unknown', null, RPC.INVALID_REQUEST, breach.message, {
      bound: breach.bound,
      limit: breach.limit,
    });
  }
  if (!Array.isArray(frame)) return dispatchRequest(frame, context);
  const answers = await Promise.all(frame.map((request) => dispatchRequest(request, context)));
  const responses = answers.filter((answer): answer is RpcResponse => answer !== null);
  return responses.length === 0 ? null : responses;
}

/**
 * The engine operations a frame carries (a `batch` or `syncMany` request counts its entries), counted until
 * LIMITS.frameOpsMax is passed. The connection counts it as pending (at most frameOpsMax: a
 * frame over it runs nothing) and hands it to dispatchFrame, so a frame is counted once.
 */
export function operationsOfFrame(frame: unknown): number {
  return frameOperations(Array.isArray(frame) ? frame : [frame]);
}

async function dispatchRequest(request: unknown, context: DispatchContext): Promise<RpcResponse | null> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return invalid(context, null, 'a request must be an object');
  }
  const record = request as Record<string, unknown>;
  const id = idOf(record);
  if (id === undefined) return invalid(context, null, 'id must be a string, a number or null');
  const problem = envelopeProblem(record);
  if (problem !== null) return invalid(context, id, problem);
  let reply: RpcResponse;
  try {
    reply = await answer(record.method as string, record.params, id, context);
  } catch (error) {
    // The server failed on this request (a bug): it is answered on its own; the frame's other requests still are.
    reply = failure(context, 'unknown', id, RPC.INTERNAL_ERROR, `internal error: ${(error as Error).message}`);
  }
  return 'id' in record ? reply : null;
}

/** The request's id: null when absent (a notification) or null; undefined when of a bad type. */
function idOf(record: Record<string, unknown>): RpcId | undefined {
  const id = record.id;
  if (id === undefined || id === null || typeof id === 'string') return id ?? null;
  return typeof id === 'number' && Number.isFinite(id) ? id : undefined;
}

function envelopeProblem(record: Record<string, unknown>): string | null {
  for (const key of Object.keys(record)) if (!ENVELOPE_KEYS.has(key)) return `'${key}' is not a JSON-RPC request field`;
  if (record.jsonrpc !== '2.0') return "jsonrpc must be '2.0'";
  if (typeof record.method !== 'string' || record.method.length === 0) return 'method must be a non-empty string';
  return null;
}

async function answer(method: string, rawParams: unknown, id: RpcId, context: DispatchContext): Promise<RpcResponse> {
  const isSubscription = method === 'subscribe' || method === 'unsubscribe';
  if (!isSubscription && !Object.hasOwn(METHODS, method)) {
    return failure(context, 'unknown', id, RPC.METHOD_NOT_FOUND, `unknown method '${method.slice(0, 64)}'`);
  }
  const params = rawParams === undefined ? {} : rawParams;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return failure(context, method, id, RPC.INVALID_PARAMS, 'params must be an object (by name)');
  }
  const forbidden = forbiddenKeyIn(params);
  if (forbidden !== null)
    return failure(context, method, id, RPC.INVALID_PARAMS, `params must not contain ${forbidden}`);
  if (context.closing()) return failure(context, method, id, RPC.SHUTTING_DOWN, 'the server is shutting down');
  // Params fields are checked before the token: an authorizer may answer (and run) the call itself.
  const handler = isSubscription ? undefined : METHODS[method];
  const extra = handler === undefined ? undefined : unknownField(handler, params as Params);
  if (extra !== undefined)
    return failure(context, method, id, RPC.INVALID_PARAMS, `params.${extra}: is not a known field`);
  let verdict = context.authorize?.(method, params as Params) ?? null;
  if (verdict instanceof Promise) verdict = await verdict;
  if (verdict !== null) {
    if ('forbidden' in verdict) return failure(context, method, id, RPC.FORBIDDEN, verdict.forbidden);
    return respond(context, method, id, verdict.answer);
  }
  if (isSubscription) return respond(context, method, id, context.subscription(method, params as Params));
  invariant(handler !== undefined, `method '${method}' is in METHODS (checked above)`);
  const startedAt = method === 'reserve' ? performance.now() : 0;
  const result = await handler.call(context.engine, params as Params);
  if (method === 'reserve') context.observeReserveSeconds((performance.now() - startedAt) / 1000);
  return respond(context, method, id, result);
}

/** An engine result becomes the response's result, except the refusals that are protocol errors. */
function respond(context: DispatchContext, method: string, id: RpcId, result: unknown): RpcResponse {
  const refusal = (result as { ok?: unknown }).ok === false ? (result as Refusal) : null;
  if (refusal === null) {
    context.count(method, 'ok');
    return resultResponse(id, result);
  }
  const { error } = refusal;
  if (error.code === 'INVALID_ARGUMENT') return failure(context, method, id, RPC.INVALID_PARAMS, error.message, error);
  if (error.code === 'OVERLOADED') {
    return failure(context, method, id, RPC.OVERLOADED, error.message, { retryAfterMs: error.retryAfterMs ?? 0 });
  }
  if (error.code === 'CLOSED') return failure(context, method, id, RPC.SHUTTING_DOWN, error.message);
  context.count(method, error.code);
  return resultResponse(id, result);
}

function failure(
  context: DispatchContext,
  method: string,
  id: RpcId,
  code: RpcCode,
  message: string,
  data?: unknown,
): RpcResponse {
  context.count(method, RPC_OUTCOME[code]);
  return errorResponse(id, code, message, data);
}

function invalid(context: DispatchContext, id: RpcId, message: string): RpcResponse {
  return failure(context, 'unknown', id, RPC.INVALID_REQUEST, message);
}
