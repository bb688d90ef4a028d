import { invariant } from '../../shared/invariant.js';

/** How the calls of one turn are packed, in order, into frames within the gateway's limits. */
export interface FrameLimits {
  /** Messages per frame (LIMITS.frameOpsMax: the gateway counts every request of a frame as one operation at least). */
  maxMessages: number;
  /** Engine operations per frame (LIMITS.frameOpsMax), counted with planFrames' `operations`. */
  maxOperations?: number;
  /** Bytes per frame, overheads included. */
  maxBytes: number;
  /** Bytes a frame adds once (the array header) and per message (a separator). */
  frameOverhead: number;
  messageOverhead: number;
}

/**
 * Splits messages of the given encoded sizes, in order, into frames within the limits: returns
 * [start, end) index ranges. `operations` (optional) gives each message's engine operations (a
 * `batch` call counts its ops): a frame holds at most `maxOperations` of them, as the gateway refuses a
 * frame over LIMITS.frameOpsMax whole. A message too big for any frame gets a frame of its own
 * (the caller refuses it before sending: see `fitsInFrame`).
 */
export function planFrames(
  sizes: readonly number[],
  limits: FrameLimits,
  operations?: readonly number[],
): [number, number][] {
  const frames: [number, number][] = [];
  const operationsMax = limits.maxOperations ?? Number.POSITIVE_INFINITY;
  let start = 0;
  let bytes = limits.frameOverhead;
  let weight = 0;
  for (let index = 0; index < sizes.length; index++) {
    const size = sizes[index];
    invariant(size !== undefined, `no size for message ${index}`);
    const cost = size + limits.messageOverhead;
    const ops = operations?.[index] ?? 1;
    const full = index - start >= limits.maxMessages || bytes + cost > limits.maxBytes || weight + ops > operationsMax;
    if (full && index > start) {
      frames.push([start, index]);
      start = index;
      bytes = limits.frameOverhead;
      weight = 0;
    }
    bytes += cost;
    weight += ops;
  }
  if (start < sizes.length) frames.push([start, sizes.length]);
  return frames;
}

/** Whether one message of `size` bytes fits in a frame at all. */
export function fitsInFrame(size: number, limits: FrameLimits): boolean {
  return limits.frameOverhead + size + limits.messageOverhead <= limits.maxBytes;
}
