/**
 * The simulator's kernel: virtual time, deterministic ordering, seeded
 * randomness and latency models; the engine (shards 0) runs on its clock.
 *
 * From issue 6, first piece.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { Kernel } from '../../simulator/kernel/kernel.js';
import { latencySchema, sampleLatencyUs } from '../../simulator/kernel/latency.js';
import { Random } from '../../simulator/kernel/random.js';
import { expectOk } from '../engine/support/helpers.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

describe('simulator kernel', () => {
  it('runs actions in time order, and in scheduling order at equal times', async () => {
    const kernel = new Kernel();
    const seen: string[] = [];
    kernel.at(300, () => seen.push('c@300'));
    kernel.at(100, () => {
      seen.push('a@100');
      kernel.after(0, () => seen.push('a2@100'));
      kernel.after(250, () => seen.push('d@350'));
    });
    kernel.at(100, () => seen.push('b@100'));
    expect(await kernel.run()).toBe(5);
    expect(seen).toEqual(['a@100', 'b@100', 'a2@100', 'c@300', 'd@350']);
    expect(kernel.timeUs).toBe(350);
    expect(() => kernel.at(10, () => {})).toThrow(/in the past/);
  });

  it('run(until) stops at the horizon and leaves later actions queued', async () => {
    const kernel = new Kernel();
    const seen: number[] = [];
    for (const t of [5, 10, 15, 20]) kernel.at(t, () => seen.push(t));
    expect(await kernel.run(12)).toBe(2);
    expect(kernel.timeUs).toBe(12);
    expect(kernel.pending).toBe(2);
    await kernel.run();
    expect(seen).toEqual([5, 10, 15, 20]);
  });

  it('a seed fixes every draw; forks are independent streams, themselves deterministic', () => {
    const draw = (seed: number) => {
      const random = new Random(seed);
      const fork = random.fork();
      return [
        random.float(),
        random.int(1, 6),
        random.exponential(5),
        fork.float(),
        random.lognormal(2, 20),
        fork.normal(),
      ];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('distributions have the moments they claim (fixed seed, so exact and repeatable)', () => {
    const random = new Random(20261127);
    const n = 100_000;
    const exponential = Array.from({ length: n }, () => random.exponential(4));
    expect(exponential.reduce((a, b) => a + b, 0) / n).toBeCloseTo(4, 1);
    const lognormal = Array.from({ length: n }, () => random.lognormal(10, 80)).sort((a, b) => a - b);
    expect(percentile(lognormal, 0.5) / 10).toBeCloseTo(1, 1);
    expect(percentile(lognormal, 0.99) / 80).toBeCloseTo(1, 1);
    const normal = Array.from({ length: n }, () => random.normal());
    const mean = normal.reduce((a, b) => a + b, 0) / n;
    expect(mean).toBeCloseTo(0, 1);
    expect(normal.reduce((a, b) => a + (b - mean) ** 2, 0) / n).toBeCloseTo(1, 1);
  });

  it('latency models sample in microseconds and are validated', () => {
    const random = new Random(1);
    expect(sampleLatencyUs({ kind: 'fixed', ms: 2.5 }, random)).toBe(2500);
    const uniform = sampleLatencyUs({ kind: 'uniform', minMs: 1, maxMs: 3 }, random);
    expect(uniform).toBeGreaterThanOrEqual(1000);
    expect(uniform).toBeLessThanOrEqual(3000);
    expect(latencySchema.safeParse({ kind: 'lognormal', p50Ms: 5, p99Ms: 50 }).success).toBe(true);
    expect(latencySchema.safeParse({ kind: 'lognormal', p50Ms: 5, p99Ms: 1 }).error?.issues[0].message).toMatch(
      /p99Ms must be at least p50Ms/,
    );
    expect(latencySchema.safeParse({ kind: 'gamma' }).success).toBe(false);
    expect(latencySchema.safeParse({ kind: 'fixed', ms: -1 }).error?.issues[0].path).toEqual(['ms']);
  });

  it('waits for an owed answer however many promise turns it takes, and only for owed ones', async () => {
    const kernel = new Kernel();
    const seen: string[] = [];
    const slowAnswer = async (turns: number): Promise<void> => {
      // eslint-disable-next-line @typescript-eslint/await-thenable -- one microtask turn each
      for (let i = 0; i < turns; i++) await null;
    };
    kernel.at(100, () => {
      const answered = kernel.expectAnswer();
      void slowAnswer(25).then(() => {
        answered();
        seen.push(`answer @${kernel.timeUs}`);
        kernel.after(5, () => seen.push(`reply @${kernel.timeUs}`));
      });
    });
    kernel.at(200, () => seen.push(`next @${kernel.timeUs}`));
    kernel.at(300, () => {
      // Not owed: time moves on without it, and it lands wherever the queue then is.
      void slowAnswer(25).then(() => seen.push('unowed'));
    });
    kernel.at(400, () => seen.push(`last @${kernel.timeUs}`));
    await kernel.run();
    expect(seen.slice(0, 3)).toEqual(['answer @100', 'reply @105', 'next @200']);
    expect(seen).toContain('last @400');
  });

  it(
    'drives the engine (shards 0) in virtual time: continuations ' +
      'run at their action’s time, holds expire on the kernel clock',
    async () => {
      const kernel = new Kernel();
      const engine = await createEngine({ shards: 0, clock: kernel.clock, expirySweepIntervalMs: 0 });
      try {
        const log: string[] = [];
        /** An action that makes an engine call says so: its continuation then runs at its time. */
        const calling = (call: () => Promise<unknown>) => () => {
          const answered = kernel.expectAnswer();
          void call().then(answered);
        };
        kernel.at(0, () => void engine.receive({ sku: 'S', location: 'L', qty: 1 }));
        kernel.at(
          1_000,
          calling(() =>
            engine
              .reserve({ id: 'a', channel: 'web', ttlMs: 5, lines: [{ sku: 'S', qty: 1 }] })
              .then((result) => log.push(`a ${result.ok} @${kernel.timeUs}`)),
          ),
        );
        kernel.at(
          1_000,
          calling(() =>
            engine
              .reserve({ id: 'b', channel: 'web', ttlMs: 5, lines: [{ sku: 'S', qty: 1 }] })
              .then((result) => log.push(`b ${result.ok} @${kernel.timeUs}`)),
          ),
        );
        kernel.at(
          7_000,
          calling(() =>
            engine
              .reserve({ id: 'c', channel: 'web', ttlMs: 5, lines: [{ sku: 'S', qty: 1 }] })
              .then((result) => log.push(`c ${result.ok} @${kernel.timeUs}`)),
          ),
        );
        await kernel.run();
        expect(log).toEqual(['a true @1000', 'b false @1000', 'c true @7000']);
        expect(expectOk(await engine.getReservation('a')).reservation.status).toBe('expired');
      } finally {
        await engine.close();
      }
    },
  );
});
