export interface Deadline {
  readonly expiresAt: number;
  /** Tie-breaker for equal deadlines: lower first. */
  readonly order: number;
}

/**
 * Min-heap of deadlines by (expiresAt, order). Entries are removed lazily: a hold that left
 * `held` stays in the heap until it surfaces, and its owner skips it then.
 */
export class TtlQueue<T extends Deadline> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(hold: T): void {
    const heap = this.heap;
    heap.push(hold);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(hold, heap[parent])) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = hold;
  }

  /** The earliest hold, if its deadline is at or before nowMs. */
  peekDue(nowMs: number): T | undefined {
    const top = this.heap[0];
    return top !== undefined && top.expiresAt <= nowMs ? top : undefined;
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) this.siftDown(last);
    return top;
  }

  private siftDown(hold: T): void {
    const heap = this.heap;
    const length = heap.length;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && earlier(heap[child + 1], heap[child])) child++;
      if (!earlier(heap[child], hold)) break;
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = hold;
  }
}

function earlier(a: Deadline, b: Deadline): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.order < b.order);
}
