import { createHash } from 'node:crypto';
import type { LineRequest } from '../api/types.js';
import type { HoldLine } from './hold.js';
import type { PlacementRequest } from './ledger.js';

/** Bytes of SHA-256 kept: 128 bits. */
const DIGEST_BYTES = 16;

/**
 * The idempotency body of a reserve as one fixed-size string: what a refusal record keeps in
 * place of its lines, so that a retry with the same id can still be told apart (same body:
 * the original refusal; another body: CONFLICT).
 *
 * The body is `channel`, `ttlMs`, the part count, the placement (`strategy`, `destination`,
 * `allowSplit`) and each line's `sku`, `qty` and `location`, written as one JSON array (JSON
 * escapes every string, lone surrogates included, so two bodies give the same text only when
 * they are the same body). The digest is SHA-256 of that text (node:crypto), truncated to 128
 * bits, in base64url (22 characters).
 *
 * Why truncation is safe: a digest is only ever compared with retries of the same id, so a
 * wrong answer needs a second preimage of one given digest, not a birthday collision among
 * many: by chance that is 2^-128 per retry, and a client searching for one on purpose needs
 * about 2^128 hashes. And the worst a collision could do is answer a changed body with the
 * original refusal instead of CONFLICT: nothing is held either way.
 */
export function bodyDigest(
  channel: string, ttlMs: number, partCount: number, placement: PlacementRequest, lines: readonly LineRequest[],
): string {
  const body: unknown[] = [channel, ttlMs, partCount, placement.strategy ?? null, placement.destination ?? null, placement.allowSplit === true];
  for (const line of lines) body.push(line.sku, line.qty, line.location ?? null);
  return createHash('sha256').update(JSON.stringify(body)).digest().toString('base64url', 0, DIGEST_BYTES);
}

/**
 * The request lines a hold's placed lines serve: consecutive hold lines with the same `line`
 * (a line split across locations) add up to one request line.
 */
export function requestLinesOf(held: readonly HoldLine[]): LineRequest[] {
  const lines: LineRequest[] = [];
  for (let at = 0; at < held.length;) {
    const first = held[at];
    let qty = 0;
    for (; at < held.length && held[at].line === first.line; at++) qty += held[at].qty;
    lines.push(first.requested === undefined ? { sku: first.sku, qty } : { sku: first.sku, qty, location: first.requested });
  }
  return lines;
}

/** The distinct whole-hold line indexes of a part's hold lines, in order. */
export function lineIndexesOf(held: readonly HoldLine[]): number[] {
  const indexes: number[] = [];
  for (const line of held) if (indexes[indexes.length - 1] !== line.line) indexes.push(line.line);
  return indexes;
}
