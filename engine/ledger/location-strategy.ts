import { availableOf, type Position } from './position.js';
import type { SkuState } from './sku-state.js';

import type { StrategyName } from '../api/strategies.js';
import type { LocationCosts } from './ledger-types.js';

export type { LocationCosts, StrategyName };

export interface PlacementContext {
  strategy: StrategyName;
  destination: string | undefined;
  costs: LocationCosts;
  /** A line may be served from several locations when no one location can serve it. */
  allowSplit: boolean;
}

/** Units of a line placed at one position. */
export interface Portion {
  position: Position;
  qty: number;
}

/**
 * The first position, in the strategy's order, with `qty` available: where a line that names no
 * location goes. `fewest-splits` decides for the whole hold (fewest-splits.ts); for one line on
 * its own it falls back to priority order.
 */
export function placeLine(state: SkuState, qty: number, context: PlacementContext): Position | undefined {
  const ordered = candidatesOf(state, context);
  for (let i = 0; i < ordered.length; i++) {
    const position = ordered[i]!;
    if (availableOf(position) >= qty) return position;
  }
  return undefined;
}

/** Takes `qty` from the positions in order, as much from each as it has; null if they fall short. */
export function splitAcross(
  ordered: readonly Position[],
  qty: number,
  taken?: ReadonlyMap<Position, number>,
): Portion[] | null {
  const portions: Portion[] = [];
  let left = qty;
  for (let i = 0; i < ordered.length && left > 0; i++) {
    const position = ordered[i]!;
    const take = Math.min(left, availableOf(position) - (taken?.get(position) ?? 0));
    if (take <= 0) continue;
    portions.push({ position, qty: take });
    left -= take;
  }
  return left === 0 ? portions : null;
}

/** The SKU's positions in the order the strategy prefers them. */
export function candidatesOf(state: SkuState, context: PlacementContext): readonly Position[] {
  switch (context.strategy) {
    case 'closest':
      return [...state.ordered].sort(byCost(context));
    case 'most-available':
      return [...state.ordered].sort(byAvailableDescending);
    default:
      return state.ordered;
  }
}

/** The cost of serving `destination` from `location`; unknown pairs come last. */
export function costOf(costs: LocationCosts, location: string, destination: string | undefined): number {
  if (destination === undefined) return Number.POSITIVE_INFINITY;
  return costs[location]?.[destination] ?? Number.POSITIVE_INFINITY;
}

function byCost(context: PlacementContext): (a: Position, b: Position) => number {
  return (a, b) => {
    const difference =
      costOf(context.costs, a.location, context.destination) - costOf(context.costs, b.location, context.destination);
    return difference !== 0 && !Number.isNaN(difference) ? difference : 0;
  };
}

/** Most units available first; ties keep priority order (Array.prototype.sort is stable). */
function byAvailableDescending(a: Position, b: Position): number {
  return availableOf(b) - availableOf(a);
}

/** Ranks locations: configured order first, every other location after it (then by name). */
export function locationRanker(locationOrder: readonly string[]): (location: string) => number {
  const ranks = new Map(locationOrder.map((location, index) => [location, index]));
  return (location) => ranks.get(location) ?? locationOrder.length;
}
