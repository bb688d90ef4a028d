/**
 * TtlQueue (shared/ttl-queue.ts, an indexed min-heap) behaves like a list kept sorted by
 * (expiresAt, order): after any sequence of pushes, removals and popDue calls, it pops exactly
 * the due items in that order and removes any item at once; removing an item twice, or one never
 * queued, changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TtlQueue, type Deadline } from '../../shared/ttl-queue.js';

interface Item extends Deadline {
  name: number;
}

type Command =
  { kind: 'push'; expiresAt: number } | { kind: 'remove'; pick: number } | { kind: 'popDue'; nowMs: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), expiresAt: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('popDue' as const), nowMs: fc.integer({ min: 0, max: 60 }) }),
);

function byDeadline(a: Item, b: Item): number {
  return a.expiresAt - b.expiresAt || a.order - b.order;
}

describe('TtlQueue (indexed min-heap)', () => {
  it('pops due items in (expiresAt, order) order and removes any item at once, like a sorted list', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 200 }), (commands) => {
        const queue = new TtlQueue<Item>();
        let model: Item[] = [];
        let order = 0;
        for (const step of commands) {
          if (step.kind === 'push') {
            const item: Item = { name: order, expiresAt: step.expiresAt, order: order++, heapIndex: -1 };
            queue.push(item);
            model.push(item);
          } else if (step.kind === 'remove' && model.length > 0) {
            const item = model[step.pick % model.length];
            queue.remove(item);
            expect(item.heapIndex).toBe(-1);
            model = model.filter((other) => other !== item);
          } else if (step.kind === 'popDue') {
            const due = model.filter((item) => item.expiresAt <= step.nowMs).sort(byDeadline);
            const popped: Item[] = [];
            for (let item = queue.peekDue(step.nowMs); item !== undefined; item = queue.peekDue(step.nowMs))
              popped.push(queue.pop() as Item);
            expect(popped.map((item) => item.name)).toEqual(due.map((item) => item.name));
            model = model.filter((item) => !due.includes(item));
          }
          expect(queue.size).toBe(model.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('removing an item twice, or one never queued, changes nothing', () => {
    const queue = new TtlQueue<Item>();
    const a: Item = { name: 1, expiresAt: 5, order: 1, heapIndex: -1 };
    const b: Item = { name: 2, expiresAt: 7, order: 2, heapIndex: -1 };
    queue.push(a);
    queue.remove(a);
    queue.remove(a);
    queue.remove(b);
    expect(queue.size).toBe(0);
    queue.push(b);
    expect(queue.pop()).toBe(b);
  });
});
