export interface Deadline {
  readonly expiresAt: number;
  /** Tie-breaker for equal deadlines: lower first. */
  readonly order: number;
  /** Where the item sits in the queue's heap; -1 when it is not queued. Owned by TtlQueue. */
  heapIndex: number;
}

/**
 * Indexed min-heap of deadlines by (expiresAt, order). An item that no longer needs its
 * deadline (a hold committed or released) is removed at once, so the heap holds exactly the
 * live deadlines and never keeps a finished hold alive.
 */
export class TtlQueue<T extends Deadline> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    this.heap.push(item);
    this.siftUp(item, this.heap.length - 1);
  }

  /** The earliest item, if its deadline is at or before nowMs. */
  peekDue(nowMs: number): T | undefined {
    const top = this.heap[0];
    return top !== undefined && top.expiresAt <= nowMs ? top : undefined;
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  remove(item: T): void {
    if (item.heapIndex >= 0) this.removeAt(item.heapIndex);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    const last = heap.pop() as T;
    removed.heapIndex = -1;
    if (last === removed) return;
    if (index > 0 && earlier(last, heap[(index - 1) >> 1]!)) this.siftUp(last, index);
    else this.siftDown(last, index);
  }

  private siftUp(item: T, start: number): void {
    const heap = this.heap;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const moved = heap[parent]!;
      if (!earlier(item, moved)) break;
      heap[index] = moved;
      moved.heapIndex = index;
      index = parent;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  private siftDown(item: T, start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && earlier(heap[child + 1]!, heap[child]!)) child++;
      const moved = heap[child]!;
      if (!earlier(moved, item)) break;
      heap[index] = moved;
      moved.heapIndex = index;
      index = child;
    }
    heap[index] = item;
    item.heapIndex = index;
  }
}

function earlier(a: Deadline, b: Deadline): boolean {
  return a.expiresAt < b.expiresAt || (a.expiresAt === b.expiresAt && a.order < b.order);
}
