/**
 * Log lines that a hostile client could multiply (forbidden calls) are throttled per key: at
 * most one line per key per interval, and the next line says how many were left out. The table
 * of keys is bounded (the oldest key is forgotten first).
 */
export type LogLine = (line: string) => void;

export interface ThrottleOptions {
  intervalMs: number;
  keysMax: number;
  now?: () => number;
}

export class ThrottledLog {
  /** key → when it last printed, and how many lines were left out since. Insertion order = age. */
  private readonly keys = new Map<string, { lastMs: number; suppressed: number }>();
  private readonly now: () => number;

  constructor(
    private readonly log: LogLine,
    private readonly options: ThrottleOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Prints `line` unless `key` printed within the interval (then counts it). */
  line(key: string, line: string): void {
    const nowMs = this.now();
    const entry = this.keys.get(key);
    if (entry !== undefined && nowMs - entry.lastMs < this.options.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.keys.delete(key);
    this.keys.set(key, { lastMs: nowMs, suppressed: 0 });
    while (this.keys.size > this.options.keysMax) this.keys.delete(this.keys.keys().next().value as string);
    this.log(suppressed === 0 ? line : `${line} (and ${suppressed} more like it since the last line)`);
  }
}
