import { LIMITS } from '../api/limits.js';
import { operationsOf } from '../wire/frame-operations.js';
import { countValues } from '../wire/value-count.js';

/** A bound a decoded frame breaks: which limit, its value, and a message that names it. */
export interface FrameBoundBreach {
  bound: 'frameOpsMax' | 'valuesPerFrameMax' | 'valuesPerRequestMax';
  limit: number;
  message: string;
}

/**
 * The first bound a decoded frame breaks, or null; `operations` is its frameOperations count. Checked before any of its
 * requests is
 * dispatched, so a frame over a bound is refused whole and changes nothing. Costs at most about
 * LIMITS.valuesPerFrameMax steps: values are counted with that budget.
 */
export function frameBreach(frame: unknown, operations: number): FrameBoundBreach | null {
  const requests = Array.isArray(frame) ? frame : [frame];
  if (operations > LIMITS.frameOpsMax) {
    return breach(
      'frameOpsMax',
      LIMITS.frameOpsMax,
      `carries more than ${LIMITS.frameOpsMax} engine operations (a ` +
        `request counts one, a batch or syncMany request its entries)`,
    );
  }
  let budget = LIMITS.valuesPerFrameMax;
  for (let index = 0; index < requests.length; index++) {
    const values = countValues(requests[index], Math.min(budget, LIMITS.valuesPerRequestMax));
    if (values > LIMITS.valuesPerRequestMax) {
      return breach(
        'valuesPerRequestMax',
        LIMITS.valuesPerRequestMax,
        `request ${index} carries more than ${LIMITS.valuesPerRequestMax} values`,
      );
    }
    budget -= values;
    if (budget < 0)
      return breach(
        'valuesPerFrameMax',
        LIMITS.valuesPerFrameMax,
        `carries more than ${LIMITS.valuesPerFrameMax} values`,
      );
  }
  return null;
}

/**
 * The engine operations of a frame, counted until the limit is passed (so at most
 * LIMITS.frameOpsMax + 1 requests are looked at). A frame that breaks no bound carries at most
 * LIMITS.frameOpsMax.
 */
export function frameOperations(requests: readonly unknown[]): number {
  let operations = 0;
  for (let index = 0; index < requests.length && operations <= LIMITS.frameOpsMax; index++)
    operations += operationsOf(requests[index]);
  return operations;
}

function breach(bound: FrameBoundBreach['bound'], limit: number, what: string): FrameBoundBreach {
  return { bound, limit, message: `the frame ${what}, over LIMITS.${bound} (${limit}); nothing in it was run` };
}
