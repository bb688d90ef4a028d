/**
 * The journal file layer (engine/journal): record round trips, torn tails versus corruption in
 * the middle, truncation and resumed appends, and the fsync policies with group commit.
 */
import fc from 'fast-check';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { crc32Of, JS_CRC_MAX_BYTES } from '../../engine/journal/crc32-bytes.js';
import { crc32OfRange, crc32OfRegister, crc32Step, CRC32_REGISTER_START } from '../../engine/journal/crc32-ranges.js';
import { FileWindow } from '../../engine/journal/file-window.js';
import { MinHeap } from '../../shared/min-heap.js';
import { JournalCorruptError } from '../../engine/journal/errors.js';
import { readJournal, truncateJournal } from '../../engine/journal/journal-reader.js';
import { JournalWriter, type FsyncPolicy } from '../../engine/journal/journal-writer.js';
import { FILE_HEADER_BYTES } from '../../engine/journal/file-header.js';
import { encodeRecord, RECORD_HEADER_BYTES, RECORD_PAYLOAD_MAX_BYTES } from '../../engine/journal/record-format.js';
import { sleep } from '../engine/support/helpers.js';

let directory = '';
let fileCounter = 0;
const writers: JournalWriter[] = [];
const FILE = { shard: 0, generation: 0 };

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'holdfast-journal-'));
});

afterEach(async () => {
  await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
  rmSync(directory, { recursive: true, force: true });
});

function freshPath(): string {
  fileCounter += 1;
  return join(directory, `journal-${fileCounter}.log`);
}

function open(path: string, fsync: FsyncPolicy = 'off', intervalMs = 20): JournalWriter {
  const writer = new JournalWriter(path, { fsync, intervalMs, file: FILE });
  writers.push(writer);
  return writer;
}

/** Deterministic payloads: record i holds `size` bytes derived from i. */
function payloadOf(index: number, size = 16 + index * 7): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let byte = 0; byte < size; byte += 1) payload[byte] = (index * 31 + byte * 7 + 1) & 0xff;
  return payload;
}

async function writeJournal(path: string, payloads: readonly Uint8Array[]): Promise<number[]> {
  const writer = open(path);
  const offsets: number[] = [];
  for (const payload of payloads) {
    offsets.push(writer.sizeBytes);
    writer.append(payload);
  }
  await writer.close();
  return offsets;
}

function readAll(path: string) {
  const payloads: Buffer[] = [];
  const offsets: number[] = [];
  const result = readJournal(path, (payload, offsetBytes) => {
    payloads.push(Buffer.from(payload));
    offsets.push(offsetBytes);
  });
  return { ...result, payloads, offsets };
}

function codeOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
}

function flipByte(path: string, offsetBytes: number): void {
  const bytes = readFileSync(path);
  bytes[offsetBytes] ^= 0xff;
  writeFileSync(path, bytes);
}

describe('record round trip', () => {
  it('random payload lists read back equal, with offsets, counters and sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 40 }),
        async (payloads) => {
          const path = freshPath();
          const writer = open(path);
          const offsets = payloads.map((payload) => {
            const offset = writer.sizeBytes;
            writer.append(payload);
            return offset;
          });
          const expectedBytes = payloads.reduce((sum, payload) => sum + RECORD_HEADER_BYTES + payload.length, 0);
          expect(writer.records).toBe(payloads.length);
          expect(writer.bytes).toBe(expectedBytes);
          await writer.close();
          const read = readAll(path);
          expect(read.payloads.map((payload) => [...payload])).toEqual(payloads.map((payload) => [...payload]));
          expect(read.offsets).toEqual(offsets);
          // A new file starts with its header; the first record follows it.
          expect(offsets[0] ?? FILE_HEADER_BYTES).toBe(FILE_HEADER_BYTES);
          expect(read).toMatchObject({
            records: payloads.length,
            validBytes: FILE_HEADER_BYTES + expectedBytes,
            sizeBytes: FILE_HEADER_BYTES + expectedBytes,
            tornTail: null,
            formatVersion: 1,
          });
          expect(statSync(path).size).toBe(FILE_HEADER_BYTES + expectedBytes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('records larger than a read chunk and records straddling chunk ends read back', async () => {
    const path = freshPath();
    const payloads = [
      payloadOf(1, 100),
      payloadOf(2, 9 * 1024 * 1024),
      payloadOf(3, 5 * 1024 * 1024),
      payloadOf(4, 4 * 1024 * 1024),
      payloadOf(5, 10),
    ];
    await writeJournal(path, payloads);
    const read = readAll(path);
    expect(read.records).toBe(payloads.length);
    read.payloads.forEach((payload, index) => expect(payload.equals(payloads[index])).toBe(true));
  });

  it('a reopened writer appends after the existing records', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0), payloadOf(1)]);
    const writer = open(path);
    const sizeBefore = statSync(path).size;
    expect(writer.sizeBytes).toBe(sizeBefore);
    writer.append(payloadOf(2));
    expect(writer).toMatchObject({ records: 1, bytes: RECORD_HEADER_BYTES + payloadOf(2).length });
    await writer.close();
    expect(readAll(path).payloads).toEqual([payloadOf(0), payloadOf(1), payloadOf(2)]);
  });

  it('a missing file reads as an empty journal; an empty payload and bad options are refused', () => {
    expect(readAll(join(directory, 'missing.log'))).toMatchObject({
      records: 0,
      validBytes: 0,
      tornTail: null,
      formatVersion: null,
      payloads: [],
    });
    const writer = open(freshPath());
    expect(codeOf(() => writer.append(new Uint8Array(0)))).toBe('JOURNAL_INVALID_ARGUMENT');
    expect(writer.records).toBe(0);
    expect(
      codeOf(() => new JournalWriter(freshPath(), { fsync: 'sometimes' as FsyncPolicy, intervalMs: 10, file: FILE })),
    ).toBe('JOURNAL_INVALID_ARGUMENT');
    expect(codeOf(() => new JournalWriter(freshPath(), { fsync: 'interval', intervalMs: 0, file: FILE }))).toBe(
      'JOURNAL_INVALID_ARGUMENT',
    );
  });

  it('the file window returns exactly the file bytes for any read, across tiny chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.integer({ min: 1, max: 17 }),
        fc.array(fc.tuple(fc.nat(220), fc.nat(60)), { maxLength: 30 }),
        (bytes, chunkBytes, reads) => {
          const path = freshPath();
          writeFileSync(path, bytes);
          const fd = openSync(path, 'r');
          try {
            const window = new FileWindow(fd, bytes.length, chunkBytes);
            const views = reads
              .filter(([offset]) => offset <= bytes.length)
              .map(([offset, length]) => ({ offset, length, view: window.bytesAt(offset, length) }));
            // Views handed out earlier stay valid after refills.
            for (const { offset, length, view } of views)
              expect([...view]).toEqual([...bytes.subarray(offset, offset + length)]);
          } finally {
            closeSync(fd);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('scan building blocks', () => {
  it('crc32 of any range from prefix CRCs equals zlib crc32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.nat(), fc.nat(), (bytes, first, second) => {
        const prefixCrcs = [crc32OfRegister(CRC32_REGISTER_START)];
        let register = CRC32_REGISTER_START;
        for (const byte of bytes) {
          register = crc32Step(register, byte);
          prefixCrcs.push(crc32OfRegister(register));
        }
        expect(prefixCrcs[bytes.length]).toBe(crc32(bytes));
        const start = first % (bytes.length + 1);
        const end = start + (second % (bytes.length - start + 1));
        expect(crc32OfRange(prefixCrcs[start], prefixCrcs[end], end - start)).toBe(crc32(bytes.subarray(start, end)));
      }),
      { numRuns: 300 },
    );
  });

  it('crc32Of equals zlib crc32 on both sides of the JavaScript/native threshold', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: JS_CRC_MAX_BYTES * 3 }), (bytes) => {
        expect(crc32Of(bytes)).toBe(crc32(bytes));
      }),
      { numRuns: 500 },
    );
    const edge = Buffer.from(Array.from({ length: JS_CRC_MAX_BYTES + 1 }, (_, index) => (index * 37 + 11) & 0xff));
    for (const length of [0, 1, JS_CRC_MAX_BYTES, JS_CRC_MAX_BYTES + 1])
      expect(crc32Of(edge.subarray(0, length)), `${length} bytes`).toBe(crc32(edge.subarray(0, length)));
  });

  it('the min-heap pops in key order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 })), (keys) => {
        const heap = new MinHeap<number>((key) => key);
        for (const key of keys) heap.push(key);
        expect(heap.size).toBe(keys.length);
        const popped: number[] = [];
        while (heap.size > 0) popped.push(heap.pop() as number);
        expect(popped).toEqual([...keys].sort((left, right) => left - right));
        expect(heap.pop()).toBeUndefined();
      }),
    );
  });
});

describe('torn tail', () => {
  it(
    'a cut at every byte inside the last record reports a ' + 'torn tail at its offset, keeping the earlier records',
    async () => {
      const path = freshPath();
      const payloads = [payloadOf(0), payloadOf(1), payloadOf(2, 40)];
      const offsets = await writeJournal(path, payloads);
      const whole = readFileSync(path);
      const lastOffset = offsets[2];
      for (let cut = lastOffset + 1; cut < whole.length; cut += 1) {
        writeFileSync(path, whole.subarray(0, cut));
        const read = readAll(path);
        expect(read.payloads, `cut at ${cut}`).toEqual(payloads.slice(0, 2));
        expect(read.validBytes).toBe(lastOffset);
        expect(read.sizeBytes).toBe(cut);
        expect(read.tornTail?.offsetBytes, `cut at ${cut}`).toBe(lastOffset);
        expect(read.tornTail?.reason).toMatch(
          cut - lastOffset < RECORD_HEADER_BYTES ? /header cut short/ : /payload cut short/,
        );
      }
      writeFileSync(path, whole.subarray(0, lastOffset));
      expect(readAll(path)).toMatchObject({ records: 2, validBytes: lastOffset, tornTail: null });
    },
  );

  it('random garbage after valid records is a torn tail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (garbage) => {
        const path = freshPath();
        const payloads = [payloadOf(0), payloadOf(1)];
        await writeJournal(path, payloads);
        const validBytes = statSync(path).size;
        writeFileSync(path, garbage, { flag: 'a' });
        const read = readAll(path);
        expect(read.payloads).toEqual(payloads);
        expect(read.validBytes).toBe(validBytes);
        expect(read.tornTail?.offsetBytes).toBe(validBytes);
      }),
      { numRuns: 100 },
    );
  });

  it('zeros after valid records (a file extended before its data reached the disk) are a torn tail', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0)]);
    const validBytes = statSync(path).size;
    writeFileSync(path, Buffer.alloc(4096), { flag: 'a' });
    expect(readAll(path)).toMatchObject({
      records: 1,
      validBytes,
      tornTail: { offsetBytes: validBytes, reason: 'impossible payload length 0' },
    });
  });

  it('a last record whose length field claims more than the file holds is a torn tail', async () => {
    const path = freshPath();
    const offsets = await writeJournal(path, [payloadOf(0), payloadOf(1), payloadOf(2)]);
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(1_000_000, offsets[2]);
    writeFileSync(path, bytes);
    const read = readAll(path);
    expect(read).toMatchObject({ records: 2, validBytes: offsets[2], tornTail: { offsetBytes: offsets[2] } });
    expect(read.tornTail?.reason).toMatch(/payload cut short: \d+ of 1000000 bytes/);
    bytes.writeUInt32LE(RECORD_PAYLOAD_MAX_BYTES + 1, offsets[2]);
    writeFileSync(path, bytes);
    expect(readAll(path).tornTail).toEqual({
      offsetBytes: offsets[2],
      reason: `impossible payload length ${RECORD_PAYLOAD_MAX_BYTES + 1}`,
    });
  });
});

describe('corruption in the middle', () => {
  async function fiveRecords() {
    const path = freshPath();
    const payloads = [0, 1, 2, 3, 4].map((index) => payloadOf(index));
    const offsets = await writeJournal(path, payloads);
    return { path, payloads, offsets };
  }

  function expectCorrupt(path: string, offsetBytes: number, nextValidOffsetBytes: number, seen: Buffer[]) {
    let thrown: unknown = null;
    try {
      readJournal(path, (payload) => seen.push(Buffer.from(payload)));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JournalCorruptError);
    const error = thrown as JournalCorruptError;
    expect(error.code).toBe('JOURNAL_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`corrupt at byte offset ${offsetBytes} (`);
    expect(error).toMatchObject({ path, offsetBytes, nextValidOffsetBytes });
  }

  it(
    'a flipped payload byte in a middle record throws JOURNAL_CORRUPT ' +
      'naming the file and offset; later records are not delivered',
    async () => {
      const { path, payloads, offsets } = await fiveRecords();
      flipByte(path, offsets[2] + RECORD_HEADER_BYTES + 5);
      const seen: Buffer[] = [];
      expectCorrupt(path, offsets[2], offsets[3], seen);
      expect(seen).toEqual(payloads.slice(0, 2));
    },
  );

  it.each([0, 1, 2, 3, 4, 5, 6, 7])(
    'a flipped header byte %i in a middle record throws JOURNAL_CORRUPT (never a torn tail)',
    async (headerByte) => {
      const { path, payloads, offsets } = await fiveRecords();
      flipByte(path, offsets[2] + headerByte);
      const seen: Buffer[] = [];
      expectCorrupt(path, offsets[2], offsets[3], seen);
      expect(seen).toEqual(payloads.slice(0, 2));
    },
  );

  it('a damaged first record followed by valid ones is corruption where the records start', async () => {
    const { path, offsets } = await fiveRecords();
    flipByte(path, FILE_HEADER_BYTES + RECORD_HEADER_BYTES);
    const seen: Buffer[] = [];
    expectCorrupt(path, FILE_HEADER_BYTES, offsets[1], seen);
    expect(seen).toEqual([]);
  });

  it('a damaged record inside megabytes of random bytes is found in one linear pass', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0)]);
    const badOffset = statSync(path).size;
    const noise = Buffer.alloc(6 * 1024 * 1024);
    for (let index = 0; index < noise.length; index += 1) noise[index] = (index * 2654435761) >>> 13;
    writeFileSync(path, Buffer.concat([noise, encodeRecord(payloadOf(1))]), { flag: 'a' });
    const started = performance.now();
    expectCorrupt(path, badOffset, badOffset + noise.length, []);
    expect(performance.now() - started).toBeLessThan(5_000);
    // The same noise alone to the end is a torn tail.
    writeFileSync(path, readFileSync(path).subarray(0, badOffset + noise.length));
    expect(readAll(path).tornTail?.offsetBytes).toBe(badOffset);
  });

  it('a hole of zeros followed by a valid record is corruption', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0)]);
    const holeOffset = statSync(path).size;
    writeFileSync(path, Buffer.concat([Buffer.alloc(100), encodeRecord(payloadOf(1))]), { flag: 'a' });
    expectCorrupt(path, holeOffset, holeOffset + 100, []);
  });
});

describe('truncateJournal', () => {
  it('cuts a torn tail, after which appends continue a valid journal', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0), payloadOf(1), payloadOf(2)]);
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length - 3));
    const torn = readAll(path);
    expect(torn.records).toBe(2);
    expect(torn.tornTail).not.toBeNull();
    truncateJournal(path, torn.validBytes);
    expect(statSync(path).size).toBe(torn.validBytes);
    const writer = open(path);
    writer.append(payloadOf(3));
    writer.append(payloadOf(4));
    await writer.close();
    expect(readAll(path)).toMatchObject({
      records: 4,
      tornTail: null,
      payloads: [payloadOf(0), payloadOf(1), payloadOf(3), payloadOf(4)],
    });
  });

  it('never extends a file', async () => {
    const path = freshPath();
    await writeJournal(path, [payloadOf(0)]);
    expect(codeOf(() => truncateJournal(path, statSync(path).size + 1))).toBe('JOURNAL_INVALID_ARGUMENT');
    expect(codeOf(() => truncateJournal(path, -1))).toBe('JOURNAL_INVALID_ARGUMENT');
  });
});

describe('fsync policies', () => {
  it("'always' group-commits: 50 appends each followed by durable() share a few fdatasyncs", async () => {
    const path = freshPath();
    const writer = open(path, 'always');
    const durables: Promise<void>[] = [];
    for (let index = 0; index < 50; index += 1) {
      writer.append(payloadOf(index));
      durables.push(writer.durable());
    }
    await Promise.all(durables);
    expect(writer.syncs).toBeGreaterThanOrEqual(1);
    expect(writer.syncs).toBeLessThanOrEqual(3);
    // Nothing new appended: no new fdatasync.
    const syncsBefore = writer.syncs;
    await writer.durable();
    expect(writer.syncs).toBe(syncsBefore);
    await writer.close();
    expect(readAll(path).records).toBe(50);
  });

  it("'always': a record appended while an fdatasync runs waits for the next one", async () => {
    const writer = open(freshPath(), 'always');
    writer.append(payloadOf(0));
    const first = writer.durable();
    writer.append(payloadOf(1));
    const second = writer.durable();
    const third = writer.durable(); // shares the second round
    await first;
    expect(writer.syncs).toBe(1);
    await Promise.all([second, third]);
    expect(writer.syncs).toBe(2);
  });

  it("'off' never fdatasyncs and durable() resolves at once", async () => {
    const writer = open(freshPath(), 'off');
    let resolved = false;
    writer.append(payloadOf(0));
    void writer.durable().then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(true);
    await writer.close();
    expect(writer.syncs).toBe(0);
  });

  it("'interval' resolves durable() at once and fdatasyncs in the background only after appends", async () => {
    const writer = open(freshPath(), 'interval', 20);
    await sleep(60);
    expect(writer.syncs).toBe(0); // nothing appended yet
    writer.append(payloadOf(0));
    let resolved = false;
    void writer.durable().then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(true);
    await vi.waitFor(() => expect(writer.syncs).toBeGreaterThanOrEqual(1), { timeout: 2_000, interval: 10 });
    const syncsAfter = writer.syncs;
    await sleep(80);
    expect(writer.syncs).toBe(syncsAfter); // nothing appended since
    await writer.close();
    expect(writer.syncs).toBe(syncsAfter + 1); // the final fdatasync
  });
});

describe('failures', () => {
  it.runIf(existsSync('/dev/full'))('a failed write poisons the writer with JOURNAL_FAILED', async () => {
    const writer = new JournalWriter('/dev/full', { fsync: 'off', intervalMs: 0, file: FILE });
    expect(codeOf(() => writer.append(payloadOf(0)))).toBe('JOURNAL_FAILED');
    expect(writer.records).toBe(0);
    expect(codeOf(() => writer.append(payloadOf(1)))).toBe('JOURNAL_FAILED');
    await expect(writer.durable()).rejects.toMatchObject({ code: 'JOURNAL_FAILED' });
    await expect(writer.close()).rejects.toMatchObject({ code: 'JOURNAL_FAILED' });
    expect(codeOf(() => writer.append(payloadOf(1)))).toBe('JOURNAL_CLOSED');
  });
});

describe('close', () => {
  it('append after close throws JOURNAL_CLOSED; close is idempotent and waits for a running fdatasync', async () => {
    const path = freshPath();
    const writer = open(path, 'always');
    writer.append(payloadOf(0));
    const durable = writer.durable();
    const closing = writer.close();
    expect(writer.close()).toBe(closing);
    expect(writer.closed).toBe(true);
    expect(codeOf(() => writer.append(payloadOf(1)))).toBe('JOURNAL_CLOSED');
    await Promise.all([durable, closing, writer.close(), writer.durable()]);
    expect(writer.syncs).toBe(2); // the durable() round, then the final one
    expect(codeOf(() => writer.append(payloadOf(1)))).toBe('JOURNAL_CLOSED');
    expect(readAll(path).records).toBe(1);
  });
});
