import { transition, type AnyStateMachine } from 'xstate';

/** A transition table: next[state][event] is the next state's index, or ILLEGAL. */
export interface TransitionTable {
  readonly states: readonly string[];
  readonly events: readonly string[];
  readonly next: readonly Int8Array[];
}

export const ILLEGAL = -1;

/** The snapshot of `machine` resting in `state` (a top-level, atomic state). */
export function snapshotIn(machine: AnyStateMachine, state: string) {
  return machine.resolveState({ value: state, context: {} });
}

/**
 * Derives the table by asking xstate itself, once, for every state × event. A state that does
 * not handle an event (snapshot.can is false) marks the pair ILLEGAL.
 */
export function deriveTable(machine: AnyStateMachine, events: readonly string[]): TransitionTable {
  const states = Object.keys(machine.states);
  const next = states.map((state) => {
    const row = new Int8Array(events.length).fill(ILLEGAL);
    const snapshot = snapshotIn(machine, state);
    events.forEach((type, column) => {
      if (!snapshot.can({ type })) return;
      const [after] = transition(machine, snapshot, { type });
      const index = states.indexOf(String(after.value));
      if (index < 0) throw new Error(`derive-table: ${machine.id} reached unknown state ${String(after.value)}`);
      row[column] = index;
    });
    return row;
  });
  return { states, events, next };
}
