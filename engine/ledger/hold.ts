import type { EngineError, Refusal } from '../api/errors.js';
import type { LineRequest, Reservation, ReservationLine } from '../api/types.js';
import { HELD, holdStatusName, REFUSED } from '../lifecycle/tables.js';
import type { PlacementRequest } from './ledger.js';
import type { Position } from './position.js';

/** One line of a hold: what was asked, and where its units were placed. */
export class HoldLine {
  fulfilled = 0;

  constructor(
    readonly sku: string,
    /** The location the client asked for, if any (part of the idempotency body). */
    readonly requested: string | undefined,
    readonly qty: number,
    /** Where the units sit; null on a refused record. */
    readonly position: Position | null,
  ) {}

  get location(): string {
    return this.position === null ? '' : this.position.location;
  }
}

/**
 * A hold (reservation), or the record of a refused reserve kept for idempotent replay.
 * `partCount` > 1 marks one shard's part of a hold whose lines span shards.
 */
export class Hold {
  status = HELD;
  /** Tie-breaker for equal deadlines in the TTL queue: insertion order. */
  order = 0;
  /** Position in the ledger's TTL queue while held; -1 otherwise. */
  heapIndex = -1;
  /** When the hold reached a terminal state (retention starts then). */
  terminalAtMs = 0;
  error: EngineError | null = null;

  constructor(
    readonly id: string,
    readonly channel: string,
    readonly ttlMs: number,
    readonly expiresAt: number,
    readonly lines: HoldLine[],
    readonly partCount: number,
    /** The placement the request asked for ({} when none): part of its idempotency body. */
    readonly placement: PlacementRequest,
  ) {}
}

export function sameBody(
  hold: Hold, channel: string, ttlMs: number, lines: readonly LineRequest[], partCount: number, placement: PlacementRequest,
): boolean {
  if (hold.channel !== channel || hold.ttlMs !== ttlMs || hold.partCount !== partCount) return false;
  if (hold.placement.strategy !== placement.strategy || hold.placement.destination !== placement.destination) return false;
  if (hold.lines.length !== lines.length) return false;
  for (let i = 0; i < lines.length; i++) {
    const held = hold.lines[i];
    const asked = lines[i];
    if (held.sku !== asked.sku || held.qty !== asked.qty || held.requested !== asked.location) return false;
  }
  return true;
}

function lineView(line: HoldLine, withProgress: boolean): ReservationLine {
  return { sku: line.sku, location: line.location, qty: line.qty, fulfilled: withProgress ? line.fulfilled : 0 };
}

/** The reservation as it stands now. */
export function reservationOf(hold: Hold): Reservation {
  return {
    id: hold.id,
    channel: hold.channel,
    status: holdStatusName(hold.status) as Reservation['status'],
    expiresAt: hold.expiresAt,
    lines: hold.lines.map((line) => lineView(line, true)),
  };
}

/** The answer the first reserve with this id got: what an idempotent retry returns. */
export function originalOutcome(hold: Hold): { ok: true; reservation: Reservation } | Refusal {
  if (hold.status === REFUSED) return { ok: false, error: hold.error as EngineError };
  return {
    ok: true,
    reservation: {
      id: hold.id,
      channel: hold.channel,
      status: 'held',
      expiresAt: hold.expiresAt,
      lines: hold.lines.map((line) => lineView(line, false)),
    },
  };
}
