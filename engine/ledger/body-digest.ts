import * as crypto from 'node:crypto';
import type { LineRequest } from '../api/types.js';
import type { HoldLine } from './hold.js';
import type { PlacementRequest } from './ledger-types.js';

/** node:crypto's one-shot hash (Node >= 20.12; about 5x quicker than createHash on a short body). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

function sha256(text: string): string {
  return oneShot === undefined
    ? crypto.createHash('sha256').update(text).digest('base64url')
    : oneShot('sha256', text, 'base64url');
}

/**
 * The idempotency body of a reserve as one fixed-size string: what a refusal record keeps in
 * place of its lines, so that a retry with the same id can still be told apart (same body:
 * the original refusal; another body: CONFLICT).
 *
 * The body is `channel`, `ttlMs`, the part count, the placement (`strategy`, `destination`,
 * `allowSplit`) and each line's `sku`, `qty` and `location`, written as one JSON array (JSON
 * escapes every string, lone surrogates included, so two bodies give the same text only when
 * they are the same body). The digest is SHA-256 of that text (node:crypto), in base64url
 * (43 characters; kept whole: a slice of it would keep the whole string alive anyway).
 *
 * Why a digest is safe here: it is only ever compared with retries of the same id, so a wrong
 * answer needs a second preimage of one given SHA-256 digest (about 2^256 hashes; even a
 * birthday search among many ids gets no purchase, as ids are not compared across). And the
 * worst a collision could do is answer a changed body with the original refusal instead of
 * CONFLICT: nothing is held either way.
 */
export function bodyDigest(
  channel: string,
  ttlMs: number,
  partCount: number,
  placement: PlacementRequest,
  lines: readonly LineRequest[],
): string {
  const body: unknown[] = [
    channel,
    ttlMs,
    partCount,
    placement.strategy ?? null,
    placement.destination ?? null,
    placement.allowSplit === true,
  ];
  for (const line of lines) body.push(line.sku, line.qty, line.location ?? null);
  return sha256(JSON.stringify(body));
}

/**
 * bodyDigest() remembering the last body it digested: a flash sale refuses the same body under
 * many ids, and then every record shares one digest string and no hash is computed again. A
 * hit compares the body field by field (no allocation); a miss keeps a flat copy of it.
 */
export class BodyDigests {
  private channel = '';
  private ttlMs = -1;
  private partCount = 0;
  private strategy: string | undefined;
  private destination: string | undefined;
  private allowSplit = false;
  /** The last body's lines, flat: sku, qty, location per line. */
  private lines: Array<string | number | undefined> = [];
  private digest = '';

  of(
    channel: string,
    ttlMs: number,
    partCount: number,
    placement: PlacementRequest,
    lines: readonly LineRequest[],
  ): string {
    if (this.isLast(channel, ttlMs, partCount, placement, lines)) return this.digest;
    this.channel = channel;
    this.ttlMs = ttlMs;
    this.partCount = partCount;
    this.strategy = placement.strategy;
    this.destination = placement.destination;
    this.allowSplit = placement.allowSplit === true;
    this.lines = [];
    for (const line of lines) this.lines.push(line.sku, line.qty, line.location);
    this.digest = bodyDigest(channel, ttlMs, partCount, placement, lines);
    return this.digest;
  }

  private isLast(
    channel: string,
    ttlMs: number,
    partCount: number,
    placement: PlacementRequest,
    lines: readonly LineRequest[],
  ): boolean {
    if (
      channel !== this.channel ||
      ttlMs !== this.ttlMs ||
      partCount !== this.partCount ||
      lines.length * 3 !== this.lines.length
    )
      return false;
    if (
      placement.strategy !== this.strategy ||
      placement.destination !== this.destination ||
      (placement.allowSplit === true) !== this.allowSplit
    )
      return false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (
        line.sku !== this.lines[3 * i] ||
        line.qty !== this.lines[3 * i + 1] ||
        line.location !== this.lines[3 * i + 2]
      )
        return false;
    }
    return true;
  }
}

/**
 * The request lines a hold's placed lines serve: consecutive hold lines with the same `line`
 * (a line split across locations) add up to one request line.
 */
export function requestLinesOf(held: readonly HoldLine[]): LineRequest[] {
  const lines: LineRequest[] = [];
  for (let at = 0; at < held.length;) {
    const first = held[at]!;
    let qty = 0;
    for (; at < held.length && held[at]!.line === first.line; at++) qty += held[at]!.qty;
    lines.push(
      first.requested === undefined ? { sku: first.sku, qty } : { sku: first.sku, qty, location: first.requested },
    );
  }
  return lines;
}

/** The distinct whole-hold line indexes of a part's hold lines, in order. */
export function lineIndexesOf(held: readonly HoldLine[]): number[] {
  const indexes: number[] = [];
  for (const line of held) if (indexes[indexes.length - 1] !== line.line) indexes.push(line.line);
  return indexes;
}
