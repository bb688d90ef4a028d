import { invariant } from './invariant.js';

/** No node, no bucket: the end of a list, or "not queued". */
export const NO_NODE = -1;

const INITIAL_CAPACITY = 64;

/**
 * Deadlines in buckets of one millisecond (keyed by the deadline's floor), for items named by a
 * ref (an object or a slot number). Inside a bucket the items form a doubly linked list kept in
 * (deadline, order) order, so push is O(1) for items that come in order (a later order at the
 * same or a later deadline: the usual case, searched from the tail otherwise) and remove is
 * O(1) by the node push returned. Only the buckets are kept in a binary heap, by key: a bucket
 * is made or dropped once per distinct millisecond, not per item. A removed item's node is
 * freed at once, so the queue never keeps a finished item alive. Node and bucket fields are
 * typed-array columns indexed by number (no object per item).
 */
export class DeadlineBuckets<T> {
  private capacity = INITIAL_CAPACITY;
  private deadline = new Float64Array(INITIAL_CAPACITY);
  private order = new Float64Array(INITIAL_CAPACITY);
  private prev = new Int32Array(INITIAL_CAPACITY);
  private next = new Int32Array(INITIAL_CAPACITY);
  private bucketOf = new Int32Array(INITIAL_CAPACITY);
  private refs: (T | undefined)[] = [];
  private freeNodes: number[] = [];
  private nodeCount = 0;
  private count = 0;

  /** Buckets: key (ms), head and tail node, place in the heap. */
  private readonly buckets = new Map<number, number>();
  private bucketKey: number[] = [];
  private bucketHead: number[] = [];
  private bucketTail: number[] = [];
  private bucketHeapIndex: number[] = [];
  private freeBuckets: number[] = [];
  /** Bucket indexes, a min-heap by key. */
  private readonly heap: number[] = [];

  get size(): number {
    return this.count;
  }

  /** Queues `ref` for `deadlineMs` (ties: lower `order` first); returns its node for remove(). */
  push(ref: T, deadlineMs: number, order: number): number {
    const node = this.newNode(ref, deadlineMs, order);
    const key = Math.floor(deadlineMs);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = this.newBucket(key);
      this.bucketHead[bucket] = node;
      this.bucketTail[bucket] = node;
    } else {
      this.link(bucket, node);
    }
    this.bucketOf[node] = bucket;
    this.count++;
    return node;
  }

  /** The earliest node, if its deadline is at or before nowMs; else NO_NODE. */
  peekDue(nowMs: number): number {
    const top = this.heap[0];
    if (top === undefined) return NO_NODE;
    const head = this.bucketHead[top]!;
    return this.deadline[head]! <= nowMs ? head : NO_NODE;
  }

  refOf(node: number): T {
    return this.refs[node] as T;
  }

  /** Points a queued node at another ref (the same item in another form); its place does not change. */
  setRef(node: number, ref: T): void {
    invariant(this.refs[node] !== undefined, `deadline node ${node} is not queued`);
    this.refs[node] = ref;
  }

  remove(node: number): void {
    invariant(
      node >= 0 && node < this.nodeCount && this.refs[node] !== undefined,
      `deadline node ${node} is not queued`,
    );
    const bucket = this.bucketOf[node]!;
    const before = this.prev[node]!;
    const after = this.next[node]!;
    if (before === NO_NODE) this.bucketHead[bucket] = after;
    else this.next[before] = after;
    if (after === NO_NODE) this.bucketTail[bucket] = before;
    else this.prev[after] = before;
    this.refs[node] = undefined;
    this.freeNodes.push(node);
    this.count--;
    if (this.bucketHead[bucket] === NO_NODE) this.dropBucket(bucket);
  }

  /** The queued refs in deadline order (a copy; for tests and checks). */
  toArray(): T[] {
    const out: T[] = [];
    const heads = [...this.heap].sort((a, b) => this.bucketKey[a]! - this.bucketKey[b]!);
    for (const bucket of heads)
      for (let node = this.bucketHead[bucket]!; node !== NO_NODE; node = this.next[node]!)
        out.push(this.refs[node] as T);
    return out;
  }

  /** Links `node` into a non-empty bucket at its place by (deadline, order), searching from the tail. */
  private link(bucket: number, node: number): void {
    let after = this.bucketTail[bucket]!;
    while (after !== NO_NODE && this.later(after, node)) after = this.prev[after]!;
    if (after === NO_NODE) {
      const head = this.bucketHead[bucket]!;
      this.next[node] = head;
      this.prev[head] = node;
      this.bucketHead[bucket] = node;
      return;
    }
    const following = this.next[after]!;
    this.prev[node] = after;
    this.next[node] = following;
    this.next[after] = node;
    if (following === NO_NODE) this.bucketTail[bucket] = node;
    else this.prev[following] = node;
  }

  /** Whether node a comes after node b. */
  private later(a: number, b: number): boolean {
    const da = this.deadline[a]!;
    const db = this.deadline[b]!;
    return da > db || (da === db && this.order[a]! > this.order[b]!);
  }

  private newNode(ref: T, deadlineMs: number, order: number): number {
    let node = this.freeNodes.pop();
    if (node === undefined) {
      if (this.nodeCount === this.capacity) this.grow();
      node = this.nodeCount++;
    }
    this.refs[node] = ref;
    this.deadline[node] = deadlineMs;
    this.order[node] = order;
    this.prev[node] = NO_NODE;
    this.next[node] = NO_NODE;
    return node;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.deadline = grown(new Float64Array(capacity), this.deadline);
    this.order = grown(new Float64Array(capacity), this.order);
    this.prev = grown(new Int32Array(capacity), this.prev);
    this.next = grown(new Int32Array(capacity), this.next);
    this.bucketOf = grown(new Int32Array(capacity), this.bucketOf);
    this.capacity = capacity;
  }

  private newBucket(key: number): number {
    let bucket = this.freeBuckets.pop();
    if (bucket === undefined) {
      bucket = this.bucketKey.length;
      this.bucketKey.push(key);
      this.bucketHead.push(NO_NODE);
      this.bucketTail.push(NO_NODE);
      this.bucketHeapIndex.push(NO_NODE);
    } else {
      this.bucketKey[bucket] = key;
    }
    this.buckets.set(key, bucket);
    this.heap.push(bucket);
    this.siftUp(bucket, this.heap.length - 1);
    return bucket;
  }

  private dropBucket(bucket: number): void {
    this.buckets.delete(this.bucketKey[bucket]!);
    this.bucketTail[bucket] = NO_NODE;
    const index = this.bucketHeapIndex[bucket]!;
    const last = this.heap.pop() as number;
    this.bucketHeapIndex[bucket] = NO_NODE;
    this.freeBuckets.push(bucket);
    if (last === bucket) return;
    if (index > 0 && this.bucketKey[last]! < this.bucketKey[this.heap[(index - 1) >> 1]!]!) this.siftUp(last, index);
    else this.siftDown(last, index);
  }

  private siftUp(bucket: number, start: number): void {
    const heap = this.heap;
    const key = this.bucketKey[bucket]!;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const moved = heap[parent]!;
      if (this.bucketKey[moved]! <= key) break;
      heap[index] = moved;
      this.bucketHeapIndex[moved] = index;
      index = parent;
    }
    heap[index] = bucket;
    this.bucketHeapIndex[bucket] = index;
  }

  private siftDown(bucket: number, start: number): void {
    const heap = this.heap;
    const length = heap.length;
    const key = this.bucketKey[bucket]!;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && this.bucketKey[heap[child + 1]!]! < this.bucketKey[heap[child]!]!) child++;
      const moved = heap[child]!;
      if (this.bucketKey[moved]! >= key) break;
      heap[index] = moved;
      this.bucketHeapIndex[moved] = index;
      index = child;
    }
    heap[index] = bucket;
    this.bucketHeapIndex[bucket] = index;
  }
}

function grown<A extends Float64Array | Int32Array>(to: A, from: A): A {
  to.set(from);
  return to;
}
