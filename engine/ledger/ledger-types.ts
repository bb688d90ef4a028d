/**
 * The ledger's own vocabulary: its options, a hold's part, what a reserve says about placement,
 * fulfil's `final` argument and a part's state. Apart from ledger.ts so the ledger's other
 * modules (holds, snapshots, digests) can name them without importing the Ledger class.
 */
import type { EngineError } from '../api/errors.js';
import type { FulfilLine, Reservation } from '../api/types.js';
import type { StrategyName } from '../api/strategies.js';

/** location → destination (a region or zone) → cost or distance; lower is better. */
export type LocationCosts = Readonly<Record<string, Readonly<Record<string, number>>>>;

export interface LedgerOptions {
  locationOrder: readonly string[];
  maxLiveHolds: number;
  retainedOutcomes: number;
  /** The retained outcomes' estimated bytes (outcome-bytes.ts): beyond, the oldest are dropped. */
  retainedOutcomeBytes: number;
  outcomeRetentionMs: number;
  /** SKUs and positions this ledger may keep; an operation that would create more is LIMIT_REACHED. */
  maxSkus: number;
  maxPositions: number;
  /** The strategy for lines that name no location, when a reserve names none. */
  strategy: StrategyName;
  locationCosts: LocationCosts;
  /** How far back sync() rebases a count, and how many movements each position remembers for it. */
  syncHorizonMs: number;
  syncMovementsPerPositionMax: number;
}

/** One shard's part of a hold whose lines span shards; WHOLE_HOLD otherwise. */
export interface HoldPart {
  /** How many parts the hold has (1: the whole hold is here). */
  count: number;
  /** The router's deadline for every part (-1: now + ttlMs, for a whole hold). */
  expiresAt: number;
  /** Where this part's lines stand in the whole hold (null: they are the whole hold's). */
  lineIndexes: readonly number[] | null;
}

/** See Ledger.holdSummaries. */
export type HoldSummary = [
  id: string,
  partCount: number,
  status: string,
  lines: number[],
  expiresAt: number,
  error: EngineError | null,
  fulfils: number,
  lastFulfil: FulfilLine[] | null,
];

export const WHOLE_HOLD: HoldPart = { count: 1, expiresAt: -1, lineIndexes: null };

/** What a reserve may say about placement (part of its idempotency body). */
export interface PlacementRequest {
  strategy?: StrategyName;
  destination?: string;
  allowSplit?: boolean;
}

/** The placement request that asks for nothing: one shared, frozen object. */
export const NO_PLACEMENT: PlacementRequest = Object.freeze({});

/** A reserve's placement request as the ledger keeps it (NO_PLACEMENT when it says nothing). */
export function placementOf(
  strategy: StrategyName | null,
  destination: string | null,
  allowSplit: boolean,
): PlacementRequest {
  if (strategy === null && destination === null && !allowSplit) return NO_PLACEMENT;
  const placement: PlacementRequest = {};
  if (strategy !== null) placement.strategy = strategy;
  if (destination !== null) placement.destination = destination;
  if (allowSplit) placement.allowSplit = true;
  return placement;
}

/** fulfil's `final` argument: decide from the lines (a whole hold), or as the router says (a part). */
export const FINAL_AUTO = -1;
export const FINAL_NO = 0;
export const FINAL_YES = 1;

/**
 * A cross-shard fulfil as the whole hold saw it: its number among the hold's fulfils, and all its lines (null: all that
 * remained).
 */
export interface WholeFulfil {
  no: number;
  lines: FulfilLine[] | null;
}

/** What a shard's part of a cross-shard hold reports to the router to reconcile it (PART_STATE). */
export interface PartReport {
  status: string;
  /** Fulfils applied to this part, and the last one as the whole hold saw it. */
  fulfils: number;
  lastFulfil: FulfilLine[] | null;
  /** The part as a reservation (null for a refusal record). */
  reservation: Reservation | null;
}
