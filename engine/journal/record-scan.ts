/**
 * After a bad record: is there a valid record anywhere after it? One pass over the rest of the
 * file, linear in its size. Every offset whose length field is possible and fits in the file is
 * a candidate; its payload's CRC comes from running prefix CRCs (crc32-ranges.ts), checked when
 * the pass reaches the candidate's end. Re-hashing each candidate instead costs about
 * size³ / 2³⁵ bytes on random garbage (10 MiB of it: ~40 GB of CRC, seconds).
 */
import { crc32OfRange, crc32OfRegister, crc32Step, CRC32_REGISTER_START } from './crc32-ranges.js';
import type { FileWindow } from './file-window.js';
import { MinHeap } from '../../shared/min-heap.js';
import { RECORD_HEADER_BYTES, RECORD_PAYLOAD_MAX_BYTES } from './record-format.js';

const SCAN_VIEW_BYTES = 1024 * 1024;
const NO_EVENT = -1;

interface Candidate {
  readonly startBytes: number;
  readonly payloadStartBytes: number;
  readonly endBytes: number;
  readonly storedCrc: number;
  /** CRC of the scanned bytes before the payload; set when the pass reaches the payload. */
  prefixCrcAtPayload: number;
}

/**
 * The offset of a valid record (whole, crc matching) starting after `badOffsetBytes`, or null.
 * When several exist, the one that ends first (normally the record right after the damage).
 */
export function findValidRecordAfter(window: FileWindow, badOffsetBytes: number): number | null {
  const candidates = new Candidates();
  const sizeBytes = window.sizeBytes;
  let register = CRC32_REGISTER_START;
  let position = badOffsetBytes + 1;
  while (position < sizeBytes) {
    const view = window.bytesAt(position, SCAN_VIEW_BYTES);
    for (let index = 0; index < view.length; index += 1) {
      const at = position + index;
      if (at === candidates.nextEventBytes) {
        const found = candidates.arriveAt(at, register);
        if (found !== null) return found;
      }
      const payloadBytes = lengthFieldAt(window, view, index, at);
      // A record holds a header and at least 1 payload byte, all inside the file.
      if (
        payloadBytes >= 1 &&
        payloadBytes <= RECORD_PAYLOAD_MAX_BYTES &&
        at + RECORD_HEADER_BYTES + payloadBytes <= sizeBytes
      ) {
        candidates.add(at, payloadBytes, window.bytesAt(at, RECORD_HEADER_BYTES).readUInt32LE(4));
      }
      register = crc32Step(register, view[index]!);
    }
    position += view.length;
  }
  return candidates.nextEventBytes === sizeBytes ? candidates.arriveAt(sizeBytes, register) : null;
}

/**
 * The u32 LE length field at `at` (view[index] is the byte at `at`) as an int32 — negative when
 * above 2^31, impossible either way, and a small integer keeps the hot loop fast — or 0 when the
 * file ends first.
 */
function lengthFieldAt(window: FileWindow, view: Buffer, index: number, at: number): number {
  if (index + 4 <= view.length)
    return view[index]! | (view[index + 1]! << 8) | (view[index + 2]! << 16) | (view[index + 3]! << 24);
  const bytes = window.bytesAt(at, 4);
  return bytes.length === 4 ? bytes.readInt32LE(0) : 0;
}

/** Candidates waiting for the pass to reach their payload (FIFO: at most 8 bytes away) or their end (heap). */
class Candidates {
  /**
   * The next offset where a candidate reaches its payload or its end; -1 when none waits (a small integer keeps the hot
   * loop fast).
   */
  nextEventBytes = NO_EVENT;
  private readonly awaitingPayload: Candidate[] = [];
  private readonly awaitingEnd = new MinHeap<Candidate>(endOf);

  add(startBytes: number, payloadBytes: number, storedCrc: number): void {
    const payloadStartBytes = startBytes + RECORD_HEADER_BYTES;
    this.awaitingPayload.push({
      startBytes,
      payloadStartBytes,
      endBytes: payloadStartBytes + payloadBytes,
      storedCrc,
      prefixCrcAtPayload: 0,
    });
    this.updateNextEvent();
  }

  /** At offset `at`, before its byte is hashed: `register` covers the scanned bytes before it. */
  arriveAt(at: number, register: number): number | null {
    const prefixCrc = crc32OfRegister(register);
    while (this.awaitingPayload[0]?.payloadStartBytes === at) {
      const candidate = this.awaitingPayload.shift() as Candidate;
      candidate.prefixCrcAtPayload = prefixCrc;
      this.awaitingEnd.push(candidate);
    }
    for (
      let next = this.awaitingEnd.peek();
      next !== undefined && next.endBytes === at;
      next = this.awaitingEnd.peek()
    ) {
      this.awaitingEnd.pop();
      const crc = crc32OfRange(next.prefixCrcAtPayload, prefixCrc, next.endBytes - next.payloadStartBytes);
      if (crc === next.storedCrc) return next.startBytes;
    }
    this.updateNextEvent();
    return null;
  }

  private updateNextEvent(): void {
    const payloadAt = this.awaitingPayload[0]?.payloadStartBytes ?? NO_EVENT;
    const nextEnd = this.awaitingEnd.peek();
    const endAt = nextEnd === undefined ? NO_EVENT : nextEnd.endBytes;
    this.nextEventBytes = payloadAt === NO_EVENT || (endAt !== NO_EVENT && endAt < payloadAt) ? endAt : payloadAt;
  }
}

function endOf(candidate: Candidate): number {
  return candidate.endBytes;
}
