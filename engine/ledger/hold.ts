import type { EngineError, Refusal } from '../api/errors.js';
import type { LineRequest, Reservation, ReservationLine } from '../api/types.js';
import { HELD, holdStatusName, REFUSED } from '../lifecycle/tables.js';
import type { PlacementRequest } from './ledger-types.js';
import type { Position } from './position.js';

/**
 * One placed portion of a request line: where its units sit. A line split across locations
 * (allowSplit) is several HoldLines with the same `line`, in the order they were taken.
 */
export class HoldLine {
  fulfilled = 0;
  /** Units of `qty` still waiting for stock (a backorder); they are not in the position's counts. */
  backordered = 0;
  /** `backordered` as the reserve left it: part of the original outcome a replay returns. */
  backorderedAtReserve = 0;

  constructor(
    readonly sku: string,
    /** The location the client asked for, if any (part of the idempotency body). */
    readonly requested: string | undefined,
    readonly qty: number,
    /** Where the units sit; null on a refused record. */
    readonly position: Position | null,
    /** The index of the request line this serves, in the whole hold. */
    readonly line: number,
  ) {}

  get location(): string {
    return this.position === null ? '' : this.position.location;
  }

  /** Units taken from stock and not shipped: what the position counts for this line. */
  get allocatedUnshipped(): number {
    return this.qty - this.backordered - this.fulfilled;
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
  /** Its node in the ledger's deadline queue (DeadlineBuckets) while held; -1 (NO_NODE) otherwise. */
  deadlineNode = -1;
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
  hold: Hold,
  channel: string,
  ttlMs: number,
  lines: readonly LineRequest[],
  partCount: number,
  placement: PlacementRequest,
): boolean {
  if (hold.channel !== channel || hold.ttlMs !== ttlMs || hold.partCount !== partCount) return false;
  if (
    hold.placement.strategy !== placement.strategy ||
    hold.placement.destination !== placement.destination ||
    hold.placement.allowSplit !== placement.allowSplit
  )
    return false;
  if (hold.lines.length === lines.length) return sameLines(hold.lines, lines);
  return sameSplitLines(hold.lines, lines);
}

/** One hold line per request line (nothing split): compare them pairwise. */
function sameLines(held: readonly HoldLine[], lines: readonly LineRequest[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    const asked = lines[i]!;
    const line = held[i]!;
    if (line.sku !== asked.sku || line.qty !== asked.qty || line.requested !== asked.location) return false;
  }
  return true;
}

/** Split lines: consecutive hold lines serving one request line add up to it. */
function sameSplitLines(held: readonly HoldLine[], lines: readonly LineRequest[]): boolean {
  let at = 0;
  for (const asked of lines) {
    if (at >= held.length) return false;
    const line = held[at]!.line;
    let qty = 0;
    for (; at < held.length && held[at]!.line === line; at++) {
      const part = held[at]!;
      if (part.sku !== asked.sku || part.requested !== asked.location) return false;
      qty += part.qty;
    }
    if (qty !== asked.qty) return false;
  }
  return at === held.length;
}

function lineView(line: HoldLine, now: boolean): ReservationLine {
  return {
    line: line.line,
    sku: line.sku,
    location: line.location,
    qty: line.qty,
    fulfilled: now ? line.fulfilled : 0,
    backordered: now ? line.backordered : line.backorderedAtReserve,
  };
}

function backorderedOf(lines: readonly ReservationLine[]): number {
  let units = 0;
  for (const line of lines) units += line.backordered;
  return units;
}

/** The reservation as it stands now. */
export function reservationOf(hold: Hold): Reservation {
  const lines = hold.lines.map((line) => lineView(line, true));
  return {
    id: hold.id,
    channel: hold.channel,
    status: holdStatusName(hold.status) as Reservation['status'],
    expiresAt: hold.expiresAt,
    backordered: backorderedOf(lines),
    lines,
  };
}

/** The answer the first reserve with this id got: what an idempotent retry returns. */
export function originalOutcome(hold: Hold): { ok: true; reservation: Reservation } | Refusal {
  if (hold.status === REFUSED) return { ok: false, error: hold.error as EngineError };
  const lines = hold.lines.map((line) => lineView(line, false));
  return {
    ok: true,
    reservation: {
      id: hold.id,
      channel: hold.channel,
      status: 'held',
      expiresAt: hold.expiresAt,
      backordered: backorderedOf(lines),
      lines,
    },
  };
}
