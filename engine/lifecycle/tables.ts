import { deriveTable, ILLEGAL } from './derive-table.js';
import { HOLD_EVENTS, holdMachine } from './hold-machine.js';
import { SKU_EVENTS, skuMachine } from './sku-machine.js';

export { ILLEGAL };

/** Built once at load from the machines; the ledger's hot path reads only these arrays. */
export const HOLD_TABLE = deriveTable(holdMachine, HOLD_EVENTS);
export const SKU_TABLE = deriveTable(skuMachine, SKU_EVENTS);

function indexOf(list: readonly string[], name: string): number {
  const index = list.indexOf(name);
  if (index < 0) throw new Error(`lifecycle table has no '${name}'`);
  return index;
}

export const HELD = indexOf(HOLD_TABLE.states, 'held');
export const COMMITTED = indexOf(HOLD_TABLE.states, 'committed');
export const FULFILLED = indexOf(HOLD_TABLE.states, 'fulfilled');
/** Not a lifecycle state: the record of a refused reserve, kept for idempotent replay. */
export const REFUSED = HOLD_TABLE.states.length;

export const EV_COMMIT = indexOf(HOLD_EVENTS, 'COMMIT');
export const EV_FULFIL_PART = indexOf(HOLD_EVENTS, 'FULFIL_PART');
export const EV_FULFIL_REST = indexOf(HOLD_EVENTS, 'FULFIL_REST');
export const EV_RELEASE = indexOf(HOLD_EVENTS, 'RELEASE');
export const EV_EXPIRE = indexOf(HOLD_EVENTS, 'EXPIRE');

export const MODE_ACTIVE = indexOf(SKU_TABLE.states, 'active');
export const MODE_SOLD_OUT = indexOf(SKU_TABLE.states, 'soldOut');
export const MODE_FROZEN = indexOf(SKU_TABLE.states, 'frozen');

export const EV_DEPLETE = indexOf(SKU_EVENTS, 'DEPLETE');
export const EV_REPLENISH = indexOf(SKU_EVENTS, 'REPLENISH');
export const EV_FREEZE = indexOf(SKU_EVENTS, 'FREEZE');
export const EV_UNFREEZE_AVAILABLE = indexOf(SKU_EVENTS, 'UNFREEZE_AVAILABLE');
export const EV_UNFREEZE_EMPTY = indexOf(SKU_EVENTS, 'UNFREEZE_EMPTY');

/** The next hold state, or ILLEGAL. */
export function nextHoldState(state: number, event: number): number {
  return HOLD_TABLE.next[state]![event]!;
}

/** The next SKU mode, or ILLEGAL. */
export function nextSkuMode(mode: number, event: number): number {
  return SKU_TABLE.next[mode]![event]!;
}

export function holdStatusName(state: number): string {
  return state === REFUSED ? 'refused' : HOLD_TABLE.states[state]!;
}
