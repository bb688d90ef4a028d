/** Runs a task later; setImmediate by default, so every call made before the event loop turns joins one frame. */
export type Scheduler = (task: () => void) => void;

export const nextTurn: Scheduler = (task) => {
  setImmediate(task);
};

/**
 * The client's calls made during one turn of the event loop, handed over together in the order
 * added (the session then packs them into frames: see frame-plan.ts). `wake()` schedules a flush with
 * nothing added (for work the flush finds itself).
 */
export class TurnQueue<T> {
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
