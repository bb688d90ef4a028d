import type { LineRequest } from '../api/types.js';
import { availableOf, type Position } from './position.js';
import type { SkuState } from './sku-state.js';

/** Beyond this many candidate locations the exact search gives way to a greedy cover. */
export const EXACT_SEARCH_LOCATIONS_MAX = 12;

interface FlexibleLine {
  index: number;
  /** Positions that can serve the whole line, in priority order. */
  fits: Position[];
}

/**
 * `fewest-splits`: places every line that names no location so that the hold uses as few
 * distinct locations as possible (counting the locations its other lines name). Exact — the
 * smallest set, ties to the higher-priority locations — up to EXACT_SEARCH_LOCATIONS_MAX
 * candidate locations, greedy beyond. Returns the position per line index, or null when some
 * line fits nowhere (the caller then refuses it as usual). Changes nothing.
 */
export function planFewestSplits(
  lines: readonly LineRequest[],
  stateOf: (sku: string) => SkuState | undefined,
  usable: (state: SkuState) => boolean,
): Map<number, Position> | null {
  const taken = takenByNamedLines(lines, stateOf);
  const flexible: FlexibleLine[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const state = stateOf(line.sku);
    if (line.location !== undefined || state === undefined || !usable(state)) continue;
    const fits = state.ordered.filter((position) => availableOf(position) - (taken.get(position) ?? 0) >= line.qty);
    if (fits.length === 0) return null;
    flexible.push({ index, fits });
  }
  const named = new Set(lines.flatMap((line) => (line.location === undefined ? [] : [line.location])));
  const candidates = candidateLocations(flexible);
  const chosen = candidates.length <= EXACT_SEARCH_LOCATIONS_MAX
    ? exactCover(flexible, candidates, named)
    : greedyCover(flexible, candidates, named);
  return assign(flexible, chosen, named);
}

function takenByNamedLines(lines: readonly LineRequest[], stateOf: (sku: string) => SkuState | undefined): Map<Position, number> {
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
    for (const position of line.fits) {
      const known = rankOf.get(position.location);
      if (known === undefined || position.rank < known) rankOf.set(position.location, position.rank);
    }
  }
  return [...rankOf.keys()].sort((a, b) => (rankOf.get(a) as number) - (rankOf.get(b) as number) || (a < b ? -1 : a > b ? 1 : 0));
}

function covers(line: FlexibleLine, allowed: (location: string) => boolean): boolean {
  return line.fits.some((position) => allowed(position.location));
}

/** The smallest set of new locations (beyond the named ones) that serves every line. */
function exactCover(flexible: readonly FlexibleLine[], candidates: readonly string[], named: ReadonlySet<string>): Set<string> {
  let best = -1;
  let bestSize = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << candidates.length; mask++) {
    const allowed = (location: string) => named.has(location) || (mask & (1 << candidates.indexOf(location))) !== 0;
    if (!flexible.every((line) => covers(line, allowed))) continue;
    const size = countNew(mask, candidates, named);
    // Equal sizes: the lower mask uses the higher-priority locations (candidates are in priority order).
    if (size < bestSize || (size === bestSize && reversedBits(mask, candidates.length) > reversedBits(best, candidates.length))) {
      best = mask;
      bestSize = size;
    }
  }
  return new Set(candidates.filter((_, bit) => (best & (1 << bit)) !== 0));
}

function countNew(mask: number, candidates: readonly string[], named: ReadonlySet<string>): number {
  let size = 0;
  for (let bit = 0; bit < candidates.length; bit++) if ((mask & (1 << bit)) !== 0 && !named.has(candidates[bit])) size++;
  return size;
}

/** Orders masks so that sets using earlier (higher-priority) candidates come first. */
function reversedBits(mask: number, width: number): number {
  let reversed = 0;
  for (let bit = 0; bit < width; bit++) if ((mask & (1 << bit)) !== 0) reversed |= 1 << (width - 1 - bit);
  return reversed;
}

/** Beyond the exact search: repeatedly take the location that serves the most lines still unserved. */
function greedyCover(flexible: readonly FlexibleLine[], candidates: readonly string[], named: ReadonlySet<string>): Set<string> {
  const chosen = new Set<string>();
  const allowed = (location: string) => named.has(location) || chosen.has(location);
  let open = flexible.filter((line) => !covers(line, allowed));
  while (open.length > 0) {
    let pick = candidates[0];
    let served = -1;
    for (const location of candidates) {
      const count = open.filter((line) => covers(line, (at) => at === location)).length;
      if (count > served) {
        pick = location;
        served = count;
      }
    }
    chosen.add(pick);
    open = open.filter((line) => !covers(line, allowed));
  }
  return chosen;
}

function assign(flexible: readonly FlexibleLine[], chosen: ReadonlySet<string>, named: ReadonlySet<string>): Map<number, Position> {
  const placement = new Map<number, Position>();
  for (const line of flexible) {
    const position = line.fits.find((fit) => named.has(fit.location) || chosen.has(fit.location));
    if (position !== undefined) placement.set(line.index, position);
  }
  return placement;
}
