/**
 * Where a shard's durable files live, and which of them recovery uses.
 *
 *   ${dataDir}/shard-${shard}/snapshot-${generation}.snap   state after every record of earlier generations
 *   ${dataDir}/shard-${shard}/journal-${generation}.log     records applied after snapshot `generation`
 *
 * Generations are zero-padded to 8 digits so names sort. Generation 0 has no snapshot (the empty
 * state); the first snapshot is generation 1.
 *
 * Crash-safe order of a snapshot, taken between two micro-batches (nothing is appended in between):
 *   1. write snapshot g+1 atomically (writeSnapshotFile: .tmp, fsync, rename, directory
 *      fsync) — from here the snapshot covers every record of journal g;
 *   2. start journal g+1 (new JournalWriter: it creates the file with its header the same atomic
 *      way) and append there;
 *      close journal g (its final fdatasync is not needed for recovery any more);
 *   3. delete journal g and snapshot g (removeStaleFiles).
 * A crash at any point leaves the newest complete snapshot and its journal intact:
 *   before 1 completes → snapshot g + journal g (and maybe a .tmp, ignored);
 *   between 1 and 2   → snapshot g+1 and no journal g+1 (an empty journal);
 *   before 3 is done  → snapshot g+1 + journal g+1, with older files left over.
 *
 * Recovery = the newest snapshot g (or none: generation 0, the empty state) + journal g (missing
 * = empty). Leftover older files and .tmp files are deleted once recovery has succeeded.
 *
 * A newest snapshot that fails its checksum is an error (SNAPSHOT_CORRUPT, thrown by
 * readSnapshotFile), never a silent fall back to snapshot g-1: journal g-1 is normally deleted
 * already, and replaying journal g onto snapshot g-1 would lose every record of journal g-1.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { invalidArgument, JournalError } from './errors.js';
import { fsyncDirectory } from './sync-io.js';

export const GENERATION_DIGITS = 8;
export const GENERATION_MAX = 10 ** GENERATION_DIGITS - 1;

const SNAPSHOT_NAME = /^snapshot-(\d{8})\.snap$/;
const JOURNAL_NAME = /^journal-(\d{8})\.log$/;
const TEMPORARY_NAME = /\.tmp$/;

export interface ShardFiles {
  /** Generations of complete snapshot files, ascending. */
  readonly snapshotGenerations: readonly number[];
  /** Generations of journal files, ascending. */
  readonly journalGenerations: readonly number[];
  /** Leftover `.tmp` files (a write interrupted by a crash). */
  readonly temporaryPaths: readonly string[];
}

export interface RecoveryPlan {
  readonly generation: number;
  /** Null at generation 0: start from the empty state. */
  readonly snapshotPath: string | null;
  /** The journal to replay, then to keep appending to; it may not exist yet (empty). */
  readonly journalPath: string;
}

export function formatGeneration(generation: number): string {
  assertGeneration(generation);
  return String(generation).padStart(GENERATION_DIGITS, '0');
}

export function shardDirectory(dataDir: string, shard: number): string {
  if (!Number.isSafeInteger(shard) || shard < 0)
    throw invalidArgument(`shard must be a non-negative integer, got ${shard}`);
  return join(dataDir, `shard-${shard}`);
}

export function snapshotPath(dataDir: string, shard: number, generation: number): string {
  return join(shardDirectory(dataDir, shard), `snapshot-${formatGeneration(generation)}.snap`);
}

export function journalPath(dataDir: string, shard: number, generation: number): string {
  return join(shardDirectory(dataDir, shard), `journal-${formatGeneration(generation)}.log`);
}

/** Creates the shard directory (and dataDir) if missing, making each new directory entry durable. */
export function ensureShardDirectory(dataDir: string, shard: number): string {
  const directory = shardDirectory(dataDir, shard);
  const firstCreated = mkdirSync(directory, { recursive: true });
  if (firstCreated !== undefined) fsyncCreatedDirectories(firstCreated, directory);
  return directory;
}

/** The shard's files; a missing directory has none. Unknown names are left out. */
export function listShardFiles(dataDir: string, shard: number): ShardFiles {
  const directory = shardDirectory(dataDir, shard);
  const names = readNamesIfExists(directory);
  return {
    snapshotGenerations: generationsMatching(names, SNAPSHOT_NAME),
    journalGenerations: generationsMatching(names, JOURNAL_NAME),
    temporaryPaths: names
      .filter((name) => TEMPORARY_NAME.test(name))
      .sort()
      .map((name) => join(directory, name)),
  };
}

/** The newest complete (renamed into place) snapshot, or null; its checksum is checked when it is read. */
export function newestSnapshotGeneration(files: ShardFiles): number | null {
  return files.snapshotGenerations.at(-1) ?? null;
}

/**
 * Which snapshot and journal recovery reads. A journal newer than the newest snapshot means a
 * snapshot was lost (its journal only makes sense on top of it): JOURNAL_LAYOUT_INVALID.
 */
export function planRecovery(dataDir: string, shard: number): RecoveryPlan {
  const files = listShardFiles(dataDir, shard);
  const snapshotGeneration = newestSnapshotGeneration(files);
  const generation = snapshotGeneration ?? 0;
  const newerJournals = files.journalGenerations.filter((journalGeneration) => journalGeneration > generation);
  const [newerJournal] = newerJournals;
  if (newerJournal !== undefined) {
    throw new JournalError(
      'JOURNAL_LAYOUT_INVALID',
      `${shardDirectory(dataDir, shard)}: journal generation ${formatGeneration(newerJournal)} has no snapshot ` +
        `(newest snapshot: ${snapshotGeneration === null ? 'none' : formatGeneration(snapshotGeneration)})`,
    );
  }
  return {
    generation,
    snapshotPath: snapshotGeneration === null ? null : snapshotPath(dataDir, shard, snapshotGeneration),
    journalPath: journalPath(dataDir, shard, generation),
  };
}

/**
 * Deletes snapshots and journals of generations before `currentGeneration`, and every .tmp
 * leftover; returns the deleted paths. Not fsynced: a deletion a crash undoes is redone next time.
 */
export function removeStaleFiles(dataDir: string, shard: number, currentGeneration: number): string[] {
  assertGeneration(currentGeneration);
  const files = listShardFiles(dataDir, shard);
  const stalePaths = [
    ...files.snapshotGenerations
      .filter((generation) => generation < currentGeneration)
      .map((generation) => snapshotPath(dataDir, shard, generation)),
    ...files.journalGenerations
      .filter((generation) => generation < currentGeneration)
      .map((generation) => journalPath(dataDir, shard, generation)),
    ...files.temporaryPaths,
  ];
  for (const path of stalePaths) rmSync(path, { force: true });
  return stalePaths;
}

function assertGeneration(generation: number): void {
  if (!Number.isSafeInteger(generation) || generation < 0 || generation > GENERATION_MAX) {
    throw invalidArgument(`generation must be an integer in 0..${GENERATION_MAX}, got ${generation}`);
  }
}

function generationsMatching(names: readonly string[], pattern: RegExp): number[] {
  const generations: number[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match !== null) generations.push(Number(match[1]));
  }
  return generations.sort((left, right) => left - right);
}

function readNamesIfExists(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** fsyncs the parent of every directory from `firstCreated` down to `deepest`. */
function fsyncCreatedDirectories(firstCreated: string, deepest: string): void {
  let directory = deepest;
  while (true) {
    fsyncDirectory(dirname(directory));
    if (directory === firstCreated) return;
    directory = dirname(directory);
  }
}
