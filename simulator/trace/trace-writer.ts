import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { invariant, InvariantError } from '../../shared/invariant.js';
import type { CallRecorder } from '../model/types.js';
import { mapRequestTimes } from './trace-calls.js';
import { parseTraceEvent, type TraceEvent, type TraceOp, type TraceRequest } from './schema.js';

const FLUSH_CHARS = 64 * 1024;

/** What a strategy calls, as it issues each engine operation, to have the run recorded as a trace. */
export interface TraceRecorder {
  /** `tMs`: ms since the run started; `request`: the operation's arguments as the engine got them. */
  record<Op extends TraceOp>(tMs: number, op: Op, request: TraceRequest<Op>): void;
}

/**
 * The event for one API call issued `tMs` after the run started. The request's points in time
 * (a count's `asOf`, restock's `receivedAt`) are engine epoch ms; the trace keeps them relative to
 * the run's start, `originMs` being the engine clock's reading then.
 */
export function eventFromCall<Op extends TraceOp>(
  tMs: number,
  op: Op,
  request: TraceRequest<Op>,
  originMs = 0,
): TraceEvent {
  return { t: tMs, op, ...mapRequestTimes(op, request, (ms) => ms - originMs) } as TraceEvent;
}

/**
 * Writes a trace: one JSON line per event, `t` rounded to the µs (3 decimals of ms), keys in
 * a stable order (t, op, then the request's fields in the schema's order).
 *
 * Lines gather in a string of at most ~64 KiB that is written synchronously when full. A
 * WriteStream would not do here: the virtual kernel runs a whole simulation on microtasks,
 * so a stream never gets the event-loop turn it needs to drain, and would hold the whole
 * trace in memory. A write error is kept and thrown by close(); later writes are dropped.
 */
export class TraceWriter implements TraceRecorder, CallRecorder {
  private buffered = '';
  private lastT = 0;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    private readonly originMs: number,
  ) {}

  /** Creates (or truncates) the file; fails now, not at the end of a run, when it cannot. */
  static async open(path: string, options: { originMs?: number } = {}): Promise<TraceWriter> {
    return new TraceWriter(await open(path, 'w'), options.originMs ?? 0);
  }

  record<Op extends TraceOp>(tMs: number, op: Op, request: TraceRequest<Op>): void {
    this.write(eventFromCall(tMs, op, request, this.originMs));
  }

  /** Throws on an event the schema refuses or one that goes back in time: a recording bug. */
  write(event: TraceEvent): void {
    invariant(!this.closed, 'write after close');
    const t = Math.round(event.t * 1000) / 1000;
    invariant(t >= this.lastT, `trace event at ${t} ms goes back in time (previous ${this.lastT} ms)`);
    const parsed = parseTraceEvent({ ...event, t });
    if (!parsed.ok) throw new InvariantError(`cannot record ${JSON.stringify(event.op)} at ${t} ms: ${parsed.problem}`);
    this.lastT = t;
    this.buffered += `${JSON.stringify(parsed.event)}\n`;
    if (this.buffered.length >= FLUSH_CHARS) this.flush();
  }

  /** Writes what is buffered and closes the file; rejects with the first write error. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.file.close();
    if (this.failure !== null) throw this.failure;
  }

  private flush(): void {
    const text = this.buffered;
    this.buffered = '';
    if (this.failure !== null || text === '') return;
    try {
      writeAll(this.file.fd, Buffer.from(text, 'utf8'));
    } catch (error) {
      this.failure = error as Error;
    }
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}
