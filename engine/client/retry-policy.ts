import { OPERATION_NAMES, OPERATIONS, operationOf } from '../api/operations.js';

/**
 * Which calls may be sent again on a new connection when the old one dropped before their
 * answer. A call is safe when applying it twice has the effect of applying it once:
 * - idempotent by id: reserve, reserveMany, transfer, receiveTransfer (a retried reserve never
 *   holds twice);
 * - transitions that land in the same state: commit, release, freeze, unfreeze, fulfil of the
 *   whole hold (no lines), and their many-calls (commitMany, releaseMany, fulfilMany);
 * - absolute values: sync (a count), setPolicy (replaces the policy);
 * - reads and housekeeping: getReservation, get, stats, expireDue; subscribe, unsubscribe.
 * The others add or remove units each time they apply (receive, adjust, restock, fulfil with
 * lines) or carry such operations (batch, syncMany): they resolve UNAVAILABLE instead.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(OPERATION_NAMES.filter((name) => OPERATIONS[name].resend === 'safe'));

/** The calls that are never re-sent (the registry's `unsafe`). */
export const UNSAFE_METHODS = OPERATION_NAMES.filter((name) => OPERATIONS[name].resend === 'unsafe');

/** True when `method` with these params may be re-sent after a reconnect. Unknown methods are not. */
export function isSafeToResend(method: string, params: unknown): boolean {
  if (operationOf(method)?.resend === 'whole-fulfil') return linesOf(params) === undefined;
  return SAFE_METHODS.has(method);
}

function linesOf(params: unknown): unknown {
  return typeof params === 'object' && params !== null ? (params as { lines?: unknown }).lines : undefined;
}
