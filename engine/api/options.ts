import { availableParallelism } from 'node:os';
import { InvalidArgumentError as OptionsError } from './errors.js';
import { LIMITS } from './limits.js';
import { shown } from './validate.js';
import { FSYNC_POLICIES, storageFaultProblem, type FsyncPolicy, type StorageFault } from './storage-options.js';
import { isStrategy, STRATEGIES } from './strategies.js';
import type { Clock, StrategyName } from './types.js';

export interface EngineOptions {
  /** 0 runs the ledger on the calling thread (deterministic); N runs N worker shards. Default: one per CPU. */
  shards?: number;
  clock?: Clock;
  /** Placement priority for lines without a location; other locations follow, by name. */
  locationOrder?: string[];
  /** The default location strategy (a reserve may name its own). Default 'priority'. */
  strategy?: StrategyName;
  /** For `closest`: location → destination → cost or distance (lower is better). */
  locationCosts?: Record<string, Record<string, number>>;
  /** Operations queued or in flight per shard before new ones are refused (or made to wait). */
  maxInFlightOpsPerShard?: number;
  /** 'reject': resolve OVERLOADED at once (default); 'wait': queue, bounded by maxWaitingOpsPerShard. */
  onOverload?: 'reject' | 'wait';
  maxWaitingOpsPerShard?: number;
  /** Largest micro-batch (the operations sent to a shard in one message). */
  maxBatchOps?: number;
  maxLiveHoldsPerShard?: number;
  /** Terminal holds and refusals remembered per shard for idempotent replay (oldest dropped first). */
  retainedOutcomesPerShard?: number;
  /**
   * The same outcomes bounded by their estimated bytes (engine/ledger/outcome-bytes.ts), oldest
   * dropped first. Default: a quarter of shardHeapMb, at most 256 MiB.
   */
  retainedOutcomeBytesPerShard?: number;
  outcomeRetentionMs?: number;
  /** SKUs one shard may keep; an operation that would create one more is LIMIT_REACHED. Default 1,000,000. */
  maxSkusPerShard?: number;
  /** Positions (SKU × location) one shard may keep; beyond, LIMIT_REACHED. Default 4,000,000. */
  maxPositionsPerShard?: number;
  /** How often the engine expires due holds when nothing else is happening; 0: never by itself (call expireDue). */
  expirySweepIntervalMs?: number;
  /** Heap limit of each shard's worker thread, in MB. */
  shardHeapMb?: number;
  /**
   * Above this share of its heap limit (V8's heap in use), a shard refuses the operations that may
   * grow it (reserve, receive, adjust, transfer, restock, sync, setPolicy) with LIMIT_REACHED, and
   * keeps taking those that free memory. Default 60 (the rest is headroom for the micro-batches in flight
   * and for garbage not collected yet); 100 turns the watermark off.
   */
  shardHeapWatermarkPercent?: number;
  /** After a journal or snapshot failure, how often a stopped shard tries to recover from disk. Default 1000 ms. */
  storageRetryIntervalMs?: number;
  /** How far back sync() can rebase a count: movements older than this are forgotten. Default 24 h. */
  syncHorizonMs?: number;
  /** Movements remembered per position for sync() (the oldest go first, shortening its horizon). */
  syncMovementsPerPositionMax?: number;
  /** Where each shard keeps its journal and snapshots; omitted: purely in memory. Needs shards >= 1. */
  dataDir?: string;
  /** When a shard's journal reaches the disk: 'always' (before replying; default), 'interval', 'off'. */
  fsync?: FsyncPolicy;
  /** With fsync 'interval': how often. Default 100 ms. */
  fsyncIntervalMs?: number;
  /** A shard snapshots its ledger (and starts a new journal) after this many journal records. Default 100,000. */
  snapshotEveryRecords?: number;
  /**
   * Injected journal faults, for tests and chaos drills (needs a dataDir): in every shard, after
   * `after` successful calls of `op` ('append', 'sync' or 'snapshot'), `times` calls fail with `code`.
   */
  storageFaults?: StorageFault[];
}

export type { FsyncPolicy };

/** A shard's durability settings; null: in memory only. */
export interface Durability {
  dataDir: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  snapshotEveryRecords: number;
  /** Injected failures (none unless a test asks). */
  storageFaults: StorageFault[];
}

export interface ResolvedOptions {
  shards: number;
  clock: Clock;
  locationOrder: string[];
  strategy: StrategyName;
  locationCosts: Record<string, Record<string, number>>;
  maxInFlightOpsPerShard: number;
  onOverload: 'reject' | 'wait';
  maxWaitingOpsPerShard: number;
  maxBatchOps: number;
  maxLiveHoldsPerShard: number;
  retainedOutcomesPerShard: number;
  retainedOutcomeBytesPerShard: number;
  outcomeRetentionMs: number;
  maxSkusPerShard: number;
  maxPositionsPerShard: number;
  expirySweepIntervalMs: number;
  shardHeapMb: number;
  shardHeapWatermarkPercent: number;
  storageRetryIntervalMs: number;
  syncHorizonMs: number;
  syncMovementsPerPositionMax: number;
  durability: Durability | null;
}

/**
 * Operations per micro-batch. Small enough that a worker starts on the first micro-batch while the
 * caller is still filling the next (measured in bench/: 512 beat 4096 on 2 cores).
 */
export const DEFAULT_MAX_BATCH_OPS = 512;

const MIB = 1024 * 1024;
/** The most retainedOutcomeBytesPerShard defaults to; and the most it may be set to (1 TiB). */
const RETAINED_OUTCOME_BYTES_DEFAULT_MAX = 256 * MIB;
const RETAINED_OUTCOME_BYTES_MAX = 1024 * 1024 * MIB;

/** A quarter of the shard heap for retained outcomes, at most 256 MiB: the rest is for stock and live holds. */
function defaultRetainedOutcomeBytes(shardHeapMb: number): number {
  return Math.min(RETAINED_OUTCOME_BYTES_DEFAULT_MAX, Math.floor((shardHeapMb * MIB) / 4));
}

const systemClock: Clock = { nowMs: () => Date.now() };
const KNOWN = new Set<string>([
  'shards',
  'clock',
  'locationOrder',
  'strategy',
  'locationCosts',
  'maxInFlightOpsPerShard',
  'onOverload',
  'maxWaitingOpsPerShard',
  'maxBatchOps',
  'maxLiveHoldsPerShard',
  'retainedOutcomesPerShard',
  'retainedOutcomeBytesPerShard',
  'outcomeRetentionMs',
  'maxSkusPerShard',
  'maxPositionsPerShard',
  'expirySweepIntervalMs',
  'shardHeapMb',
  'shardHeapWatermarkPercent',
  'storageRetryIntervalMs',
  'syncHorizonMs',
  'syncMovementsPerPositionMax',
  'dataDir',
  'fsync',
  'fsyncIntervalMs',
  'snapshotEveryRecords',
  'storageFaults',
]);

/**
 * A whole-number option (its fallback when absent); throws InvalidArgumentError naming it. Shared by every options
 * object.
 */
export function integerOption<T extends object>(
  options: T,
  field: keyof T & string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new OptionsError(`${field}: must be a whole number from ${min} to ${max}, got ${shown(value)}`);
  }
  return value;
}

function integer(
  options: EngineOptions,
  field: keyof EngineOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  return integerOption(options, field, fallback, min, max);
}

function locationOrderOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.some((item) => typeof item !== 'string' || item.length === 0 || item.length > LIMITS.locationLengthMax)
  ) {
    throw new OptionsError(
      `locationOrder: must be an array of location names (1 to ${LIMITS.locationLengthMax} characters)`,
    );
  }
  return [...value];
}

function strategyOf(value: unknown): StrategyName {
  if (value === undefined) return 'priority';
  if (!isStrategy(value))
    throw new OptionsError(`strategy: must be one of ${STRATEGIES.join(', ')}, got ${shown(value)}`);
  return value;
}

/** location → destination → a non-negative finite cost. */
function locationCostsOf(value: unknown): Record<string, Record<string, number>> {
  if (value === undefined) return {};
  const isRecord = (item: unknown): item is Record<string, unknown> =>
    typeof item === 'object' && item !== null && !Array.isArray(item);
  if (!isRecord(value)) throw new OptionsError('locationCosts: must be an object of location → { destination: cost }');
  const costs: Record<string, Record<string, number>> = {};
  for (const [location, byDestination] of Object.entries(value)) {
    if (!isRecord(byDestination))
      throw new OptionsError(`locationCosts.${location}: must be an object of destination → cost`);
    for (const [destination, cost] of Object.entries(byDestination)) {
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
        throw new OptionsError(
          `locationCosts.${location}.${destination}: must be a non-negative finite number, got ${shown(cost)}`,
        );
      }
    }
    costs[location] = { ...(byDestination as Record<string, number>) };
  }
  return costs;
}

function clockOf(value: unknown): Clock {
  if (value === undefined) return systemClock;
  if (typeof value !== 'object' || value === null || typeof (value as Clock).nowMs !== 'function') {
    throw new OptionsError('clock: must be an object with a nowMs() method');
  }
  return value as Clock;
}

function overloadOf(value: unknown): 'reject' | 'wait' {
  if (value === undefined || value === 'reject' || value === 'wait') return value ?? 'reject';
  throw new OptionsError(`onOverload: must be 'reject' or 'wait', got ${shown(value)}`);
}

function durabilityOf(options: EngineOptions): Durability | null {
  if (options.dataDir === undefined) {
    for (const key of ['fsync', 'fsyncIntervalMs', 'snapshotEveryRecords', 'storageFaults'] as const) {
      if (options[key] !== undefined) throw new OptionsError(`${key}: only applies with a dataDir`);
    }
    return null;
  }
  if (typeof options.dataDir !== 'string' || options.dataDir.length === 0)
    throw new OptionsError('dataDir: must be a directory path');
  if (options.shards === 0)
    throw new OptionsError('dataDir: needs worker shards (shards >= 1); shards 0 is in memory only');
  const fsync = options.fsync ?? 'always';
  if (!FSYNC_POLICIES.includes(fsync))
    throw new OptionsError(`fsync: must be one of ${FSYNC_POLICIES.join(', ')}, got ${String(fsync)}`);
  return {
    dataDir: options.dataDir,
    fsync,
    fsyncIntervalMs: integer(options, 'fsyncIntervalMs', 100, 1, 60_000),
    snapshotEveryRecords: integer(options, 'snapshotEveryRecords', 100_000, 1, 100_000_000),
    storageFaults: storageFaultsOf(options.storageFaults),
  };
}

function storageFaultsOf(value: unknown): StorageFault[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 16)
    throw new OptionsError('storageFaults: must be an array of at most 16 faults');
  const faults = value.map((fault: StorageFault) => ({
    op: fault?.op,
    after: fault?.after,
    times: fault?.times,
    code: fault?.code,
  }));
  for (const fault of faults) {
    const problem = storageFaultProblem(fault);
    if (problem !== null) throw new OptionsError(`storageFaults: ${problem}`);
  }
  return faults;
}

export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new OptionsError('options: must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new OptionsError(`${key}: is not a known option`);
  }
  const shardHeapMb = integer(options, 'shardHeapMb', 4096, 64, 65_536);
  return {
    shards: integer(options, 'shards', availableParallelism(), 0, 64),
    clock: clockOf(options.clock),
    locationOrder: locationOrderOf(options.locationOrder),
    strategy: strategyOf(options.strategy),
    locationCosts: locationCostsOf(options.locationCosts),
    maxInFlightOpsPerShard: integer(options, 'maxInFlightOpsPerShard', 65_536, 1, 16_777_216),
    onOverload: overloadOf(options.onOverload),
    maxWaitingOpsPerShard: integer(options, 'maxWaitingOpsPerShard', 65_536, 0, 16_777_216),
    maxBatchOps: integer(options, 'maxBatchOps', DEFAULT_MAX_BATCH_OPS, 1, 65_536),
    maxLiveHoldsPerShard: integer(options, 'maxLiveHoldsPerShard', 1_000_000, 1, 100_000_000),
    retainedOutcomesPerShard: integer(options, 'retainedOutcomesPerShard', 1_000_000, 0, 100_000_000),
    retainedOutcomeBytesPerShard: integer(
      options,
      'retainedOutcomeBytesPerShard',
      defaultRetainedOutcomeBytes(shardHeapMb),
      0,
      RETAINED_OUTCOME_BYTES_MAX,
    ),
    outcomeRetentionMs: integer(options, 'outcomeRetentionMs', 86_400_000, 1, 30 * 86_400_000),
    maxSkusPerShard: integer(options, 'maxSkusPerShard', 1_000_000, 1, 100_000_000),
    maxPositionsPerShard: integer(options, 'maxPositionsPerShard', 4_000_000, 1, 400_000_000),
    expirySweepIntervalMs: integer(options, 'expirySweepIntervalMs', 100, 0, 60_000),
    shardHeapMb,
    shardHeapWatermarkPercent: integer(options, 'shardHeapWatermarkPercent', 60, 10, 100),
    storageRetryIntervalMs: integer(options, 'storageRetryIntervalMs', 1000, 10, 600_000),
    syncHorizonMs: integer(options, 'syncHorizonMs', 24 * 3600 * 1000, 1, LIMITS.ttlMsMax),
    syncMovementsPerPositionMax: integer(options, 'syncMovementsPerPositionMax', 256, 1, 1_000_000),
    durability: durabilityOf(options),
  };
}
