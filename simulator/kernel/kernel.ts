import type { Clock } from '../../engine/api/types.js';
import { invariant } from '../../engine/ledger/assert.js';
import { TtlQueue } from '../../engine/ledger/ttl-queue.js';

/** A scheduled action: its time (µs) and its place among actions at the same time. */
export class SimEvent {
  heapIndex = -1;

  constructor(
    readonly expiresAt: number,
    readonly order: number,
    readonly action: () => void,
  ) {}
}

/**
 * The discrete-event kernel: virtual time in whole microseconds, actions run in time order and,
 * at equal times, in the order they were scheduled, so a run is a pure function of its inputs.
 * Its clock is the engine's clock (`shards: 0`), so holds expire in virtual time.
 *
 * Engine calls resolve through promises; an action that makes one calls awaitAnswers(), and
 * run() lets its microtasks settle before the next action, so its `engine.reserve(...).then(...)`
 * continuation runs at the action's time.
 */
export class Kernel {
  private nowUs = 0;
  private scheduled = 0;
  private readonly queue = new TtlQueue<SimEvent>();
  private answersAwaited = false;

  readonly clock: Clock = { nowMs: () => Math.floor(this.nowUs / 1000) };

  get timeUs(): number {
    return this.nowUs;
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Runs `action` at virtual time `atUs` rounded to a whole µs (not in the past). */
  at(atUs: number, action: () => void): void {
    const wholeUs = Math.round(atUs);
    invariant(Number.isFinite(wholeUs) && wholeUs >= this.nowUs, `an action at ${atUs} µs is in the past (now ${this.nowUs} µs)`);
    this.queue.push(new SimEvent(wholeUs, this.scheduled++, action));
  }

  after(delayUs: number, action: () => void): void {
    this.at(this.nowUs + Math.max(0, delayUs), action);
  }

  /**
   * The running action started promise work (an engine call): its continuations settle before
   * the next action. Actions that start none skip the wait, which is most of a run's cost.
   */
  awaitAnswers(): void {
    this.answersAwaited = true;
  }

  /** Runs every action due up to `untilUs` (all of them when omitted); returns how many ran. */
  async run(untilUs = Number.POSITIVE_INFINITY): Promise<number> {
    let ran = 0;
    for (let next = this.queue.peekDue(untilUs); next !== undefined; next = this.queue.peekDue(untilUs)) {
      this.queue.pop();
      this.nowUs = next.expiresAt;
      next.action();
      ran++;
      if (this.answersAwaited) {
        // Three turns of the microtask queue: an engine call's answer and the continuations it
        // chains (syncMany's count of refusals, the link's reply) run before time moves on.
        this.answersAwaited = false;
        await null;
        await null;
        await null;
      }
    }
    if (Number.isFinite(untilUs) && untilUs > this.nowUs) this.nowUs = untilUs;
    return ran;
  }
}
