/**
 * DeadlineBuckets (shared/deadline-buckets.ts: 1 ms buckets, linked lists inside, a heap of
 * buckets) behaves like a list kept sorted by (deadline, order), as the TtlQueue it replaced for
 * the ledger's holds: after any sequence of pushes (deadlines fractional or whole, orders out of
 * sequence too), removals and expiry sweeps, it gives exactly the due items in that order, and a
 * removed item is gone at once (its ref no longer held).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineBuckets, NO_NODE } from '../../shared/deadline-buckets.js';

interface Item {
  name: number;
  deadline: number;
  order: number;
  node: number;
}

type Command =
  | { kind: 'push'; deadline: number; fraction: number; orderShift: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'sweep'; nowMs: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('push' as const),
    deadline: fc.integer({ min: 0, max: 40 }),
    fraction: fc.constantFrom(0, 0, 0.25, 0.5, 0.75),
    orderShift: fc.constantFrom(0, 0, 0, -3, -1, 2),
  }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('sweep' as const), nowMs: fc.integer({ min: 0, max: 50 }) }),
);

function byDeadline(a: Item, b: Item): number {
  return a.deadline - b.deadline || a.order - b.order;
}

describe('DeadlineBuckets (bucketed deadlines)', () => {
  it('gives due items in (deadline, order) order and removes any item at once, like a sorted list', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 250 }), (commands) => {
        const queue = new DeadlineBuckets<Item>();
        let model: Item[] = [];
        let name = 0;
        for (const step of commands) {
          if (step.kind === 'push') {
            // Orders are unique but not always increasing (a snapshot restores holds in any order).
            const item: Item = {
              name,
              deadline: step.deadline + step.fraction,
              order: name * 10 + step.orderShift,
              node: NO_NODE,
            };
            name++;
            item.node = queue.push(item, item.deadline, item.order);
            model.push(item);
          } else if (step.kind === 'remove' && model.length > 0) {
            const item = model[step.pick % model.length]!;
            queue.remove(item.node);
            model = model.filter((other) => other !== item);
          } else if (step.kind === 'sweep') {
            const due = model.filter((item) => item.deadline <= step.nowMs).sort(byDeadline);
            const given: Item[] = [];
            for (let node = queue.peekDue(step.nowMs); node !== NO_NODE; node = queue.peekDue(step.nowMs)) {
              const item = queue.refOf(node);
              expect(item.node).toBe(node);
              queue.remove(node);
              given.push(item);
            }
            expect(given.map((item) => item.name)).toEqual(due.map((item) => item.name));
            model = model.filter((item) => !due.includes(item));
          }
          expect(queue.size).toBe(model.length);
          expect(queue.toArray().map((item) => item.name)).toEqual(
            [...model].sort(byDeadline).map((item) => item.name),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('setRef points a queued node at another ref in the same place; removing a removed node throws', () => {
    const queue = new DeadlineBuckets<string | number>();
    const first = queue.push(7, 5, 1);
    const second = queue.push('b', 5, 2);
    queue.setRef(first, 'a');
    expect(queue.toArray()).toEqual(['a', 'b']);
    expect(queue.peekDue(4)).toBe(NO_NODE);
    expect(queue.refOf(queue.peekDue(5))).toBe('a');
    queue.remove(first);
    expect(() => queue.remove(first)).toThrow();
    queue.remove(second);
    expect(queue.size).toBe(0);
    expect(queue.peekDue(100)).toBe(NO_NODE);
  });

  it('reuses the nodes and buckets it freed (bounded by what is queued, not by what ever was)', () => {
    const queue = new DeadlineBuckets<number>();
    for (let round = 0; round < 1000; round++) {
      const node = queue.push(round, 1000 + round, round);
      queue.remove(node);
    }
    const internals = queue as unknown as { nodeCount: number; bucketKey: number[]; heap: number[] };
    expect(internals.nodeCount).toBe(1);
    expect(internals.bucketKey.length).toBe(1);
    expect(internals.heap.length).toBe(0);
  });
});
