import { z } from 'zod';
import { defined } from '../../shared/invariant.js';
import { STRATEGIES } from '../../engine/api/strategies.js';

/**
 * One event of a trace (one line of an NDJSON file): `t`, the milliseconds since the trace
 * started, `op`, the engine API operation, and that operation's request fields flattened into
 * the event (`{"t":12.5,"op":"commit","id":"o-1"}`).
 *
 * Only the shape is checked here: types, required fields, no unknown field. The value rules
 * (a positive whole qty, a known reservation) stay with the engine, whose refusal the replay
 * counts. Points in time inside a request (a count's `asOf`, restock's `receivedAt`) are, like
 * `t`, milliseconds since the trace started; the replay moves them onto the engine's clock
 * (trace-calls.ts).
 */
const text = z.string();
/** Quantities, deltas and durations: numbers here; whole and in range is the engine's rule. */
const amount = z.number();
const traceMs = z.number().nonnegative();

const reserveLine = z.strictObject({ sku: text, qty: amount, location: text.optional() });
const fulfilLine = z.strictObject({ sku: text, location: text, qty: amount });
const syncCount = z.strictObject({ sku: text, location: text, onHand: amount, asOf: z.number() });

export const traceEventSchema = z.discriminatedUnion('op', [
  z.strictObject({
    t: traceMs,
    op: z.literal('reserve'),
    id: text,
    channel: text,
    ttlMs: amount,
    lines: z.array(reserveLine),
    strategy: z.enum(STRATEGIES).optional(),
    destination: text.optional(),
    allowSplit: z.boolean().optional(),
  }),
  z.strictObject({ t: traceMs, op: z.literal('commit'), id: text }),
  z.strictObject({ t: traceMs, op: z.literal('release'), id: text }),
  z.strictObject({ t: traceMs, op: z.literal('fulfil'), id: text, lines: z.array(fulfilLine).optional() }),
  z.strictObject({ t: traceMs, op: z.literal('receive'), sku: text, location: text, qty: amount }),
  z.strictObject({ t: traceMs, op: z.literal('adjust'), sku: text, location: text, delta: amount, reason: text }),
  z.strictObject({
    t: traceMs,
    op: z.literal('restock'),
    sku: text,
    location: text,
    qty: amount,
    condition: z.enum(['sellable', 'damaged']),
    reservationId: text.optional(),
    receivedAt: z.number().optional(),
  }),
  z.strictObject({ t: traceMs, op: z.literal('sync'), ...syncCount.shape }),
  z.strictObject({ t: traceMs, op: z.literal('syncMany'), requests: z.array(syncCount) }),
  z.strictObject({ t: traceMs, op: z.literal('get'), sku: text }),
  z.strictObject({ t: traceMs, op: z.literal('expireDue') }),
]);

export type TraceEvent = z.infer<typeof traceEventSchema>;
export type TraceOp = TraceEvent['op'];

/** The operations a trace may name, in the schema's order (reports list them in it). */
export const TRACE_OPS: readonly TraceOp[] = traceEventSchema.options.map((option) => option.shape.op.value);

/** An operation's request: the event without `t` and `op`. */
export type TraceRequest<Op extends TraceOp> = Omit<Extract<TraceEvent, { op: Op }>, 't' | 'op'>;

/**
 * The event, or what is wrong with it in a few words that name the field
 * (`commit needs "id"`, `reserve lines[0].qty: expected number, got string`).
 */
export function parseTraceEvent(input: unknown): { ok: true; event: TraceEvent } | { ok: false; problem: string } {
  const parsed = traceEventSchema.safeParse(input);
  if (parsed.success) return { ok: true, event: parsed.data };
  return {
    ok: false,
    problem: describeIssue(input, defined(parsed.error.issues[0], 'a failed parse reports an issue')),
  };
}

function describeIssue(input: unknown, issue: z.core.$ZodIssue): string {
  const op = opOf(input);
  const field = fieldPath(issue.path);
  if (op === undefined) return describeOpProblem(input);
  if (issue.code === 'unrecognized_keys') {
    const where = field === '' ? '' : ` in ${field}`;
    return `${op} has unknown field${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.map(quoted).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return `${op} needs "${field}"`;
  if (issue.code === 'invalid_type')
    return `${op} ${field}: expected ${issue.expected}, got ${typeOf(valueAt(input, issue.path))}`;
  return `${op} ${field}: ${issue.message}`;
}

/** The op, when the input is an object naming a known one. */
function opOf(input: unknown): TraceOp | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const op = (input as Record<string, unknown>).op;
  return (TRACE_OPS as readonly unknown[]).includes(op) ? (op as TraceOp) : undefined;
}

function describeOpProblem(input: unknown): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return `an event is an object { t, op, … }, got ${typeOf(input)}`;
  const op = (input as Record<string, unknown>).op;
  if (op === undefined) return 'the event needs "op"';
  return `unknown op ${JSON.stringify(op)} (one of ${TRACE_OPS.join(', ')})`;
}

/** `lines[0].qty` from ['lines', 0, 'qty']. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`),
    '',
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function quoted(key: string): string {
  return JSON.stringify(key);
}
