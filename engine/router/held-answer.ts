import type { Refusal } from '../api/errors.js';
import type { LineRequest, ReservationLine, ReserveResult } from '../api/types.js';
import { SPLIT_PLACEMENT_FIELDS, type Placement, type SplitPlacement } from '../shard/protocol.js';

/**
 * A shard's answer to a reserve, as the caller gets it: a refusal as it came, or the original
 * outcome of a held reserve rebuilt from the request and its placement (the same body is what
 * made it a replay, so the rebuilt answer equals the first one). `lineIndexes` places a part's
 * lines in the whole hold.
 */
export function heldAnswer(
  id: string,
  channel: string,
  lines: readonly LineRequest[],
  reply: Placement | Refusal,
  lineIndexes?: readonly number[],
): ReserveResult {
  if (!Array.isArray(reply)) return reply;
  const placed: ReservationLine[] = [];
  let backordered = 0;
  for (let index = 0; index < lines.length; index++) {
    const entry = reply[index + 1] as string | SplitPlacement;
    const line = lineIndexes === undefined ? index : lineIndexes[index]!;
    const { sku, qty } = lines[index]!;
    if (typeof entry === 'string') {
      placed.push({ line, sku, location: entry, qty, fulfilled: 0, backordered: 0 });
      continue;
    }
    for (let at = 0; at < entry.length; at += SPLIT_PLACEMENT_FIELDS) {
      const waiting = entry[at + 2] as number;
      placed.push({
        line,
        sku,
        location: entry[at] as string,
        qty: entry[at + 1] as number,
        fulfilled: 0,
        backordered: waiting,
      });
      backordered += waiting;
    }
  }
  return { ok: true, reservation: { id, channel, status: 'held', expiresAt: reply[0], backordered, lines: placed } };
}
