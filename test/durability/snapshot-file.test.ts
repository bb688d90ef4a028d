/**
 * Snapshot files (engine/journal/atomic-file.ts) and a shard's file layout
 * (engine/journal/layout.ts): atomic checksummed writes, corruption detection, generation
 * listing, recovery planning and cleanup, and the documented snapshot rotation order.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readChecksummedFile, writeChecksummedFileAtomic, writeFileAtomic } from '../../engine/journal/atomic-file.js';
import { readJournal } from '../../engine/journal/journal-reader.js';
import { JournalWriter } from '../../engine/journal/journal-writer.js';
import {
  ensureShardDirectory,
  formatGeneration,
  journalPath,
  listShardFiles,
  newestSnapshotGeneration,
  planRecovery,
  removeStaleFiles,
  shardDirectory,
  snapshotPath,
} from '../../engine/journal/layout.js';
import { RECORD_HEADER_BYTES } from '../../engine/journal/record-format.js';

let directory = '';

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'holdfast-snapshot-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function errorOf(action: () => unknown): { code?: unknown; message?: string } | null {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message?: string };
  }
  return null;
}

function touch(path: string, content = 'x'): void {
  writeFileSync(path, content);
}

describe('atomic checksummed files', () => {
  it('write then read returns the payload; a rewrite replaces it; no .tmp is left', () => {
    const path = join(directory, 'state.snap');
    writeChecksummedFileAtomic(path, Buffer.from('first state'));
    expect(readChecksummedFile(path).toString()).toBe('first state');
    const second = Buffer.from(Array.from({ length: 10_000 }, (_, index) => index & 0xff));
    writeChecksummedFileAtomic(path, second);
    expect(readChecksummedFile(path).equals(second)).toBe(true);
    expect(readFileSync(path).length).toBe(RECORD_HEADER_BYTES + second.length);
    expect(readdirSync(directory)).toEqual(['state.snap']);
  });

  it('writeFileAtomic writes raw bytes, from one buffer or parts', () => {
    const path = join(directory, 'raw.bin');
    writeFileAtomic(path, Buffer.from('abc'));
    expect(readFileSync(path, 'utf8')).toBe('abc');
    writeFileAtomic(path, [Buffer.from('de'), new Uint8Array(0), Buffer.from('f')]);
    expect(readFileSync(path, 'utf8')).toBe('def');
    expect(readdirSync(directory)).toEqual(['raw.bin']);
  });

  it('a leftover .tmp from a crash mid-write is ignored and then overwritten', () => {
    const path = join(directory, 'state.snap');
    writeChecksummedFileAtomic(path, Buffer.from('durable'));
    touch(`${path}.tmp`, 'half a snapshot');
    expect(readChecksummedFile(path).toString()).toBe('durable');
    writeChecksummedFileAtomic(path, Buffer.from('next'));
    expect(readChecksummedFile(path).toString()).toBe('next');
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('a snapshot cut at any length is SNAPSHOT_CORRUPT naming the file', () => {
    const path = join(directory, 'state.snap');
    writeChecksummedFileAtomic(path, Buffer.from('a snapshot payload'));
    const whole = readFileSync(path);
    for (let cut = 0; cut < whole.length; cut += 1) {
      writeFileSync(path, whole.subarray(0, cut));
      const error = errorOf(() => readChecksummedFile(path));
      expect(error?.code, `cut at ${cut}`).toBe('SNAPSHOT_CORRUPT');
      expect(error?.message).toContain(path);
    }
  });

  it('a flipped byte anywhere, or bytes after the record, is SNAPSHOT_CORRUPT naming the file', () => {
    const path = join(directory, 'state.snap');
    writeChecksummedFileAtomic(path, Buffer.from('a snapshot payload'));
    const whole = readFileSync(path);
    for (let index = 0; index < whole.length; index += 1) {
      const flipped = Buffer.from(whole);
      flipped[index] ^= 0x01;
      writeFileSync(path, flipped);
      const error = errorOf(() => readChecksummedFile(path));
      expect(error?.code, `flip at ${index}`).toBe('SNAPSHOT_CORRUPT');
      expect(error?.message).toContain(path);
    }
    writeFileSync(path, Buffer.concat([whole, Buffer.from([0])]));
    expect(errorOf(() => readChecksummedFile(path))?.message).toMatch(/1 unexpected bytes after the record/);
  });

  it('a missing snapshot is ENOENT; an empty payload is refused', () => {
    expect(errorOf(() => readChecksummedFile(join(directory, 'none.snap')))?.code).toBe('ENOENT');
    expect(errorOf(() => writeChecksummedFileAtomic(join(directory, 'empty.snap'), new Uint8Array(0)))?.code).toBe(
      'JOURNAL_INVALID_ARGUMENT',
    );
  });
});

describe('layout', () => {
  it('names files with 8-digit generations under shard-N', () => {
    expect(formatGeneration(7)).toBe('00000007');
    expect(shardDirectory('/data', 3)).toBe(join('/data', 'shard-3'));
    expect(snapshotPath('/data', 3, 12)).toBe(join('/data', 'shard-3', 'snapshot-00000012.snap'));
    expect(journalPath('/data', 3, 0)).toBe(join('/data', 'shard-3', 'journal-00000000.log'));
    for (const bad of [-1, 1.5, 100_000_000, Number.NaN])
      expect(errorOf(() => formatGeneration(bad))?.code).toBe('JOURNAL_INVALID_ARGUMENT');
    expect(errorOf(() => shardDirectory('/data', -1))?.code).toBe('JOURNAL_INVALID_ARGUMENT');
  });

  it('lists generations in numeric order, apart from .tmp leftovers and unknown files', () => {
    const dataDir = join(directory, 'data');
    expect(listShardFiles(dataDir, 0)).toEqual({ snapshotGenerations: [], journalGenerations: [], temporaryPaths: [] });
    const shardDir = ensureShardDirectory(dataDir, 0);
    expect(shardDir).toBe(shardDirectory(dataDir, 0));
    for (const generation of [10, 2, 9, 1]) {
      touch(snapshotPath(dataDir, 0, generation));
      touch(journalPath(dataDir, 0, generation));
    }
    touch(`${snapshotPath(dataDir, 0, 11)}.tmp`);
    touch(join(shardDir, 'notes.txt'));
    touch(join(shardDir, 'snapshot-12.snap')); // not 8 digits: not ours
    const files = listShardFiles(dataDir, 0);
    expect(files).toEqual({
      snapshotGenerations: [1, 2, 9, 10],
      journalGenerations: [1, 2, 9, 10],
      temporaryPaths: [`${snapshotPath(dataDir, 0, 11)}.tmp`],
    });
    expect(newestSnapshotGeneration(files)).toBe(10);
    // Zero padding: the names sort like the generations.
    expect(
      readdirSync(shardDir)
        .filter((name) => /^snapshot-\d{8}\.snap$/.test(name))
        .sort(),
    ).toEqual([1, 2, 9, 10].map((generation) => `snapshot-${formatGeneration(generation)}.snap`));
  });

  it('removeStaleFiles deletes older generations and .tmp leftovers only', () => {
    const dataDir = join(directory, 'data');
    const shardDir = ensureShardDirectory(dataDir, 1);
    for (const generation of [1, 2, 3]) {
      touch(snapshotPath(dataDir, 1, generation));
      touch(journalPath(dataDir, 1, generation));
    }
    touch(`${snapshotPath(dataDir, 1, 4)}.tmp`);
    touch(join(shardDir, 'notes.txt'));
    const removed = removeStaleFiles(dataDir, 1, 3);
    expect(removed.sort()).toEqual(
      [
        snapshotPath(dataDir, 1, 1),
        snapshotPath(dataDir, 1, 2),
        journalPath(dataDir, 1, 1),
        journalPath(dataDir, 1, 2),
        `${snapshotPath(dataDir, 1, 4)}.tmp`,
      ].sort(),
    );
    expect(readdirSync(shardDir).sort()).toEqual(['journal-00000003.log', 'notes.txt', 'snapshot-00000003.snap']);
    expect(removeStaleFiles(dataDir, 1, 3)).toEqual([]);
  });

  it('plans recovery from the newest snapshot and its journal, or generation 0', () => {
    const dataDir = join(directory, 'data');
    expect(planRecovery(dataDir, 0)).toEqual({
      generation: 0,
      snapshotPath: null,
      journalPath: journalPath(dataDir, 0, 0),
    });
    ensureShardDirectory(dataDir, 0);
    touch(journalPath(dataDir, 0, 0));
    expect(planRecovery(dataDir, 0).generation).toBe(0);
    // Crash after snapshot 1 was renamed into place, before journal 1 was started.
    touch(snapshotPath(dataDir, 0, 1));
    touch(`${snapshotPath(dataDir, 0, 2)}.tmp`);
    expect(planRecovery(dataDir, 0)).toEqual({
      generation: 1,
      snapshotPath: snapshotPath(dataDir, 0, 1),
      journalPath: journalPath(dataDir, 0, 1),
    });
    // Crash after journal 1 was started, before the old files were deleted.
    touch(journalPath(dataDir, 0, 1));
    expect(planRecovery(dataDir, 0).generation).toBe(1);
  });

  it('a journal newer than every snapshot is JOURNAL_LAYOUT_INVALID', () => {
    const dataDir = join(directory, 'data');
    mkdirSync(shardDirectory(dataDir, 0), { recursive: true });
    touch(snapshotPath(dataDir, 0, 1));
    touch(journalPath(dataDir, 0, 2));
    const error = errorOf(() => planRecovery(dataDir, 0));
    expect(error?.code).toBe('JOURNAL_LAYOUT_INVALID');
    expect(error?.message).toContain('journal generation 00000002 has no snapshot');
  });

  it('the documented rotation order recovers every record at each step', async () => {
    const dataDir = join(directory, 'data');
    ensureShardDirectory(dataDir, 0);
    /** Recovery as a shard would run it: the state is the list of applied payloads. */
    const recover = (): string[] => {
      const plan = planRecovery(dataDir, 0);
      const state: string[] =
        plan.snapshotPath === null ? [] : JSON.parse(readChecksummedFile(plan.snapshotPath).toString());
      readJournal(plan.journalPath, (payload) => state.push(payload.toString()));
      return state;
    };
    const options = { fsync: 'always', intervalMs: 0 } as const;
    const journal0 = new JournalWriter(journalPath(dataDir, 0, 0), { ...options, file: { shard: 0, generation: 0 } });
    for (const entry of ['a', 'b']) journal0.append(Buffer.from(entry));
    await journal0.durable();
    expect(recover()).toEqual(['a', 'b']);
    // 1. snapshot 1, atomically.
    writeChecksummedFileAtomic(snapshotPath(dataDir, 0, 1), Buffer.from(JSON.stringify(['a', 'b'])));
    expect(recover()).toEqual(['a', 'b']);
    // 2. journal 1, then close journal 0.
    const journal1 = new JournalWriter(journalPath(dataDir, 0, 1), { ...options, file: { shard: 0, generation: 1 } });
    await journal0.close();
    journal1.append(Buffer.from('c'));
    await journal1.durable();
    expect(recover()).toEqual(['a', 'b', 'c']);
    // 3. delete generation 0.
    expect(removeStaleFiles(dataDir, 0, 1)).toEqual([journalPath(dataDir, 0, 0)]);
    expect(recover()).toEqual(['a', 'b', 'c']);
    await journal1.close();
  });
});
