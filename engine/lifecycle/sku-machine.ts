import { setup } from 'xstate';

/**
 * The specification of a SKU's selling mode.
 *
 * active ⇄ soldOut follows available stock (DEPLETE when it reaches zero, REPLENISH when it
 * comes back); FREEZE stops all new reservations (a recount, a recall) from either, and
 * UNFREEZE returns to whichever mode the stock calls for. Stock events while frozen change
 * nothing. FREEZE on a frozen SKU and UNFREEZE on an unfrozen one are illegal: INVALID_STATE.
 */
export const SKU_EVENTS = ['DEPLETE', 'REPLENISH', 'FREEZE', 'UNFREEZE_AVAILABLE', 'UNFREEZE_EMPTY'] as const;
export type SkuEventType = (typeof SKU_EVENTS)[number];

export const skuMachine = setup({
  types: {} as { events: { type: SkuEventType } },
}).createMachine({
  id: 'sku',
  initial: 'active',
  states: {
    active: { on: { DEPLETE: 'soldOut', FREEZE: 'frozen' } },
    soldOut: { on: { REPLENISH: 'active', FREEZE: 'frozen' } },
    frozen: { on: { UNFREEZE_AVAILABLE: 'active', UNFREEZE_EMPTY: 'soldOut' } },
  },
});
