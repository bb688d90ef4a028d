/**
 * The lifecycle tables the hot path reads (engine/lifecycle/tables.ts) agree with the xstate
 * machines they are derived from (hold-machine.ts, sku-machine.ts): every state is covered, and
 * for every state × event, and along random event sequences, the table's next state is the one
 * xstate's transition() gives. The hold rules are then spelled out case by case: which moves are
 * illegal (a fulfilled hold cannot be released, an expired one committed, …) and where the legal
 * ones lead.
 */
import fc from 'fast-check';
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ILLEGAL, snapshotIn } from '../../engine/lifecycle/derive-table.js';
import { HOLD_EVENTS, holdMachine } from '../../engine/lifecycle/hold-machine.js';
import { SKU_EVENTS, skuMachine } from '../../engine/lifecycle/sku-machine.js';
import { HOLD_TABLE, SKU_TABLE } from '../../engine/lifecycle/tables.js';

const cases = [
  { name: 'hold', machine: holdMachine, events: HOLD_EVENTS, table: HOLD_TABLE },
  { name: 'sku', machine: skuMachine, events: SKU_EVENTS, table: SKU_TABLE },
] as const;

/** What xstate itself says: the next state's name, or null when the state does not handle the event. */
function xstateNext(machine: (typeof cases)[number]['machine'], state: string, type: string): string | null {
  const snapshot = snapshotIn(machine, state);
  if (!snapshot.can({ type } as never)) return null;
  const [next] = transition(machine, snapshot, { type } as never);
  return String(next.value);
}

function tableNext(table: (typeof cases)[number]['table'], state: string, type: string): string | null {
  const next = table.next[table.states.indexOf(state)][table.events.indexOf(type)];
  return next === ILLEGAL ? null : table.states[next];
}

describe.each(cases)('$name lifecycle table', ({ machine, events, table }) => {
  it('covers every state of the machine', () => {
    expect([...table.states].sort()).toEqual(Object.keys(machine.states).sort());
  });

  it("agrees with xstate's transition() for every state × event", () => {
    for (const state of table.states) {
      for (const type of events)
        expect(tableNext(table, state, type), `${state} × ${type}`).toBe(xstateNext(machine, state, type));
    }
  });

  it('agrees with xstate along random event sequences from the initial state', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), { maxLength: 30 }), (sequence) => {
        let viaXstate = snapshotIn(machine, String(machine.config.initial));
        let viaTable: string = String(machine.config.initial);
        for (const type of sequence) {
          if (viaXstate.can({ type } as never)) [viaXstate] = transition(machine, viaXstate, { type } as never);
          viaTable = tableNext(table, viaTable, type) ?? viaTable;
          expect(viaTable).toBe(String(viaXstate.value));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hold lifecycle rules', () => {
  it.each([
    ['held', 'FULFIL_PART'],
    ['held', 'FULFIL_REST'],
    ['expired', 'COMMIT'],
    ['released', 'COMMIT'],
    ['fulfilled', 'RELEASE'],
    ['fulfilled', 'COMMIT'],
    ['expired', 'RELEASE'],
    ['committed', 'EXPIRE'],
  ])('%s × %s is illegal', (state, type) => {
    expect(tableNext(HOLD_TABLE, state, type)).toBeNull();
  });

  it.each([
    ['held', 'COMMIT', 'committed'],
    ['committed', 'FULFIL_PART', 'committed'],
    ['committed', 'FULFIL_REST', 'fulfilled'],
    ['held', 'RELEASE', 'released'],
    ['committed', 'RELEASE', 'released'],
    ['held', 'EXPIRE', 'expired'],
    ['committed', 'COMMIT', 'committed'],
    ['released', 'RELEASE', 'released'],
  ])('%s × %s → %s', (state, type, next) => {
    expect(tableNext(HOLD_TABLE, state, type)).toBe(next);
  });
});
