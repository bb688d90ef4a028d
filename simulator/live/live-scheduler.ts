import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TtlQueue } from '../../shared/ttl-queue.js';
import { SimEvent } from '../kernel/kernel.js';
import type { Scheduler } from '../model/types.js';

const NO_WAIT = (): void => {};

/** Actions run back to back before the event loop gets a turn (engine answers, sockets). */
const YIELD_EVERY_ACTIONS = 32;

/**
 * Live mode's scheduler: the same interface as the virtual kernel, in real time. Injected
 * latencies become real delays; an action runs when the wall clock reaches its time (late, never
 * early, when the process is busy: the lateness is what a real system under load shows).
 */
export class LiveScheduler implements Scheduler {
  private readonly startMs = performance.now();
  private readonly queue = new TtlQueue<SimEvent>();
  private scheduled = 0;
  private wake: (() => void) | null = null;
  private lateUsMax = 0;

  get timeUs(): number {
    return Math.round((performance.now() - this.startMs) * 1000);
  }

  /** The latest any action ran after its time, µs. */
  get lateness(): number {
    return this.lateUsMax;
  }

  at(atUs: number, action: () => void): void {
    this.queue.push(new SimEvent(Math.max(0, Math.round(atUs)), this.scheduled++, action));
    this.wake?.();
  }

  after(delayUs: number, action: () => void): void {
    this.at(this.timeUs + Math.max(0, delayUs), action);
  }

  /** Real time waits for answers as they come. */
  expectAnswer(): () => void {
    return NO_WAIT;
  }

  /**
   * Runs actions as they fall due until none is left and `busy()` (answers still owed) is false,
   * or until `deadlineUs`: what is still scheduled then is dropped (it would take real minutes).
   */
  async run(busy: () => boolean, deadlineUs = Number.POSITIVE_INFINITY): Promise<number> {
    let ran = 0;
    for (;;) {
      if (this.timeUs >= deadlineUs) return ran;
      const next = this.queue.peekDue(Number.POSITIVE_INFINITY);
      if (next === undefined) {
        if (!busy()) return ran;
        await this.nextWake(50);
        continue;
      }
      const waitUs = next.expiresAt - this.timeUs;
      if (waitUs > 0) {
        await this.nextWake(Math.min(waitUs, deadlineUs - this.timeUs) / 1000);
        continue;
      }
      this.queue.pop();
      this.lateUsMax = Math.max(this.lateUsMax, -waitUs);
      next.action();
      if (++ran % YIELD_EVERY_ACTIONS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Sleeps until `ms` pass or a new action is scheduled, whichever is first. */
  private async nextWake(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    const timer = new AbortController();
    await Promise.race([
      woken,
      ms >= 1
        ? sleep(ms, undefined, { signal: timer.signal }).catch(() => {})
        : new Promise<void>((resolve) => setImmediate(resolve)),
    ]);
    timer.abort();
    this.wake = null;
  }
}
