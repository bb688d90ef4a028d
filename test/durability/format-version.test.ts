/**
 * A format version in every journal and snapshot file: a file of another version, or without the
 * magic, is refused at recovery with FORMAT_VERSION_UNSUPPORTED naming the file, the version
 * found and the versions this build reads, and is left untouched; a journal cut inside its header
 * (a crash while it was created) recovers as empty; legacy headerless files (version 0) still
 * recover.
 *
 * From issue 14.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import {
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  readJournal,
  readSnapshotFile,
  writeSnapshotFile,
} from '../../dist/engine/journal/index.js';
import { READABLE_VERSIONS, SNAPSHOT_VERSION } from '../../dist/engine/ledger/snapshot.js';
import { encodeFileHeader } from '../../engine/journal/file-header.js';
import { readJournal as readJournalSource } from '../../engine/journal/journal-reader.js';
import { expectOk, type Engine } from '../engine/support/helpers.js';
import { CLI } from './support/crash-helpers.js';
import { useEngineDirs } from './support/engine-dirs.js';

const { dataDir, open, close } = useEngineDirs('format');
const TOKEN = 'format-test-token-8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f';
const READS = /this build reads format versions 0 \(legacy, headerless\), 1\b/;

function shardDir(dir: string): string {
  return join(dir, 'shard-0');
}

/** Every file of shard 0, by name: to show a refused start changed nothing. */
function filesOf(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(shardDir(dir)).map((name) => [name, readFileSync(join(shardDir(dir), name))]));
}

function only(dir: string, suffix: string): string {
  const names = readdirSync(shardDir(dir)).filter((name) => name.endsWith(suffix));
  expect(names, `one ${suffix} file in ${shardDir(dir)}`).toHaveLength(1);
  return join(shardDir(dir), names[0] as string);
}

/** Sets the header's version (and its crc, so that the version is the only thing wrong). */
function setVersion(path: string, version: number): void {
  const bytes = readFileSync(path);
  bytes.writeUInt16LE(version, 8);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, 20)), 20);
  writeFileSync(path, bytes);
}

/** A closed engine's directory: shard 0 holds one snapshot and its journal, with records in both. */
async function populated(): Promise<string> {
  const dir = dataDir();
  const engine = await open({ shards: 1, dataDir: dir, snapshotEveryRecords: 2 });
  for (let index = 0; index < 5; index++) expectOk(await engine.receive({ sku: 'A', location: 'L1', qty: 1 }));
  await close(engine);
  return dir;
}

async function onHandOf(engine: Engine, sku: string): Promise<number> {
  return expectOk(await engine.get(sku)).onHand;
}

function errorOf(action: () => unknown): { code?: unknown; message?: string } | null {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message?: string };
  }
  return null;
}

async function expectRefused(dir: string, ...messages: RegExp[]): Promise<void> {
  const before = filesOf(dir);
  const error = await createEngine({ shards: 1, dataDir: dir }).then(
    (engine) => engine.close().then(() => null),
    (reason: unknown) => reason as { code?: unknown; message?: string },
  );
  expect(error, 'the start is refused').not.toBeNull();
  expect(error?.code).toBe('FORMAT_VERSION_UNSUPPORTED');
  for (const message of messages) expect(error?.message).toMatch(message);
  expect(filesOf(dir), 'every file of the shard is left as it was').toEqual(before);
}

describe('a file of another format version is refused, never misread or cut', () => {
  it('a journal of a future format version: FORMAT_VERSION_UNSUPPORTED naming it; bytes unchanged', async () => {
    const dir = await populated();
    const journal = only(dir, '.log');
    setVersion(journal, FILE_FORMAT_VERSION + 1);
    await expectRefused(dir, /FORMAT_VERSION_UNSUPPORTED: journal \S+journal-\d{8}\.log has format version 2; /, READS);
  }, 30_000);

  it('a journal of a future version with a longer header and a torn end is still refused, not read as torn', () => {
    const dir = dataDir();
    const path = join(dir, 'journal-00000000.log');
    const header = encodeFileHeader('journal', { shard: 0, generation: 0 });
    header.writeUInt16LE(7, 8);
    writeFileSync(path, header.subarray(0, 12));
    const before = readFileSync(path);
    const error = errorOf(() => readJournalSource(path, () => {}));
    expect(error?.code).toBe('FORMAT_VERSION_UNSUPPORTED');
    expect(error?.message).toMatch(/has format version 7; /);
    expect(readFileSync(path)).toEqual(before);
  });

  it('a snapshot of a future file format version: refused and unchanged', async () => {
    const dir = await populated();
    setVersion(only(dir, '.snap'), 300);
    await expectRefused(dir, /FORMAT_VERSION_UNSUPPORTED: snapshot \S+\.snap has format version 300; /);
  }, 30_000);

  it('a snapshot holding a future ledger snapshot version: refused naming it; unchanged', async () => {
    const dir = await populated();
    const path = only(dir, '.snap');
    const generation = Number(/snapshot-(\d+)\.snap$/.exec(path)?.[1]);
    const codec = new Packr({ useRecords: true });
    const state = codec.unpack(readSnapshotFile(path).payload) as { version: number };
    expect(state.version).toBe(SNAPSHOT_VERSION);
    const future = Math.max(...READABLE_VERSIONS) + 1;
    writeSnapshotFile(path, { shard: 0, generation }, codec.pack({ ...state, version: future }));
    await expectRefused(
      dir,
      new RegExp(
        `FORMAT_VERSION_UNSUPPORTED: snapshot \\S+\\.snap holds ledger snapshot version ${future}; ` +
          `this build reads ledger snapshot versions ${READABLE_VERSIONS.join(', ')} `,
      ),
    );
  }, 30_000);

  it.each(['.log', '.snap'])(
    'a %s file with a corrupted magic is refused as having no magic',
    async (suffix) => {
      const dir = await populated();
      const path = only(dir, suffix);
      const bytes = readFileSync(path);
      bytes.write('XX', 0, 'latin1');
      writeFileSync(path, bytes);
      const kind = suffix === '.log' ? 'journal' : 'snapshot';
      await expectRefused(
        dir,
        new RegExp(`${kind} \\S+\\${suffix} does not start with the holdfast ${kind} magic .*\\(it starts with 0x5858`),
        READS,
      );
    },
    30_000,
  );

  it('a journal header failing its crc is JOURNAL_CORRUPT, and a header naming another shard is refused', () => {
    const dir = dataDir();
    const path = join(dir, 'journal-00000000.log');
    writeFileSync(path, encodeFileHeader('journal', { shard: 3, generation: 5 }));
    const moved = errorOf(() => readJournalSource(path, () => {}, { expected: { shard: 0, generation: 5 } }));
    expect(moved?.code).toBe('JOURNAL_LAYOUT_INVALID');
    expect(moved?.message).toMatch(/names shard 3 generation 5, not shard 0 generation 5/);
    expect(readJournal(path, () => {}, { expected: { shard: 3, generation: 5 } })).toMatchObject({
      records: 0,
      validBytes: FILE_HEADER_BYTES,
      formatVersion: FILE_FORMAT_VERSION,
    });
    const bytes = readFileSync(path);
    bytes[14] ^= 0x01;
    writeFileSync(path, bytes);
    expect(errorOf(() => readJournal(path, () => {}))?.code).toBe('JOURNAL_CORRUPT');
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('holdfast serve exits 2 with one line carrying the code, the file and the versions', async () => {
    const dir = await populated();
    const journal = only(dir, '.log');
    setVersion(journal, 9);
    const before = readFileSync(journal);
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--shards', '1', '--data', dir], {
      env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^holdfast serve: FORMAT_VERSION_UNSUPPORTED: .*journal \S+\.log has format version 9; /);
    expect(lines[0]).toMatch(READS);
    expect(readFileSync(journal)).toEqual(before);
  }, 30_000);
});

describe('snapshot files', () => {
  it('round trip with a header; cut, damaged, moved or legacy-damaged files are refused with their codes', () => {
    const dir = dataDir();
    const path = join(dir, 'snapshot-00000004.snap');
    const payload = Buffer.from('a ledger snapshot, as msgpack would be');
    writeSnapshotFile(path, { shard: 2, generation: 4 }, payload);
    const whole = readFileSync(path);
    expect(whole.subarray(0, 8).toString('latin1')).toBe('HFSNAPSH');
    expect(readSnapshotFile(path, { shard: 2, generation: 4 })).toEqual({ formatVersion: 1, payload });
    expect(errorOf(() => readSnapshotFile(path, { shard: 2, generation: 3 }))?.code).toBe('JOURNAL_LAYOUT_INVALID');
    for (const cut of [3, 12, FILE_HEADER_BYTES, FILE_HEADER_BYTES + 5, whole.length - 1]) {
      writeFileSync(path, whole.subarray(0, cut));
      expect(errorOf(() => readSnapshotFile(path))?.code, `cut at ${cut}`).toBe('SNAPSHOT_CORRUPT');
    }
    const damaged = Buffer.from(whole);
    damaged[14] ^= 0x10;
    writeFileSync(path, damaged);
    expect(errorOf(() => readSnapshotFile(path))).toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      message: expect.stringMatching(/file header crc mismatch/),
    });
    // Legacy: the record alone; a flipped payload byte is SNAPSHOT_CORRUPT, a wrong length no snapshot at all.
    const legacy = Buffer.from(whole.subarray(FILE_HEADER_BYTES));
    writeFileSync(path, legacy);
    expect(readSnapshotFile(path)).toEqual({ formatVersion: 0, payload });
    legacy[10] ^= 0x01;
    writeFileSync(path, legacy);
    expect(errorOf(() => readSnapshotFile(path))?.code).toBe('SNAPSHOT_CORRUPT');
    writeFileSync(path, Buffer.concat([legacy, Buffer.from([0])]));
    expect(errorOf(() => readSnapshotFile(path))?.code).toBe('FORMAT_VERSION_UNSUPPORTED');
  });
});

describe('a crash right after a journal file was created', () => {
  it('every cut inside the header reads as an empty journal with no version; a whole header as version 1', () => {
    const dir = dataDir();
    const path = join(dir, 'journal-00000000.log');
    const header = encodeFileHeader('journal', { shard: 0, generation: 0 });
    for (let cut = 0; cut < FILE_HEADER_BYTES; cut++) {
      writeFileSync(path, header.subarray(0, cut));
      const read = readJournal(path, () => {});
      expect(read, `cut at ${cut}`).toMatchObject({ records: 0, validBytes: 0, formatVersion: null });
      expect(read.tornTail === null, `cut at ${cut}: torn unless empty`).toBe(cut === 0);
    }
    writeFileSync(path, header);
    expect(readJournal(path, () => {})).toMatchObject({ records: 0, tornTail: null, formatVersion: 1 });
  });

  it.each([0, 1, 9, 10, 23, FILE_HEADER_BYTES])(
    'a journal of the first %i header bytes and no record recovers, gets a whole header and keeps later records',
    async (cut) => {
      const dir = await populated();
      const journal = only(dir, '.log');
      // Each record is one receive of 1: the snapshot holds the other of the 5.
      const snapshotOnHand = 5 - readJournal(journal, () => {}).records;
      // As if the crash came right after the journal was created, cut `cut` bytes into its header.
      truncateSync(journal, cut);
      const second = await open({ shards: 1, dataDir: dir });
      expect(await onHandOf(second, 'A')).toBe(snapshotOnHand);
      expectOk(await second.receive({ sku: 'A', location: 'L1', qty: 10 }));
      await close(second);
      expect(readFileSync(journal).subarray(0, FILE_HEADER_BYTES)).toEqual(
        encodeFileHeader('journal', { shard: 0, generation: Number(/journal-(\d+)\.log$/.exec(journal)?.[1]) }),
      );
      const third = await open({ shards: 1, dataDir: dir });
      expect(await onHandOf(third, 'A')).toBe(snapshotOnHand + 10);
    },
    30_000,
  );

  it('a first start whose journal creation left only a .tmp recovers empty and removes it', async () => {
    const dir = dataDir();
    const engine = await open({ shards: 1, dataDir: dir });
    await close(engine);
    const journal = only(dir, '.log');
    // startJournalFile writes a .tmp and renames it: a crash before the rename leaves no journal.
    writeFileSync(`${journal}.tmp`, readFileSync(journal).subarray(0, 5));
    rmSync(journal);
    const again = await open({ shards: 1, dataDir: dir });
    expectOk(await again.receive({ sku: 'B', location: 'L1', qty: 4 }));
    await close(again);
    expect(existsSync(`${journal}.tmp`)).toBe(false);
    const reopened = await open({ shards: 1, dataDir: dir });
    expect(await onHandOf(reopened, 'B')).toBe(4);
  }, 30_000);
});

describe('legacy headerless files (format version 0)', () => {
  it('a data directory written before headers recovers the same state; files started since have headers', async () => {
    const dir = dataDir();
    const options = { shards: 1, dataDir: dir, snapshotEveryRecords: 4 };
    const first = await open(options);
    for (let index = 0; index < 6; index++) expectOk(await first.receive({ sku: 'A', location: 'L1', qty: 1 }));
    await close(first);
    // Strip the headers: the records and the snapshot record are byte for byte what the old build wrote.
    const journal = only(dir, '.log');
    const snapshot = only(dir, '.snap');
    writeFileSync(journal, readFileSync(journal).subarray(FILE_HEADER_BYTES));
    writeFileSync(snapshot, readFileSync(snapshot).subarray(FILE_HEADER_BYTES));
    expect(readJournal(journal, () => {})).toMatchObject({ records: 2, formatVersion: 0, tornTail: null });
    expect(readSnapshotFile(snapshot).formatVersion).toBe(0);

    const second = await open(options);
    expect(await onHandOf(second, 'A')).toBe(6);
    // Appends go on in the legacy journal until the next snapshot starts a headered generation.
    expectOk(await second.receive({ sku: 'A', location: 'L1', qty: 1 }));
    await close(second);
    expect(readJournal(journal, () => {})).toMatchObject({ records: 3, formatVersion: 0 });
    const third = await open(options);
    expect(await onHandOf(third, 'A')).toBe(7);
    for (let index = 0; index < 4; index++) expectOk(await third.receive({ sku: 'A', location: 'L1', qty: 1 }));
    await close(third);
    expect(readSnapshotFile(only(dir, '.snap')).formatVersion).toBe(FILE_FORMAT_VERSION);
    expect(readJournal(only(dir, '.log'), () => {}).formatVersion).toBe(FILE_FORMAT_VERSION);
    const fourth = await open(options);
    expect(await onHandOf(fourth, 'A')).toBe(11);
  }, 60_000);

  it('an empty legacy journal (0 bytes) is started anew with a header', async () => {
    const dir = dataDir();
    const engine = await open({ shards: 1, dataDir: dir });
    await close(engine);
    const journal = only(dir, '.log');
    truncateSync(journal, 0);
    const again = await open({ shards: 1, dataDir: dir });
    await close(again);
    expect(readJournal(journal, () => {})).toMatchObject({ records: 0, formatVersion: FILE_FORMAT_VERSION });
  }, 30_000);
});
