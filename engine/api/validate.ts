import { invariant } from '../../shared/invariant.js';
import { refuse, type Refusal } from './errors.js';
import { LIMITS } from './limits.js';
import { isStrategy, STRATEGIES } from './strategies.js';

/**
 * Validators for every public entry. Each returns null when the input is acceptable, or the
 * INVALID_ARGUMENT refusal that names the first offending field. They never change anything.
 */
type Check = Refusal | null;

/** Allowed fields per shape (short lists: a scan beats hashing on the hot path). */
const RESERVE_FIELDS = ['id', 'channel', 'ttlMs', 'lines', 'strategy', 'destination', 'allowSplit'];
const RESERVE_LINE_FIELDS = ['sku', 'qty', 'location'];
const FULFIL_LINE_FIELDS = ['sku', 'location', 'qty'];
const RECEIVE_FIELDS = ['sku', 'location', 'qty'];
const ADJUST_FIELDS = ['sku', 'location', 'delta', 'reason'];
const FREEZE_FIELDS = ['sku', 'reason'];
const RESTOCK_FIELDS = ['sku', 'location', 'qty', 'condition', 'reservationId', 'receivedAt'];
const TRANSFER_FIELDS = ['id', 'sku', 'from', 'to', 'qty', 'inTransit'];
const RECEIVE_TRANSFER_FIELDS = ['sku', 'id'];
const SYNC_FIELDS = ['sku', 'location', 'onHand', 'asOf'];

/**
 * A non-empty string of at most `lengthMax` UTF-16 units, and well-formed: a lone surrogate
 * cannot be encoded in UTF-8 (msgpack and JSON writers turn it into U+FFFD), so two names that
 * differ only there would become one name past a thread or socket boundary.
 */
export function checkText(value: unknown, field: string, lengthMax: number): Check {
  if (typeof value !== 'string') return refuse.invalidArgument(field, `must be a string, got ${typeName(value)}`);
  if (value.length === 0) return refuse.invalidArgument(field, 'must not be empty');
  if (value.length > lengthMax)
    return refuse.invalidArgument(field, `must be at most ${lengthMax} characters, got ${value.length}`);
  if (!isWellFormed(value)) return refuse.invalidArgument(field, 'must be well-formed Unicode (no lone surrogates)');
  return null;
}

/** String.prototype.isWellFormed (ES2024, in Node 20; the project's lib is ES2023). */
export function isWellFormed(value: string): boolean {
  return (value as string & { isWellFormed(): boolean }).isWellFormed();
}

export function checkQuantity(value: unknown, field: string): Check {
  if (typeof value !== 'number') return refuse.invalidArgument(field, `must be a number, got ${typeName(value)}`);
  if (!Number.isSafeInteger(value)) return refuse.invalidArgument(field, `must be a whole number, got ${value}`);
  if (value <= 0) return refuse.invalidArgument(field, `must be positive, got ${value}`);
  if (value > LIMITS.quantityMax)
    return refuse.invalidArgument(field, `must be at most ${LIMITS.quantityMax}, got ${value}`);
  return null;
}

/** A whole number from 0 to `max` (a count, a limit). */
export function checkCount(value: unknown, field: string, max: number): Check {
  if (typeof value !== 'number') return refuse.invalidArgument(field, `must be a number, got ${typeName(value)}`);
  if (!Number.isSafeInteger(value) || value < 0)
    return refuse.invalidArgument(field, `must be a whole number of at least 0, got ${value}`);
  if (value > max) return refuse.invalidArgument(field, `must be at most ${max}, got ${value}`);
  return null;
}

function checkOptionalBoolean(value: unknown, field: string): Check {
  return value === undefined || typeof value === 'boolean'
    ? null
    : refuse.invalidArgument(field, `must be a boolean, got ${typeName(value)}`);
}

function checkDelta(value: unknown, field: string): Check {
  if (typeof value !== 'number') return refuse.invalidArgument(field, `must be a number, got ${typeName(value)}`);
  if (!Number.isSafeInteger(value) || value === 0)
    return refuse.invalidArgument(field, `must be a non-zero whole number, got ${value}`);
  if (Math.abs(value) > LIMITS.quantityMax)
    return refuse.invalidArgument(field, `must be within ±${LIMITS.quantityMax}, got ${value}`);
  return null;
}

function checkTtl(value: unknown, field: string): Check {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return refuse.invalidArgument(
      field,
      `must be a whole number of milliseconds, got ${typeof value === 'number' ? value : typeName(value)}`,
    );
  }
  if (value < LIMITS.ttlMsMin || value > LIMITS.ttlMsMax) {
    return refuse.invalidArgument(field, `must be between ${LIMITS.ttlMsMin} and ${LIMITS.ttlMsMax}, got ${value}`);
  }
  return null;
}

/** A plain object carrying only the allowed fields. */
export function checkShape(value: unknown, field: string, allowed: readonly string[]): Check {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse.invalidArgument(field, `must be an object, got ${typeName(value)}`);
  }
  for (const key in value) {
    if (!allowed.includes(key))
      return refuse.invalidArgument(field === 'request' ? key : `${field}.${key}`, 'is not a known field');
  }
  return null;
}

function checkLineList(value: unknown, field: string): Check {
  if (!Array.isArray(value)) return refuse.invalidArgument(field, `must be an array, got ${typeName(value)}`);
  if (value.length === 0) return refuse.invalidArgument(field, 'must have at least one line');
  if (value.length > LIMITS.linesPerHoldMax) {
    return refuse.invalidArgument(field, `must have at most ${LIMITS.linesPerHoldMax} lines, got ${value.length}`);
  }
  return null;
}

function checkLine(line: unknown, field: string, allowed: readonly string[], locationRequired: boolean): Check {
  const record = line as Record<string, unknown>;
  return (
    checkShape(line, field, allowed) ??
    checkText(record.sku, `${field}.sku`, LIMITS.skuLengthMax) ??
    checkQuantity(record.qty, `${field}.qty`) ??
    (record.location === undefined && !locationRequired
      ? null
      : checkText(record.location, `${field}.location`, LIMITS.locationLengthMax))
  );
}

function checkLines(value: unknown, field: string, allowed: readonly string[], locationRequired: boolean): Check {
  const listProblem = checkLineList(value, field);
  if (listProblem !== null) return listProblem;
  const lines = value as Record<string, unknown>[];
  for (let index = 0; index < lines.length; index++) {
    const problem = checkLine(lines[index], `${field}[${index}]`, allowed, locationRequired);
    if (problem !== null) return problem;
  }
  return checkDistinct(lines, field);
}

/** No two lines may name the same (sku, location); an omitted location is a value of its own. */
function checkDistinct(lines: Record<string, unknown>[], field: string): Check {
  if (lines.length === 1) return null;
  const seen = new Set<string>();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    invariant(line !== undefined, `${field}[${index}] is a line checkLine accepted`);
    const key = `${line.sku as string}\u0000${(line.location as string | undefined) ?? ''}`;
    if (seen.has(key))
      return refuse.invalidArgument(`${field}[${index}]`, 'repeats the sku and location of an earlier line');
    seen.add(key);
  }
  return null;
}

export function checkReserve(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', RESERVE_FIELDS) ??
    checkText(record.id, 'id', LIMITS.idLengthMax) ??
    checkText(record.channel, 'channel', LIMITS.channelLengthMax) ??
    checkTtl(record.ttlMs, 'ttlMs') ??
    checkLines(record.lines, 'lines', RESERVE_LINE_FIELDS, false) ??
    checkPlacement(record.strategy, record.destination) ??
    checkOptionalBoolean(record.allowSplit, 'allowSplit')
  );
}

/** `strategy` names a known strategy; `destination` is a location-like name. */
function checkPlacement(strategy: unknown, destination: unknown): Check {
  if (strategy !== undefined && !isStrategy(strategy)) {
    return refuse.invalidArgument('strategy', `must be one of ${STRATEGIES.join(', ')}, got ${shown(strategy)}`);
  }
  if (strategy === 'closest' && destination === undefined)
    return refuse.invalidArgument('destination', "is required by strategy 'closest'");
  return destination === undefined ? null : checkText(destination, 'destination', LIMITS.locationLengthMax);
}

export function checkId(id: unknown): Check {
  return checkText(id, 'id', LIMITS.idLengthMax);
}

export function checkFulfil(id: unknown, lines: unknown): Check {
  return checkId(id) ?? (lines === undefined ? null : checkLines(lines, 'lines', FULFIL_LINE_FIELDS, true));
}

export function checkReceive(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return checkShape(request, 'request', RECEIVE_FIELDS) ?? checkPosition(record) ?? checkQuantity(record.qty, 'qty');
}

export function checkAdjust(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', ADJUST_FIELDS) ??
    checkPosition(record) ??
    checkDelta(record.delta, 'delta') ??
    checkText(record.reason, 'reason', LIMITS.reasonLengthMax)
  );
}

/** The position a request names: its `sku` and `location`. */
function checkPosition(record: Record<string, unknown>): Check {
  return (
    checkText(record.sku, 'sku', LIMITS.skuLengthMax) ??
    checkText(record.location, 'location', LIMITS.locationLengthMax)
  );
}

export function checkSku(sku: unknown): Check {
  return checkText(sku, 'sku', LIMITS.skuLengthMax);
}

/**
 * The SKU list of a subscription, under the name `field`: 1 to skusPerSubscriptionMax SKUs, each
 * named by its index (`skus[3]: must not be empty`); `'*'` (every SKU) only where `everythingAllowed`.
 * The one check of a SKU list: the engine's subscribe, the client's and the gateway's all use it.
 */
export function checkSkuList(value: unknown, field: string, everythingAllowed: boolean): Check {
  if (everythingAllowed && value === '*') return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > LIMITS.skusPerSubscriptionMax) {
    const what = `an array of 1 to ${LIMITS.skusPerSubscriptionMax} SKUs`;
    return refuse.invalidArgument(field, `must be ${everythingAllowed ? `'*' or ${what}` : what}`);
  }
  for (let index = 0; index < value.length; index++) {
    const problem = checkText(value[index], `${field}[${index}]`, LIMITS.skuLengthMax);
    if (problem !== null) return problem;
  }
  return null;
}

export function checkFreeze(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', FREEZE_FIELDS) ??
    checkText(record.sku, 'sku', LIMITS.skuLengthMax) ??
    checkText(record.reason, 'reason', LIMITS.reasonLengthMax)
  );
}

export function checkRestock(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', RESTOCK_FIELDS) ??
    checkPosition(record) ??
    checkQuantity(record.qty, 'qty') ??
    (record.condition === 'sellable' || record.condition === 'damaged'
      ? null
      : refuse.invalidArgument('condition', `must be 'sellable' or 'damaged', got ${shown(record.condition)}`)) ??
    (record.reservationId === undefined
      ? null
      : checkText(record.reservationId, 'reservationId', LIMITS.idLengthMax)) ??
    (record.receivedAt === undefined || (Number.isSafeInteger(record.receivedAt) && (record.receivedAt as number) >= 0)
      ? null
      : refuse.invalidArgument('receivedAt', `must be a time in epoch milliseconds, got ${shown(record.receivedAt)}`))
  );
}

export function checkTransfer(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', TRANSFER_FIELDS) ??
    checkText(record.id, 'id', LIMITS.idLengthMax) ??
    checkText(record.sku, 'sku', LIMITS.skuLengthMax) ??
    checkText(record.from, 'from', LIMITS.locationLengthMax) ??
    checkText(record.to, 'to', LIMITS.locationLengthMax) ??
    (record.from === record.to ? refuse.invalidArgument('to', 'must differ from from') : null) ??
    checkQuantity(record.qty, 'qty') ??
    checkOptionalBoolean(record.inTransit, 'inTransit')
  );
}

export function checkReceiveTransfer(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', RECEIVE_TRANSFER_FIELDS) ??
    checkText(record.sku, 'sku', LIMITS.skuLengthMax) ??
    checkText(record.id, 'id', LIMITS.idLengthMax)
  );
}

export function checkSync(request: unknown): Check {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', SYNC_FIELDS) ??
    checkPosition(record) ??
    checkCount(record.onHand, 'onHand', LIMITS.onHandMax) ??
    checkCount(record.asOf, 'asOf', Number.MAX_SAFE_INTEGER)
  );
}

/** A value as an error message may show it: never throws (an object's own toString is never called). */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined)
    return String(value);
  return typeName(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
