/**
 * The fuzzer's vocabulary, shared by the generators and the oracle: the SKUs, holds and
 * locations the frames name, every method the gateway answers and the fields each takes, the
 * limits docs/service.md "Limits and backpressure" states, and the shapes of a frame and an answer.
 */

export type Encoding = 'json' | 'msgpack';
export type RpcId = string | number | null;

export const FUZZ_SKUS = ['FZ-0', 'FZ-1', 'FZ-2', 'FZ-3', 'FZ-4', 'FZ-5'] as const;
export const FUZZ_MISSING_SKUS = ['FZ-NONE', 'fz-0'] as const;
export const FUZZ_LOCATIONS = ['A', 'B'] as const;
export const FUZZ_HOLDS = ['hold-0', 'hold-1', 'hold-2', 'hold-3', 'hold-4'] as const;
export const FUZZ_TRANSFERS = ['t-0'] as const;

/** Every method the gateway answers (docs/service.md "Protocol: JSON-RPC 2.0"). */
export const READ_METHODS = ['get', 'getReservation', 'stats', 'subscribe', 'unsubscribe'] as const;
export const WRITE_METHODS = [
  'receive',
  'adjust',
  'reserve',
  'commit',
  'fulfil',
  'release',
  'freeze',
  'unfreeze',
  'restock',
  'transfer',
  'receiveTransfer',
  'setPolicy',
  'sync',
  'syncMany',
  'batch',
  'expireDue',
] as const;
export const KNOWN_METHODS: ReadonlySet<string> = new Set<string>([...READ_METHODS, ...WRITE_METHODS]);
export const WRITES: ReadonlySet<string> = new Set<string>(WRITE_METHODS);
export type WriteMethod = (typeof WRITE_METHODS)[number];
export type ReadMethod = (typeof READ_METHODS)[number];

/** Methods whose params are named fields (the gateway refuses any other field itself). */
export const BY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  commit: ['id'],
  release: ['id'],
  getReservation: ['id'],
  fulfil: ['id', 'lines'],
  get: ['sku'],
  unfreeze: ['sku'],
  syncMany: ['requests'],
  batch: ['ops'],
  expireDue: [],
  stats: [],
  subscribe: ['skus'],
  unsubscribe: ['skus'],
};

/** The documented fields of each whole-request method (docs/api.md "Operations"). */
const REQUEST_FIELDS: Readonly<Record<string, readonly string[]>> = {
  receive: ['sku', 'location', 'qty'],
  adjust: ['sku', 'location', 'delta', 'reason'],
  reserve: ['id', 'channel', 'ttlMs', 'lines', 'strategy', 'destination', 'allowSplit'],
  freeze: ['sku', 'reason'],
  restock: ['sku', 'location', 'qty', 'condition', 'reservationId', 'receivedAt'],
  transfer: ['id', 'sku', 'from', 'to', 'qty', 'inTransit'],
  receiveTransfer: ['sku', 'id'],
  setPolicy: ['sku', 'safetyStock', 'fences', 'caps', 'backorderLimit'],
  sync: ['sku', 'location', 'onHand', 'asOf'],
};

export function fieldsOf(method: string): readonly string[] {
  return BY_FIELDS[method] ?? REQUEST_FIELDS[method] ?? [];
}

/** Fields whose absence the engine always refuses. */
export const REQUIRED: Readonly<Record<WriteMethod, readonly string[]>> = {
  receive: ['sku', 'location', 'qty'],
  adjust: ['sku', 'location', 'delta', 'reason'],
  reserve: ['id', 'channel', 'ttlMs', 'lines'],
  commit: ['id'],
  fulfil: ['id'],
  release: ['id'],
  freeze: ['sku', 'reason'],
  unfreeze: ['sku'],
  restock: ['sku', 'location', 'qty', 'condition'],
  transfer: ['id', 'sku', 'from', 'to', 'qty'],
  receiveTransfer: ['sku', 'id'],
  setPolicy: ['sku'],
  sync: ['sku', 'location', 'onHand', 'asOf'],
  syncMany: ['requests'],
  batch: ['ops'],
  expireDue: [],
};

/** docs/service.md "Limits and backpressure": engine operations and values per frame, values per request. */
export const FRAME_OPS_MAX = 10_000;
export const VALUES_PER_FRAME_MAX = 1_048_576;
export const VALUES_PER_REQUEST_MAX = 524_288;

/** A batch op every engine refuses INVALID_ARGUMENT (get of a number): safe to send by the thousand. */
export const REFUSED_OP = { op: 'get', args: [5] };
/** A count syncMany refuses INVALID_ARGUMENT (no location, onHand or asOf). */
export const REFUSED_COUNT = { sku: 'FZ-0' };

/** What the generators must respect: frames are never over the gateway's maxPayloadBytes. */
export interface FrameOptions {
  maxPayloadBytes: number;
}

/** A frame as sent: its kind (for the tally and reproductions), text (json) or binary (msgpack), its bytes. */
export interface FuzzFrame {
  kind: string;
  encoding: Encoding;
  bytes: Buffer;
}

/** An answer as received: binary or text frame, and its decoded data. */
export interface Answer {
  binary: boolean;
  data: unknown;
}
