import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { parseTraceEvent, type TraceEvent } from './schema.js';

export const TRACE_EVENTS_MAX = 5_000_000;
export const TRACE_LINE_BYTES_MAX = 1024 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** A trace that cannot be replayed: `path:line: what is wrong`. */
export class TraceError extends Error {
  readonly code = 'TRACE_MALFORMED';
  override name = 'TraceError';

  constructor(
    readonly path: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${path}:${line}: ${problem}`);
  }
}

export interface ReadTraceOptions {
  /** More events than this fail the read (at the first line over). Default 5,000,000. */
  maxEvents?: number;
  /** A longer line fails the read. Default 1 MiB. */
  maxLineBytes?: number;
}

/**
 * Reads an NDJSON trace, one event per line (blank lines skipped), checking each event's shape
 * and that `t` never goes back. Fails with a TraceError naming the first bad line.
 *
 * The file is streamed in 64 KiB chunks and split here rather than by node:readline, which
 * would buffer a line of any length: every buffer is bounded (a line by maxLineBytes, the
 * result by maxEvents).
 */
export async function readTrace(path: string, options: ReadTraceOptions = {}): Promise<TraceEvent[]> {
  const eventsMax = options.maxEvents ?? TRACE_EVENTS_MAX;
  const events: TraceEvent[] = [];
  let previousT = 0;
  for await (const { text, lineNumber } of linesOf(path, options.maxLineBytes ?? TRACE_LINE_BYTES_MAX)) {
    if (text.trim() === '') continue;
    if (events.length === eventsMax)
      throw new TraceError(path, lineNumber, `more than ${eventsMax} events (maxEvents)`);
    const event = parseTraceLine(text, lineNumber, previousT, path);
    events.push(event);
    previousT = event.t;
  }
  return events;
}

/** One line's event; throws a TraceError (bad JSON, bad shape, `t` before `previousT`). */
export function parseTraceLine(text: string, lineNumber: number, previousT: number, path = '<trace>'): TraceEvent {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new TraceError(path, lineNumber, `not JSON (${(error as Error).message})`);
  }
  const parsed = parseTraceEvent(input);
  if (!parsed.ok) throw new TraceError(path, lineNumber, parsed.problem);
  if (parsed.event.t < previousT)
    throw new TraceError(path, lineNumber, `t ${parsed.event.t} goes back in time (previous ${previousT})`);
  return parsed.event;
}

interface Line {
  text: string;
  lineNumber: number;
}

/** The file's lines (without their '\n'), numbered from 1; a line over `lineBytesMax` throws. */
async function* linesOf(path: string, lineBytesMax: number): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const partial = new LineBuffer(lineBytesMax);
  let lineNumber = 1;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      yield {
        text: decode(decoder, partial.take(chunk.subarray(start, end), path, lineNumber), path, lineNumber),
        lineNumber,
      };
      lineNumber++;
      start = end + 1;
    }
    partial.append(chunk.subarray(start), path, lineNumber);
  }
  if (partial.bytes > 0)
    yield { text: decode(decoder, partial.take(Buffer.alloc(0), path, lineNumber), path, lineNumber), lineNumber };
}

/** The bytes of the line being read, up to its limit. */
class LineBuffer {
  private pieces: Buffer[] = [];
  bytes = 0;

  constructor(private readonly bytesMax: number) {}

  append(piece: Buffer, path: string, lineNumber: number): void {
    if (piece.length === 0) return;
    this.check(piece.length, path, lineNumber);
    this.pieces.push(piece);
    this.bytes += piece.length;
  }

  /** The whole line, ending with `last`; the buffer is empty afterwards. */
  take(last: Buffer, path: string, lineNumber: number): Buffer {
    this.check(last.length, path, lineNumber);
    const line = this.pieces.length === 0 ? last : Buffer.concat([...this.pieces, last]);
    this.pieces = [];
    this.bytes = 0;
    return line;
  }

  private check(moreBytes: number, path: string, lineNumber: number): void {
    if (this.bytes + moreBytes > this.bytesMax) {
      throw new TraceError(path, lineNumber, `line longer than ${this.bytesMax} bytes`);
    }
  }
}

function decode(decoder: TextDecoder, bytes: Uint8Array, path: string, lineNumber: number): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new TraceError(path, lineNumber, 'not UTF-8 text');
  }
}
