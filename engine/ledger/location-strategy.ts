import { availableOf, type Position } from './position.js';
import type { SkuState } from './sku-state.js';

/**
 * Chooses the position that serves one line that names no location. Strategies see the
 * SKU's positions in priority order and must not change quantities.
 */
export interface LocationStrategy {
  readonly name: string;
  place(state: SkuState, qty: number): Position | undefined;
}

/** `priority`: the first location, in the configured order, with enough units available. */
export const priorityStrategy: LocationStrategy = {
  name: 'priority',
  place(state, qty) {
    const ordered = state.ordered;
    for (let i = 0; i < ordered.length; i++) {
      if (availableOf(ordered[i]) >= qty) return ordered[i];
    }
    return undefined;
  },
};

/** Ranks locations: configured order first, every other location after it (then by name). */
export function locationRanker(locationOrder: readonly string[]): (location: string) => number {
  const ranks = new Map(locationOrder.map((location, index) => [location, index]));
  return (location) => ranks.get(location) ?? locationOrder.length;
}
