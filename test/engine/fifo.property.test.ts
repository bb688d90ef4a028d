/**
 * Fifo (shared/fifo.ts) behaves exactly like an array used as a queue: after any sequence of
 * pushes and shifts (enough to make it compact its storage many times), shift, size and peek
 * answer what the array model answers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../shared/fifo.js';

describe('Fifo', () => {
  it('behaves like an array used as a queue, across compactions', () => {
    const step = fc.oneof(
      fc.record({ push: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ shift: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const queue = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const s of steps) {
          if ('push' in s) {
            for (let i = 0; i < s.push; i++) {
              queue.push(next);
              model.push(next++);
            }
          } else {
            for (let i = 0; i < s.shift; i++) expect(queue.shift()).toBe(model.shift());
          }
          expect(queue.size).toBe(model.length);
          expect(queue.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
