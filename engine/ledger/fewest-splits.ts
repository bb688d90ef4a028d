import type { LineRequest } from '../api/types.js';
import { splitAcross, type Portion } from './location-strategy.js';
import { availableOf, type Position } from './position.js';
import type { SkuState } from './sku-state.js';

/** Beyond this many candidate locations the exact search gives way to a greedy cover. */
export const EXACT_SEARCH_LOCATIONS_MAX = 12;

interface FlexibleLine {
  index: number;
  qty: number;
  /** Positions that can serve the whole line, in priority order. */
  fits: Position[];
  /** Positions with any units free for it, in priority order (for a split). */
  holders: Position[];
  /** May be split across locations. */
  split: boolean;
}

/**
 * `fewest-splits`: places every line that names no location so that the hold uses as few
 * distinct locations as possible (counting the locations its other lines name). With
 * allowSplit a line may draw on several of the chosen locations. Exact — the smallest set, ties
 * to the higher-priority locations — up to EXACT_SEARCH_LOCATIONS_MAX candidate locations,
 * greedy beyond. Returns the portions per line index, or null when some line cannot be served
 * (the caller then refuses it as usual). Changes nothing.
 */
export function planFewestSplits(
  lines: readonly LineRequest[],
  stateOf: (sku: string) => SkuState | undefined,
  usable: (state: SkuState) => boolean,
  allowSplit: boolean,
): Map<number, Portion[]> | null {
  const taken = takenByNamedLines(lines, stateOf);
  const free = (position: Position) => availableOf(position) - (taken.get(position) ?? 0);
  const flexible: FlexibleLine[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const state = stateOf(line.sku);
    if (line.location !== undefined || state === undefined || !usable(state)) continue;
    const fits = state.ordered.filter((position) => free(position) >= line.qty);
    const holders = allowSplit ? state.ordered.filter((position) => free(position) > 0) : fits;
    const flexibleLine = { index, qty: line.qty, fits, holders, split: allowSplit };
    if (!covers(flexibleLine, () => true, free)) return null;
    flexible.push(flexibleLine);
  }
  const named = new Set(lines.flatMap((line) => (line.location === undefined ? [] : [line.location])));
  const candidates = candidateLocations(flexible);
  const chosen =
    candidates.length <= EXACT_SEARCH_LOCATIONS_MAX
      ? exactCover(flexible, candidates, named, free)
      : greedyCover(flexible, candidates, named, free);
  return assign(flexible, (location) => named.has(location) || chosen.has(location), taken);
}

function takenByNamedLines(
  lines: readonly LineRequest[],
  stateOf: (sku: string) => SkuState | undefined,
): Map<Position, number> {
  const taken = new Map<Position, number>();
  for (const line of lines) {
    const position = line.location === undefined ? undefined : stateOf(line.sku)?.position(line.location);
    if (position !== undefined) taken.set(position, (taken.get(position) ?? 0) + line.qty);
  }
  return taken;
}

/** Every location that could serve some line, best priority first. */
function candidateLocations(flexible: readonly FlexibleLine[]): string[] {
  const rankOf = new Map<string, number>();
  for (const line of flexible) {
    for (const position of line.holders) {
      const known = rankOf.get(position.location);
      if (known === undefined || position.rank < known) rankOf.set(position.location, position.rank);
    }
  }
  return [...rankOf.keys()].sort(
    (a, b) => (rankOf.get(a) as number) - (rankOf.get(b) as number) || (a < b ? -1 : a > b ? 1 : 0),
  );
}

/** Whether the allowed locations can serve the line: one of them whole, or (split) together. */
function covers(
  line: FlexibleLine,
  allowed: (location: string) => boolean,
  free: (position: Position) => number,
): boolean {
  if (line.fits.some((position) => allowed(position.location))) return true;
  if (!line.split) return false;
  let units = 0;
  for (const position of line.holders) if (allowed(position.location)) units += free(position);
  return units >= line.qty;
}

/** The smallest set of new locations (beyond the named ones) that serves every line. */
function exactCover(
  flexible: readonly FlexibleLine[],
  candidates: readonly string[],
  named: ReadonlySet<string>,
  free: (position: Position) => number,
): Set<string> {
  let best = -1;
  let bestSize = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << candidates.length; mask++) {
    const allowed = (location: string) => named.has(location) || (mask & (1 << candidates.indexOf(location))) !== 0;
    if (!flexible.every((line) => covers(line, allowed, free))) continue;
    const size = countNew(mask, candidates, named);
    // Equal sizes: the lower mask uses the higher-priority locations (candidates are in priority order).
    if (
      size < bestSize ||
      (size === bestSize && reversedBits(mask, candidates.length) > reversedBits(best, candidates.length))
    ) {
      best = mask;
      bestSize = size;
    }
  }
  return new Set(candidates.filter((_, bit) => (best & (1 << bit)) !== 0));
}

function countNew(mask: number, candidates: readonly string[], named: ReadonlySet<string>): number {
  let size = 0;
  for (let bit = 0; bit < candidates.length; bit++)
    if ((mask & (1 << bit)) !== 0 && !named.has(candidates[bit]!)) size++;
  return size;
}

/** Orders masks so that sets using earlier (higher-priority) candidates come first. */
function reversedBits(mask: number, width: number): number {
  let reversed = 0;
  for (let bit = 0; bit < width; bit++) if ((mask & (1 << bit)) !== 0) reversed |= 1 << (width - 1 - bit);
  return reversed;
}

/** Beyond the exact search: repeatedly take the location that serves the most lines still unserved. */
function greedyCover(
  flexible: readonly FlexibleLine[],
  candidates: readonly string[],
  named: ReadonlySet<string>,
  free: (position: Position) => number,
): Set<string> {
  const chosen = new Set<string>();
  const allowed = (location: string) => named.has(location) || chosen.has(location);
  let open = flexible.filter((line) => !covers(line, allowed, free));
  while (open.length > 0) {
    const pick = mostServing(open, candidates, chosen, allowed, free);
    chosen.add(pick);
    open = open.filter((line) => !covers(line, allowed, free));
  }
  return chosen;
}

/** The candidate that, added, serves the most open lines (a split line counts when it adds units). */
function mostServing(
  open: readonly FlexibleLine[],
  candidates: readonly string[],
  chosen: ReadonlySet<string>,
  allowed: (location: string) => boolean,
  free: (position: Position) => number,
): string {
  let pick = candidates[0]!;
  let served = -1;
  for (const location of candidates) {
    if (chosen.has(location)) continue;
    const withIt = (at: string) => at === location || allowed(at);
    const count = open.filter(
      (line) => covers(line, withIt, free) || line.holders.some((p) => p.location === location),
    ).length;
    if (count > served) {
      pick = location;
      served = count;
    }
  }
  return pick;
}

function assign(
  flexible: readonly FlexibleLine[],
  allowed: (location: string) => boolean,
  taken: ReadonlyMap<Position, number>,
): Map<number, Portion[]> {
  const placement = new Map<number, Portion[]>();
  for (const line of flexible) {
    const fit = line.fits.find((position) => allowed(position.location));
    if (fit !== undefined) {
      placement.set(line.index, [{ position: fit, qty: line.qty }]);
      continue;
    }
    const portions = splitAcross(
      line.holders.filter((position) => allowed(position.location)),
      line.qty,
      taken,
    );
    if (portions !== null) placement.set(line.index, portions);
  }
  return placement;
}
