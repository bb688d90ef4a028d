import { invariant } from '../../shared/invariant.js';

/** Runs a task later; setImmediate by default, so every call made before the event loop turns joins one frame. */
export type Scheduler = (task: () => void) => void;

export const nextTurn: Scheduler = (task) => {
  setImmediate(task);
};

/**
 * Collects the items added during one turn of the event loop and hands them over together, in
 * the order added. `wake()` schedules a flush with nothing added (for work the flush finds itself).
 */
export class Batcher<T> {
  private queue: T[] = [];
  private scheduled = false;

  constructor(
    private readonly flushTo: (items: T[]) => void,
    private readonly schedule: Scheduler = nextTurn,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  add(item: T): void {
    this.queue.push(item);
    this.wake();
  }

  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  /** Hands over what was collected now (a scheduled flush then finds nothing new). */
  flush(): void {
    this.scheduled = false;
    const items = this.queue;
    this.queue = [];
    this.flushTo(items);
  }
}

export interface FrameLimits {
  /** Messages per frame (the gateway's batch limit, LIMITS.batchOpsMax). */
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
 * batch counts its ops): a frame holds at most `maxOperations` of them, as the gateway refuses a
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
