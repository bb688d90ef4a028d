/**
 * The one table of stable error codes. Every refusal the engine returns carries one of these
 * codes; docs/api.md and docs/durability.md document each (test/docs/error-codes.test.ts fails when one is missing).
 */
export const ERROR_CODES = {
  INVALID_ARGUMENT: 'a field is missing, of the wrong type, out of range, or unknown; the message names it',
  INSUFFICIENT_STOCK: 'not enough units are available to hold a line, or an adjustment would take onHand below zero',
  CONFLICT: 'a reservation id was reused with a different body',
  NOT_FOUND: 'no reservation with that id, or no SKU with that name, is known',
  INVALID_STATE: 'the reservation or SKU is in a state that does not allow this transition',
  SKU_FROZEN: 'the SKU is frozen: it takes no new reservations until unfrozen',
  LIMIT_REACHED: 'a capacity limit (live holds, SKUs or positions per shard, quantity ceiling) would be exceeded',
  STALE_SYNC: 'a count is older than the last count applied to that position; nothing changed',
  SYNC_TOO_OLD: 'a count is older than the movements the engine still remembers (syncHorizonMs); it cannot be rebased',
  OVERLOADED: 'the shard has reached its in-flight limit; retry after error.retryAfterMs',
  UNAVAILABLE: 'the shard failed while the request was in flight; the outcome is unknown, retry with the same id',
  STORAGE_FAILED:
    'the shard could not make the operation durable (disk full, I/O error, no file descriptors): nothing of ' +
    'it was applied, in memory or on disk; the shard takes no operations until it has recovered from disk',
  CLOSED: 'the engine is closed',
  FORBIDDEN:
    'the token the client connected with does not allow this call ' +
    '(its scopes or channels); nothing changed (gateway -32003)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface EngineError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
  /** For a refused reserve: the index of the first line that could not be held. */
  readonly line?: number;
}

export interface Refusal {
  readonly ok: false;
  readonly error: EngineError;
}

function refusal(code: ErrorCode, message: string): Refusal {
  return { ok: false, error: { code, message } };
}

/** One factory per code: callers never spell a code as a string literal. */
export const refuse = {
  invalidArgument: (field: string, problem: string): Refusal => refusal('INVALID_ARGUMENT', `${field}: ${problem}`),
  insufficientStock: (message: string, line?: number): Refusal =>
    line === undefined
      ? refusal('INSUFFICIENT_STOCK', message)
      : { ok: false, error: { code: 'INSUFFICIENT_STOCK', message, line } },
  conflict: (what: string): Refusal => refusal('CONFLICT', `${what} already exists with a different body`),
  notFound: (what: string): Refusal => refusal('NOT_FOUND', `${what} not found`),
  invalidState: (message: string): Refusal => refusal('INVALID_STATE', message),
  skuFrozen: (sku: string, line: number): Refusal => ({
    ok: false,
    error: { code: 'SKU_FROZEN', message: `lines[${line}]: sku '${sku}' is frozen`, line },
  }),
  limitReached: (message: string): Refusal => refusal('LIMIT_REACHED', message),
  staleSync: (message: string): Refusal => refusal('STALE_SYNC', message),
  syncTooOld: (message: string): Refusal => refusal('SYNC_TOO_OLD', message),
  overloaded: (shard: number, retryAfterMs: number): Refusal => ({
    ok: false,
    error: { code: 'OVERLOADED', message: `shard ${shard} is at its in-flight limit`, retryAfterMs },
  }),
  unavailable: (shard: number, cause: string): Refusal => refusal('UNAVAILABLE', `shard ${shard} failed: ${cause}`),
  storageFailed: (shard: number, cause: string): Refusal =>
    refusal(
      'STORAGE_FAILED',
      `shard ${shard} is stopped after a storage failure (${cause}); ` +
        `nothing of this operation was applied; retry once it has recovered`,
    ),
  closed: (): Refusal => refusal('CLOSED', 'the engine is closed'),
  forbidden: (message: string): Refusal => refusal('FORBIDDEN', message),
};

/**
 * Thrown only where no result can be returned: createEngine's options and subscribe's
 * arguments (programming errors). Coded like every refusal.
 */
export class InvalidArgumentError extends Error {
  readonly code = 'INVALID_ARGUMENT';
  override name = 'InvalidArgumentError';
}
