import type { Clock } from '../../engine/api/types.js';
import { invariant } from '../../shared/invariant.js';
import { TtlQueue } from '../../shared/ttl-queue.js';

/** Promise turns an owed engine answer may take (an in-thread engine answers in a handful). */
const MICROTASK_TURNS_MAX = 10_000;

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
 * Engine calls resolve through promises; an action that makes one takes expectAnswer() and calls
 * what it returns in its `.then`: run() waits for every owed answer before the next action, so
 * the continuation runs at the action's time.
 */
export class Kernel {
  private nowUs = 0;
  private scheduled = 0;
  private readonly queue = new TtlQueue<SimEvent>();
  /** Engine answers the running action is owed: time does not move on until they are in. */
  private answersOwed = 0;

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
    invariant(
      Number.isFinite(wholeUs) && wholeUs >= this.nowUs,
      `an action at ${atUs} µs is in the past (now ${this.nowUs} µs)`,
    );
    this.queue.push(new SimEvent(wholeUs, this.scheduled++, action));
  }

  after(delayUs: number, action: () => void): void {
    this.at(this.nowUs + Math.max(0, delayUs), action);
  }

  /**
   * The running action made an engine call: the returned function is called when its answer is
   * in (and its continuation has scheduled what it needs). run() lets microtasks run until every
   * owed answer is in before time moves on, so an answer lands at the action's time however many
   * promise turns the call takes. Actions that owe none pay nothing.
   */
  expectAnswer(): () => void {
    this.answersOwed++;
    let answered = false;
    return () => {
      if (answered) return;
      answered = true;
      this.answersOwed--;
    };
  }

  /** Runs every action due up to `untilUs` (all of them when omitted); returns how many ran. */
  async run(untilUs = Number.POSITIVE_INFINITY): Promise<number> {
    let ran = 0;
    for (let next = this.queue.peekDue(untilUs); next !== undefined; next = this.queue.peekDue(untilUs)) {
      this.queue.pop();
      this.nowUs = next.expiresAt;
      next.action();
      ran++;
      for (let turns = 0; this.answersOwed > 0; turns++) {
        invariant(
          turns < MICROTASK_TURNS_MAX,
          `an engine answer owed at ${this.nowUs} µs never came (${MICROTASK_TURNS_MAX} microtask turns)`,
        );
        // One microtask turn exactly: awaiting a non-thenable is the cheapest yield there is.
        // eslint-disable-next-line @typescript-eslint/await-thenable
        await null;
      }
    }
    if (Number.isFinite(untilUs) && untilUs > this.nowUs) this.nowUs = untilUs;
    return ran;
  }
}
