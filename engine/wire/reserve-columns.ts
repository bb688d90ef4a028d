import { refuse, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ReserveRequest } from '../api/types.js';

/**
 * reserveMany's columnar params: single-line holds as parallel columns, about a third of the
 * values and bytes of the same requests as objects (each object repeats its keys):
 *   { columns: { id: string[], sku: string[], qty: number[], channel: string | string[], ttlMs: number | number[] } }
 * A column given as one value applies to every request. Expanded here into ReserveRequests, which
 * the engine then validates one by one, exactly as reserveMany({ requests }).
 */
export interface ReserveColumns {
  id: unknown;
  sku: unknown;
  qty: unknown;
  channel: unknown;
  ttlMs: unknown;
}

const COLUMN_KEYS = ['id', 'sku', 'qty', 'channel', 'ttlMs'] as const;
const PER_ROW_KEYS = ['id', 'sku', 'qty'] as const;
const SHARED_KEYS = ['channel', 'ttlMs'] as const;

/** The requests the columns stand for, or the refusal of the whole call (nothing runs). */
export function requestsOfColumns(columns: unknown): ReserveRequest[] | Refusal {
  const problem = columnsProblem(columns);
  if (problem !== null) return problem;
  const { id, sku, qty, channel, ttlMs } = columns as ReserveColumns;
  const ids = id as unknown[];
  const skus = sku as unknown[];
  const qtys = qty as unknown[];
  const requests = new Array<ReserveRequest>(ids.length);
  for (let row = 0; row < ids.length; row++) {
    requests[row] = {
      id: ids[row],
      channel: Array.isArray(channel) ? channel[row] : channel,
      ttlMs: Array.isArray(ttlMs) ? ttlMs[row] : ttlMs,
      lines: [{ sku: skus[row], qty: qtys[row] }],
    } as ReserveRequest;
  }
  return requests;
}

function columnsProblem(columns: unknown): Refusal | null {
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns))
    return refuse.invalidArgument('columns', 'must be an object { id, sku, qty, channel, ttlMs }');
  for (const key of Object.keys(columns)) {
    if (!(COLUMN_KEYS as readonly string[]).includes(key))
      return refuse.invalidArgument(`columns.${key}`, 'is not a known column');
  }
  const record = columns as Record<string, unknown>;
  for (const key of PER_ROW_KEYS) {
    if (!Array.isArray(record[key])) return refuse.invalidArgument(`columns.${key}`, 'must be an array');
  }
  for (const key of SHARED_KEYS) {
    if (record[key] === undefined)
      return refuse.invalidArgument(
        `columns.${key}`,
        'is required: one value for every row, or an array of one per row',
      );
  }
  const rows = (record.id as unknown[]).length;
  if (rows > LIMITS.manyOpsMax)
    return refuse.invalidArgument('columns.id', `must have at most ${LIMITS.manyOpsMax} entries, got ${rows}`);
  for (const key of COLUMN_KEYS) {
    const column = record[key];
    if (Array.isArray(column) && column.length !== rows)
      return refuse.invalidArgument(
        `columns.${key}`,
        `must have ${rows} entries (as columns.id), got ${column.length}`,
      );
  }
  return null;
}

/**
 * The columns for these requests when every one is a plain single-line hold ({ id, channel, ttlMs,
 * lines: [{ sku, qty }] } and nothing else); null when any is not (they go as objects). A channel or
 * ttlMs shared by all goes once.
 */
export function columnsOfRequests(requests: readonly ReserveRequest[]): ReserveColumns | null {
  if (requests.length === 0) return null;
  const id = new Array<string>(requests.length);
  const sku = new Array<string>(requests.length);
  const qty = new Array<number>(requests.length);
  const channels = new Array<string>(requests.length);
  const ttls = new Array<number>(requests.length);
  for (let row = 0; row < requests.length; row++) {
    const request = requests[row]!;
    if (!isPlainSingleLine(request)) return null;
    const line = request.lines[0]!;
    id[row] = request.id;
    sku[row] = line.sku;
    qty[row] = line.qty;
    channels[row] = request.channel;
    ttls[row] = request.ttlMs;
  }
  return { id, sku, qty, channel: sharedOrColumn(channels), ttlMs: sharedOrColumn(ttls) };
}

function isPlainSingleLine(request: ReserveRequest): boolean {
  if (typeof request !== 'object' || request === null) return false;
  let keys = 0;
  // A field present but undefined goes as an object, so the engine names it as it would embedded.
  for (const key in request) {
    if (key !== 'id' && key !== 'channel' && key !== 'ttlMs' && key !== 'lines') return false;
    if ((request as unknown as Record<string, unknown>)[key] === undefined) return false;
    keys++;
  }
  const { lines } = request;
  if (keys !== 4 || !Array.isArray(lines) || lines.length !== 1) return false;
  const line = lines[0] as unknown;
  if (typeof line !== 'object' || line === null) return false;
  let lineKeys = 0;
  for (const key in line) {
    if (key !== 'sku' && key !== 'qty') return false;
    if ((line as Record<string, unknown>)[key] === undefined) return false;
    lineKeys++;
  }
  return lineKeys === 2;
}

function sharedOrColumn<T>(values: T[]): T | T[] {
  const first = values[0];
  for (let row = 1; row < values.length; row++) if (values[row] !== first) return values;
  return first as T;
}
