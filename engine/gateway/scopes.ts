import { OPERATION_NAMES, OPERATIONS, type OperationScope } from '../api/operations.js';

/**
 * What each scope of a token allows (as Redis ACL categories and Shopify access scopes do): a
 * method belongs to exactly one scope; `admin` allows every method. `batch` has no scope of its
 * own: each operation it carries is checked by its own scope.
 */
export const SCOPES = ['read', 'reserve', 'stock', 'admin'] as const satisfies readonly OperationScope[];
export type Scope = OperationScope;

/** The scope each method (and each batch operation) needs: the registry's. */
export const METHOD_SCOPE: Readonly<Record<string, Scope>> = Object.fromEntries(
  OPERATION_NAMES.map((name) => [name, OPERATIONS[name].scope]),
);

/** The methods of the `reserve` scope that act on an existing hold, named by its id. */
export const BY_HOLD_ID: ReadonlySet<string> = new Set(OPERATION_NAMES.filter((name) => OPERATIONS[name].byHoldId));

/** The many-calls that act on existing holds (params.ids), and their single call. */
export const MANY_BY_HOLD_ID: Readonly<Record<string, string>> = Object.fromEntries(
  OPERATION_NAMES.flatMap((name) => {
    const single = OPERATIONS[name].manyOf;
    return single === null ? [] : [[name, single]];
  }),
);

/** Who presented a token: its name (logs, metrics) and what it may do. */
export interface Principal {
  readonly name: string;
  /** SHA-256 of the token, lower-case hex: how the token is found again after a reload. */
  readonly digest: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The channels a `reserve` token may act for; null: every channel. */
  readonly channels: ReadonlySet<string> | null;
}

/** Whether the principal holds the scope the method needs (admin holds every one). */
export function allows(principal: Principal, method: string): boolean {
  if (principal.scopes.has('admin')) return true;
  const scope = METHOD_SCOPE[method];
  return scope !== undefined && principal.scopes.has(scope);
}

/** The same name, scopes and channels: a reload that keeps them keeps the token's connections. */
export function sameGrant(a: Principal, b: Principal): boolean {
  return (
    a.name === b.name &&
    sameSet(a.scopes, b.scopes) &&
    (a.channels === null ? b.channels === null : b.channels !== null && sameSet(a.channels, b.channels))
  );
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
