import type { Refusal } from '../api/errors.js';
import type { LineRequest, ReserveResult } from '../api/types.js';
import type { Placement } from '../shard/protocol.js';

/**
 * A shard's answer to a reserve, as the caller gets it: a refusal as it came, or the original
 * outcome of a held reserve rebuilt from the request and its placement (the same body is what
 * made it a replay, so the rebuilt answer equals the first one).
 */
export function heldAnswer(id: string, channel: string, lines: readonly LineRequest[], reply: Placement | Refusal): ReserveResult {
  if (!Array.isArray(reply)) return reply;
  return {
    ok: true,
    reservation: {
      id,
      channel,
      status: 'held',
      expiresAt: reply[0],
      lines: lines.map((line, index) => ({ sku: line.sku, location: reply[index + 1] as string, qty: line.qty, fulfilled: 0 })),
    },
  };
}
