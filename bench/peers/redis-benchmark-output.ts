/** What redis-benchmark's `--csv` output says of one test: its throughput and per-call latency (ms). */
export interface RedisBenchmarkFigures {
  /** The test's name: the command line, `__rand_int__` placeholders as given. */
  test: string;
  requestsPerSecond: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  maxLatencyMs: number;
}

/** Splits one CSV line of double-quoted fields (redis-benchmark quotes every field; `""` is a quote inside one). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  const pattern = /"((?:[^"]|"")*)"(?:,|$)/g;
  for (const match of line.matchAll(pattern)) fields.push((match[1] ?? '').replace(/""/g, '"'));
  return fields;
}

const COLUMNS = {
  requestsPerSecond: 'rps',
  avgLatencyMs: 'avg_latency_ms',
  p50LatencyMs: 'p50_latency_ms',
  p95LatencyMs: 'p95_latency_ms',
  p99LatencyMs: 'p99_latency_ms',
  maxLatencyMs: 'max_latency_ms',
} as const;

/**
 * Parses `redis-benchmark --csv` output (redis 7: a header line `"test","rps","avg_latency_ms",…`, then a line per
 * test) into the figures of its one test. Throws, quoting the output, when it has no header, no test, more than one,
 * or a figure that is not a non-negative number. Pure.
 */
export function parseRedisBenchmarkCsv(output: string): RedisBenchmarkFigures {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('"'));
  const headerIndex = lines.findIndex((line) => csvFields(line)[0] === 'test');
  const quoted = JSON.stringify(output.slice(0, 300));
  if (headerIndex < 0) throw new Error(`redis-benchmark --csv: no header line in ${quoted}`);
  const header = csvFields(lines[headerIndex] ?? '');
  const rows = lines.slice(headerIndex + 1).map(csvFields);
  if (rows.length !== 1) throw new Error(`redis-benchmark --csv: expected one test, found ${rows.length} in ${quoted}`);
  const row = rows[0] ?? [];
  const figure = (column: string): number => {
    const index = header.indexOf(column);
    const value = index < 0 ? Number.NaN : Number(row[index]);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`redis-benchmark --csv: column ${column} is ${JSON.stringify(row[index])} in ${quoted}`);
    return value;
  };
  return {
    test: row[0] ?? '',
    requestsPerSecond: figure(COLUMNS.requestsPerSecond),
    avgLatencyMs: figure(COLUMNS.avgLatencyMs),
    p50LatencyMs: figure(COLUMNS.p50LatencyMs),
    p95LatencyMs: figure(COLUMNS.p95LatencyMs),
    p99LatencyMs: figure(COLUMNS.p99LatencyMs),
    maxLatencyMs: figure(COLUMNS.maxLatencyMs),
  };
}
