import { setup } from 'xstate';

/**
 * The specification of a hold's (reservation's) lifecycle.
 *
 * held → committed → fulfilled (FULFIL_PART ships some units and stays committed;
 * FULFIL_REST ships the last of them); held | committed → released; held → expired.
 * COMMIT on a committed hold and RELEASE on a released one are idempotent retries.
 * Any event a state does not handle is an illegal transition: INVALID_STATE.
 *
 * The ledger never runs this machine: it runs HOLD_TABLE, derived from it
 * (derive-table.ts) and proven equal to xstate's transition() by a property test.
 */
export const HOLD_EVENTS = ['COMMIT', 'FULFIL_PART', 'FULFIL_REST', 'RELEASE', 'EXPIRE'] as const;
export type HoldEventType = (typeof HOLD_EVENTS)[number];

export const holdMachine = setup({
  types: {} as { events: { type: HoldEventType } },
}).createMachine({
  id: 'hold',
  initial: 'held',
  states: {
    held: {
      on: { COMMIT: 'committed', RELEASE: 'released', EXPIRE: 'expired' },
    },
    committed: {
      on: { COMMIT: 'committed', FULFIL_PART: 'committed', FULFIL_REST: 'fulfilled', RELEASE: 'released' },
    },
    fulfilled: { type: 'final' },
    released: {
      on: { RELEASE: 'released' },
    },
    expired: { type: 'final' },
  },
});
