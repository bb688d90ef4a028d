/**
 * The oracle: from the frame alone, decoded exactly as the gateway decodes it, what answer
 * docs/service.md "Protocol: JSON-RPC 2.0" promises (a close, no answer, one response or a response array), and
 * whether any of its requests reaches the engine as a write.
 */
import { BY_FIELDS, KNOWN_METHODS, WRITES, type Encoding, type RpcId } from '../vocabulary.js';
import { decodeLikeGateway } from './decode.js';
import { overFrameBounds } from './frame-bounds.js';

/** What one request of a frame must get. */
export type Outcome =
  /** A protocol error with this code (and id). */
  | { type: 'error'; code: number; id: RpcId }
  /** A read that reaches the engine: a result, or -32602 carrying the engine's INVALID_ARGUMENT. */
  | { type: 'read'; id: RpcId; method: string }
  /** A write that reaches the engine: only a generated, poisoned one may, and it must be refused. */
  | { type: 'write'; id: RpcId; method: string };

export type Expectation =
  | { kind: 'close'; code: number; why: string }
  | { kind: 'none' }
  | { kind: 'single'; outcome: Outcome }
  | { kind: 'batch'; outcomes: Outcome[] };

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** The gateway refuses nesting deeper than this (engine/gateway/safe-keys.ts): a request is never that deep. */
const DEPTH_MAX = 32;

/**
 * A forbidden key, a foreign prototype or too deep a nesting anywhere in params (iterative: frames may be 400,000
 * deep).
 */
function paramsRefused(params: object): boolean {
  const stack: Array<[unknown, number]> = [[params, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth > DEPTH_MAX) return true;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return true;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return false;
}

/** One request (a frame, or one element of a batch frame): its outcome, or null for a notification. */
export function outcomeOf(request: unknown): Outcome | null {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    return { type: 'error', code: -32600, id: null };
  const record = request as Record<string, unknown>;
  const rawId = record.id;
  let id: RpcId;
  if (rawId === undefined || rawId === null || typeof rawId === 'string')
    id = (rawId as string | null | undefined) ?? null;
  else if (typeof rawId === 'number' && Number.isFinite(rawId)) id = rawId;
  else return { type: 'error', code: -32600, id: null };
  const envelopeOk =
    Object.keys(record).every((key) => ENVELOPE_KEYS.has(key)) &&
    record.jsonrpc === '2.0' &&
    typeof record.method === 'string' &&
    record.method.length > 0;
  if (!envelopeOk) return { type: 'error', code: -32600, id };
  if (!('id' in record)) return null;
  const method = record.method as string;
  if (!KNOWN_METHODS.has(method)) return { type: 'error', code: -32601, id };
  const params = record.params === undefined ? {} : record.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return { type: 'error', code: -32602, id };
  if (paramsRefused(params)) return { type: 'error', code: -32602, id };
  const named = BY_FIELDS[method];
  if (named !== undefined && Object.keys(params).some((key) => !named.includes(key)))
    return { type: 'error', code: -32602, id };
  return WRITES.has(method) ? { type: 'write', id, method } : { type: 'read', id, method };
}

/**
 * Whether a notification (no id) would reach the engine as a write: it has no answer, so the oracle must see it here.
 */
function notificationWrite(request: unknown): boolean {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return false;
  const record = request as Record<string, unknown>;
  if ('id' in record || !WRITES.has(record.method as string)) return false;
  const outcome = outcomeOf({ ...record, id: 0 });
  return outcome?.type === 'write';
}

export function expectationOf(bytes: Buffer, encoding: Encoding): Expectation & { notificationWrites?: number } {
  const decoded = decodeLikeGateway(bytes, encoding);
  if (!decoded.ok) {
    // RFC 6455: a text frame that is not UTF-8 fails the connection with 1007 (ws does that before the gateway sees
    // it).
    if (decoded.invalidUtf8) return { kind: 'close', code: 1007, why: 'invalid UTF-8 in a text frame' };
    return { kind: 'single', outcome: { type: 'error', code: -32700, id: null } };
  }
  const frame = decoded.value;
  if (Array.isArray(frame) && frame.length === 0)
    return { kind: 'single', outcome: { type: 'error', code: -32600, id: null } };
  if (overFrameBounds(Array.isArray(frame) ? frame : [frame]))
    return { kind: 'single', outcome: { type: 'error', code: -32600, id: null } };
  if (!Array.isArray(frame)) {
    const outcome = outcomeOf(frame);
    return outcome === null
      ? { kind: 'none', notificationWrites: notificationWrite(frame) ? 1 : 0 }
      : { kind: 'single', outcome };
  }
  const outcomes: Outcome[] = [];
  let notificationWrites = 0;
  for (const request of frame) {
    const outcome = outcomeOf(request);
    if (outcome !== null) outcomes.push(outcome);
    else if (notificationWrite(request)) notificationWrites++;
  }
  return outcomes.length === 0 ? { kind: 'none', notificationWrites } : { kind: 'batch', outcomes, notificationWrites };
}

/** Whether any request of the frame would reach the engine as a write (answered or not). */
export function reachesEngineAsWrite(expectation: Expectation & { notificationWrites?: number }): boolean {
  if ((expectation.notificationWrites ?? 0) > 0) return true;
  if (expectation.kind === 'single') return expectation.outcome.type === 'write';
  if (expectation.kind === 'batch') return expectation.outcomes.some((outcome) => outcome.type === 'write');
  return false;
}
