/**
 * The operation registry: every call of the public API, once, with what each layer needs to know
 * about it. The batch entry list, the gateway's methods and params, the token scopes, the frame
 * weights and the client's re-send list are all derived from this table (never written out again).
 * The shard-level opcodes have their own table (engine/shard/shard-ops.ts).
 */
import { LIMITS } from './limits.js';

/** Who may call it (gateway tokens; `admin` may call everything). */
export type OperationScope = 'read' | 'reserve' | 'stock' | 'admin';

/**
 * Whether a call may be sent again on a new connection when the old one dropped before its answer:
 * `safe` when applying it twice has the effect of applying it once; `whole-fulfil` only without
 * lines; `unsafe` when each application adds or removes units, or carries operations that do.
 */
export type Resend = 'safe' | 'whole-fulfil' | 'unsafe';

export interface OperationSpec {
  scope: OperationScope;
  /** Gateway params: the request object itself ('request'), or the arguments by name, in order. */
  params: 'request' | readonly string[];
  resend: Resend;
  /** It may be an entry of batch(). */
  inBatch: boolean;
  /** It acts on an existing hold named by params.id (a channel-bound token checks the hold's channel). */
  byHoldId: boolean;
  /** A list call: the params field it carries its entries in, and how many it may carry (frame weight). */
  list: { field: string; max: number } | null;
  /** The single call a many-call runs for each of its ids (null otherwise). */
  manyOf: string | null;
  /** Answered by the gateway connection, not by an engine method (subscriptions). */
  connection: boolean;
}

type Spec = Partial<OperationSpec> & Pick<OperationSpec, 'scope' | 'params' | 'resend'>;

const DEFAULTS = { inBatch: true, byHoldId: false, list: null, manyOf: null, connection: false } as const;

/** A single call: in batch() unless it says otherwise (the literal types are kept, for BatchOperation). */
function single<const S extends Spec>(spec: S): Omit<typeof DEFAULTS, keyof S> & S {
  return { ...DEFAULTS, ...spec };
}

/** A list call: never in batch(); its list's field and length bound. */
function many<const S extends Spec>(field: string, max: number, spec: S) {
  return single({ ...spec, inBatch: false, list: { field, max } } as const);
}

const REQUEST = 'request';
const ID = ['id'] as const;
const SKU = ['sku'] as const;

export const OPERATIONS = {
  receive: single({ scope: 'stock', params: REQUEST, resend: 'unsafe' }),
  adjust: single({ scope: 'stock', params: REQUEST, resend: 'unsafe' }),
  reserve: single({ scope: 'reserve', params: REQUEST, resend: 'safe' }),
  commit: single({ scope: 'reserve', params: ID, resend: 'safe', byHoldId: true }),
  fulfil: single({ scope: 'reserve', params: ['id', 'lines'], resend: 'whole-fulfil', byHoldId: true }),
  release: single({ scope: 'reserve', params: ID, resend: 'safe', byHoldId: true }),
  getReservation: single({ scope: 'read', params: ID, resend: 'safe' }),
  get: single({ scope: 'read', params: SKU, resend: 'safe' }),
  freeze: single({ scope: 'admin', params: REQUEST, resend: 'safe' }),
  unfreeze: single({ scope: 'admin', params: SKU, resend: 'safe' }),
  transfer: single({ scope: 'stock', params: REQUEST, resend: 'safe' }),
  receiveTransfer: single({ scope: 'stock', params: REQUEST, resend: 'safe' }),
  restock: single({ scope: 'stock', params: REQUEST, resend: 'unsafe' }),
  sync: single({ scope: 'stock', params: REQUEST, resend: 'safe' }),
  setPolicy: single({ scope: 'admin', params: REQUEST, resend: 'safe' }),
  syncMany: many('requests', LIMITS.syncManyMax, { scope: 'stock', params: ['requests'], resend: 'unsafe' }),
  reserveMany: many('requests', LIMITS.manyOpsMax, {
    scope: 'reserve',
    params: ['requests', 'columns'],
    resend: 'safe',
  }),
  commitMany: many('ids', LIMITS.manyOpsMax, { scope: 'reserve', params: ['ids'], resend: 'safe', manyOf: 'commit' }),
  releaseMany: many('ids', LIMITS.manyOpsMax, {
    scope: 'reserve',
    params: ['ids'],
    resend: 'safe',
    manyOf: 'release',
  }),
  fulfilMany: many('ids', LIMITS.manyOpsMax, { scope: 'reserve', params: ['ids'], resend: 'safe', manyOf: 'fulfil' }),
  batch: many('ops', LIMITS.batchOpsMax, { scope: 'read', params: ['ops'], resend: 'unsafe' }),
  expireDue: single({ scope: 'admin', params: [], resend: 'safe', inBatch: false }),
  stats: single({ scope: 'read', params: [], resend: 'safe', inBatch: false }),
  subscribe: single({ scope: 'read', params: ['skus'], resend: 'safe', inBatch: false, connection: true }),
  unsubscribe: single({ scope: 'read', params: ['skus'], resend: 'safe', inBatch: false, connection: true }),
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

/** The operations a batch() may carry. */
export type BatchOperation = {
  [K in OperationName]: (typeof OPERATIONS)[K]['inBatch'] extends true ? K : never;
}[OperationName];

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

/** The operations a batch() may carry, in the registry's order. */
export const BATCH_OPERATIONS = OPERATION_NAMES.filter((name) => OPERATIONS[name].inBatch) as BatchOperation[];

/** The operation's spec, or undefined for a name that is not one. */
export function operationOf(name: string): OperationSpec | undefined {
  return Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name as OperationName] : undefined;
}
