/** The parser of `redis-benchmark --csv` output (peer-redis-server) and the options it reaches a server with. */
import { describe, expect, it } from 'vitest';
import { parseRedisBenchmarkCsv } from '../../bench/peers/redis-benchmark-output.js';
import { redisBenchmarkConnectionArgs } from '../../bench/peers/redis-server-capacity.js';

const HEADER =
  '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"';
const ROW =
  '"EVALSHA 5e96 2 p:stock:__rand_int__ p:hold:__rand_int__.__rand_int__ 1","205973.22","3.692","0.376",' +
  '"3.383","6.695","10.367","18.783"';

describe('bench peer-redis-server: redis-benchmark --csv', () => {
  it("reads the one test's requests per second and latencies (redis 7.0.15's output)", () => {
    expect(parseRedisBenchmarkCsv(`${HEADER}\n${ROW}\n`)).toEqual({
      test: 'EVALSHA 5e96 2 p:stock:__rand_int__ p:hold:__rand_int__.__rand_int__ 1',
      requestsPerSecond: 205973.22,
      avgLatencyMs: 3.692,
      p50LatencyMs: 3.383,
      p95LatencyMs: 6.695,
      p99LatencyMs: 10.367,
      maxLatencyMs: 18.783,
    });
  });

  it('skips lines that are not CSV (warnings) and reads columns by their header', () => {
    const reordered =
      '"test","p50_latency_ms","rps","avg_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\r\n' +
      '"PING","0.1","1000.5","0.2","0.3","0.4","0.5"\r\n';
    const figures = parseRedisBenchmarkCsv(`WARNING: could not fetch server CONFIG\n${reordered}`);
    expect(figures.requestsPerSecond).toBe(1000.5);
    expect(figures.p50LatencyMs).toBe(0.1);
  });

  it('throws on output without a header, without a test, with two, or with a figure that is not a number', () => {
    expect(() => parseRedisBenchmarkCsv('PING: 1000.00 requests per second')).toThrow(/no header/);
    expect(() => parseRedisBenchmarkCsv(`${HEADER}\n`)).toThrow(/expected one test, found 0/);
    expect(() => parseRedisBenchmarkCsv(`${HEADER}\n${ROW}\n${ROW}\n`)).toThrow(/found 2/);
    expect(() => parseRedisBenchmarkCsv(`${HEADER}\n${ROW.replace('"205973.22"', '"-nan"')}`)).toThrow(/rps/);
  });

  it('reaches the server the suite provides: host, port, user, password, db', () => {
    expect(redisBenchmarkConnectionArgs('redis://127.0.0.1:36129')).toEqual(['-h', '127.0.0.1', '-p', '36129']);
    expect(redisBenchmarkConnectionArgs('redis://bench:s%40cret@db.local/2')).toEqual([
      ...['-h', 'db.local', '-p', '6379', '--user', 'bench', '-a', 's@cret', '--no-auth-warning'],
      ...['--dbnum', '2'],
    ]);
  });
});
