import type { Engine } from '../api/engine.js';
import type { FulfilLine } from '../api/types.js';
import type { BatchEntry } from '../api/batch-entry.js';
import { refuse } from '../api/errors.js';
import { requestsOfColumns } from '../wire/reserve-columns.js';

/** Params by name, already known to be a plain object without forbidden keys. */
export type Params = Record<string, unknown>;

/** A method: the params fields it takes (null: the params object is the request itself) and the call. */
export interface Method {
  fields: readonly string[] | null;
  call: (engine: Engine, params: Params) => Promise<unknown>;
}

/** A request object passed to the embedded operation as it is (the engine validates every field). */
function whole(call: (engine: Engine, request: never) => Promise<unknown>): Method {
  return { fields: null, call: (engine, params) => call(engine, params as never) };
}

function byFields(fields: readonly string[], call: (engine: Engine, params: Params) => Promise<unknown>): Method {
  return { fields, call };
}

/**
 * The gateway's methods: the embedded API's operations with the same params (a request object
 * as is; positional arguments by name), plus subscribe/unsubscribe (handled by the connection).
 */
export const METHODS: Readonly<Record<string, Method>> = {
  receive: whole((engine, request) => engine.receive(request)),
  adjust: whole((engine, request) => engine.adjust(request)),
  reserve: whole((engine, request) => engine.reserve(request)),
  freeze: whole((engine, request) => engine.freeze(request)),
  restock: whole((engine, request) => engine.restock(request)),
  transfer: whole((engine, request) => engine.transfer(request)),
  receiveTransfer: whole((engine, request) => engine.receiveTransfer(request)),
  setPolicy: whole((engine, request) => engine.setPolicy(request)),
  sync: whole((engine, request) => engine.sync(request)),
  commit: byFields(['id'], (engine, { id }) => engine.commit(id as string)),
  release: byFields(['id'], (engine, { id }) => engine.release(id as string)),
  getReservation: byFields(['id'], (engine, { id }) => engine.getReservation(id as string)),
  fulfil: byFields(['id', 'lines'], (engine, { id, lines }) =>
    engine.fulfil(id as string, lines as FulfilLine[] | undefined),
  ),
  get: byFields(['sku'], (engine, { sku }) => engine.get(sku as string)),
  unfreeze: byFields(['sku'], (engine, { sku }) => engine.unfreeze(sku as string)),
  syncMany: byFields(['requests'], (engine, { requests }) => engine.syncMany(requests as never)),
  reserveMany: byFields(['requests', 'columns'], reserveMany),
  commitMany: byFields(['ids'], (engine, { ids }) => engine.commitMany(ids as string[])),
  releaseMany: byFields(['ids'], (engine, { ids }) => engine.releaseMany(ids as string[])),
  fulfilMany: byFields(['ids'], (engine, { ids }) => engine.fulfilMany(ids as string[])),
  batch: byFields(['ops'], (engine, { ops }) => engine.batch(ops as BatchEntry[])),
  expireDue: byFields([], (engine) => engine.expireDue()),
  stats: byFields([], async (engine) => engine.stats()),
};

/** reserveMany takes its requests as objects ({ requests }) or as columns ({ columns }), never both. */
function reserveMany(engine: Engine, { requests, columns }: Params): Promise<unknown> {
  if (columns === undefined) return engine.reserveMany(requests as never);
  if (requests !== undefined)
    return Promise.resolve(refuse.invalidArgument('params', 'must carry requests or columns, not both'));
  const expanded = requestsOfColumns(columns);
  return Array.isArray(expanded) ? engine.reserveMany(expanded) : Promise.resolve(expanded);
}

/** The first params field a by-fields method does not take, if any. */
export function unknownField(method: Method, params: Params): string | undefined {
  if (method.fields === null) return undefined;
  return Object.keys(params).find((key) => !(method.fields as readonly string[]).includes(key));
}
