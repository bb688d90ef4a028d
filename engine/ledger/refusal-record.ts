import type { EngineError } from '../api/errors.js';
import { REFUSED } from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import { Hold, type HoldLine } from './hold.js';
import { NO_PLACEMENT } from './ledger-types.js';

/** Refusal codes a reserve's record keeps for idempotent replay; every other refusal is transient. */
const RECORDED_CODES: ReadonlySet<string> = new Set(['INSUFFICIENT_STOCK', 'SKU_FROZEN', 'CONFLICT']);

/**
 * Refusals for capacity: a limit of the shard (live holds, transfers in transit,
 * maxSkusPerShard, maxPositionsPerShard, a ceiling on quantities) or its load, not the business
 * state of the request. Transient: never recorded, so a retry is decided afresh once there is room.
 */
const CAPACITY_CODES: ReadonlySet<string> = new Set(['LIMIT_REACHED', 'OVERLOADED']);

/** A refusal the shard records for idempotent replay (the router's hold index agrees: hold-index.ts). */
export function isRecordedRefusal(error: EngineError): boolean {
  return RECORDED_CODES.has(error.code);
}

/** A refusal for capacity (never recorded; see CAPACITY_CODES). */
export function isCapacityRefusal(error: EngineError): boolean {
  return CAPACITY_CODES.has(error.code);
}

const NO_LINES: HoldLine[] = Object.freeze([]) as unknown as HoldLine[];

/**
 * The compact record of a refused reserve, kept for idempotent replay: the original refusal and
 * a digest of the request's body (body-digest.ts) instead of its lines, so a refused 100-line
 * hold costs a few hundred bytes, not one object per line. A part of a cross-shard hold also
 * keeps which of the whole hold's lines it had (the router rebuilds its route from them).
 */
export class RefusalRecord extends Hold {
  constructor(
    id: string,
    channel: string,
    ttlMs: number,
    expiresAt: number,
    partCount: number,
    /** bodyDigest() of the refused request. */
    readonly digest: string,
    /** A part's whole-hold line indexes; null for a whole hold. */
    readonly partLines: readonly number[] | null,
    error: EngineError,
    terminalAtMs: number,
  ) {
    super(id, channel, ttlMs, expiresAt, NO_LINES, partCount, NO_PLACEMENT);
    invariant(isRecordedRefusal(error), `refusal record ${id}: ${error.code} is transient, never recorded`);
    invariant(
      (partLines === null) === (partCount === 1),
      `refusal record ${id}: part lines without parts, or parts without lines`,
    );
    this.status = REFUSED;
    this.error = error;
    this.terminalAtMs = terminalAtMs;
  }
}
