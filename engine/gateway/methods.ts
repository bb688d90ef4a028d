import type { Engine } from '../api/engine.js';
import { OPERATION_NAMES, OPERATIONS, type OperationName } from '../api/operations.js';
import { refuse } from '../api/errors.js';
import { requestsOfColumns } from '../wire/reserve-columns.js';

/** Params by name, already known to be a plain object without forbidden keys. */
export type Params = Record<string, unknown>;

/** A method: the params fields it takes (null: the params object is the request itself) and the call. */
export interface Method {
  fields: readonly string[] | null;
  call: (engine: Engine, params: Params) => Promise<unknown>;
}

/**
 * The gateway's methods, derived from the operation registry (engine/api/operations.ts): each
 * engine operation with the same params (a request object as is; positional arguments by name);
 * subscribe/unsubscribe are answered by the connection. reserveMany also takes its columnar form.
 */
export const METHODS: Readonly<Record<string, Method>> = Object.fromEntries(
  OPERATION_NAMES.filter((name) => !OPERATIONS[name].connection).map((name) => [name, methodOf(name)]),
);

function methodOf(name: OperationName): Method {
  if (name === 'reserveMany') return { fields: OPERATIONS.reserveMany.params, call: reserveMany };
  const { params } = OPERATIONS[name];
  const operation = name as Exclude<OperationName, 'subscribe' | 'unsubscribe'>;
  if (params === 'request')
    return { fields: null, call: (engine, request) => callEngine(engine, operation, [request]) };
  return {
    fields: params,
    call: (engine, byName) => callEngine(engine, operation, trimmed(params.map((field) => byName[field]))),
  };
}

/** Optional arguments left out are not passed (fulfil(id) is not fulfil(id, undefined) to the validators). */
function trimmed(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return end === args.length ? args : args.slice(0, end);
}

/**
 * The engine method's own promise, passed on as it is (an async wrapper would add a promise and a
 * turn per request); stats(), which answers at once, is wrapped.
 */
function callEngine(engine: Engine, name: keyof Engine, args: unknown[]): Promise<unknown> {
  const method = engine[name] as (...values: unknown[]) => unknown;
  const result = method.apply(engine, args);
  return result instanceof Promise ? result : Promise.resolve(result);
}

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
