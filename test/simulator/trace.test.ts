/**
 * Trace replay: the NDJSON trace format (one event per line, the API's operation
 * names), its reader's line-numbered errors, the writer, and the replay on the virtual kernel.
 *
 * From issue 6 §4.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { Kernel } from '../../simulator/kernel/kernel.js';
import { recordSampleTrace, SAMPLE_TRACE_PATH } from '../../simulator/trace/make-sample-trace.js';
import { parseTraceLine, readTrace, TraceError } from '../../simulator/trace/read-trace.js';
import { replayTrace, type ReplayReport } from '../../simulator/trace/replay.js';
import type { TraceEvent } from '../../simulator/trace/schema.js';
import { traceEventToCall } from '../../simulator/trace/trace-calls.js';
import { eventFromCall, TraceWriter } from '../../simulator/trace/trace-writer.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'holdfast-trace-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function traceFile(text: string): Promise<string> {
  const path = join(dir, `t${++files}.ndjson`);
  await writeFile(path, text);
  return path;
}

async function readError(text: string, options?: Parameters<typeof readTrace>[1]): Promise<TraceError> {
  const path = await traceFile(text);
  const error = await readTrace(path, options).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TraceError);
  const traceError = error as TraceError;
  expect(traceError.code).toBe('TRACE_MALFORMED');
  expect(traceError.path).toBe(path);
  expect(traceError.message.startsWith(`${path}:${traceError.line}: `)).toBe(true);
  return traceError;
}

const RECEIVE = '{"t":0,"op":"receive","sku":"S","location":"L","qty":3}';
const COMMIT = '{"t":5,"op":"commit","id":"o-1"}';

async function writeTrace(events: TraceEvent[]): Promise<string> {
  const path = join(dir, `w${++files}.ndjson`);
  const writer = await TraceWriter.open(path);
  for (const event of events) writer.write(event);
  await writer.close();
  return path;
}

async function replaySample(speed: number): Promise<{ report: ReplayReport; endUs: number }> {
  const events = await readTrace(SAMPLE_TRACE_PATH);
  const kernel = new Kernel();
  const engine = await createEngine({ shards: 0, clock: kernel.clock, expirySweepIntervalMs: 0 });
  try {
    const replay = replayTrace(events, { api: engine, scheduler: kernel, speed, originMs: kernel.clock.nowMs() });
    await kernel.run();
    return { report: await replay, endUs: kernel.timeUs };
  } finally {
    await engine.close();
  }
}

describe('trace reader', () => {
  it('reads events in order, skipping blank lines (and CRLF endings)', async () => {
    const path = await traceFile(`${RECEIVE}\n\n   \r\n${COMMIT}\r\n{"t":5,"op":"expireDue"}`);
    expect(await readTrace(path)).toEqual([
      { t: 0, op: 'receive', sku: 'S', location: 'L', qty: 3 },
      { t: 5, op: 'commit', id: 'o-1' },
      { t: 5, op: 'expireDue' },
    ]);
  });

  it('names the line of bad JSON, an unknown op, a missing field, an unknown field', async () => {
    const bad = await readError(`${RECEIVE}\n${COMMIT}\n{"t":6,"op":"commit",\n`);
    expect(bad.line).toBe(3);
    expect(bad.problem).toMatch(/^not JSON \(/);

    const unknownOp = await readError(`${RECEIVE}\n\n{"t":1,"op":"explode"}\n`);
    expect(unknownOp.line).toBe(3);
    expect(unknownOp.problem).toBe(
      'unknown op "explode" (one of reserve, commit, release, fulfil, ' +
        'receive, adjust, restock, sync, syncMany, get, expireDue)',
    );

    const missing = await readError(`${RECEIVE}\n{"t":1,"op":"commit"}\n`);
    expect(missing.line).toBe(2);
    expect(missing.problem).toBe('commit needs "id"');

    const missingInLine = await readError(
      '{"t":1,"op":"reserve","id":"a","channel":"web","ttlMs":10,"lines":[{"sku":"S","qty":1},{"sku":"T"}]}',
    );
    expect(missingInLine.problem).toBe('reserve needs "lines[1].qty"');

    const unknown = await readError(`${RECEIVE}\n${COMMIT}\n\n{"t":9,"op":"release","id":"o-1","why":"x"}\n`);
    expect(unknown.line).toBe(4);
    expect(unknown.problem).toBe('release has unknown field: "why"');

    const wrongType = await readError('{"t":1,"op":"receive","sku":"S","location":"L","qty":"3"}');
    expect(wrongType.problem).toBe('receive qty: expected number, got string');

    expect((await readError('[1]')).problem).toBe('an event is an object { t, op, … }, got array');
    expect((await readError('{"t":1}')).problem).toBe('the event needs "op"');
    expect((await readError('{"op":"get","sku":"S"}')).problem).toBe('get needs "t"');
  });

  it('fails when t goes back in time, or is negative', async () => {
    const back = await readError(`${RECEIVE}\n{"t":12,"op":"get","sku":"S"}\n{"t":11.5,"op":"get","sku":"S"}\n`);
    expect(back.line).toBe(3);
    expect(back.problem).toBe('t 11.5 goes back in time (previous 12)');
    expect((await readError('{"t":-1,"op":"get","sku":"S"}')).problem).toMatch(/^get t: /);
  });

  it('bounds line length and event count, naming the line', async () => {
    const long = await readError(
      `${RECEIVE}\n${COMMIT}\n{"t":6,"op":"get","sku":"${'x'.repeat(300_000)}"}\n${COMMIT}\n`,
      { maxLineBytes: 100_000 },
    );
    expect(long.line).toBe(3);
    expect(long.problem).toBe('line longer than 100000 bytes');
    const unterminated = await readError(`${RECEIVE}\n${'y'.repeat(2_000_000)}`);
    expect(unterminated.line).toBe(2);
    expect(unterminated.problem).toBe(`line longer than ${1024 * 1024} bytes`);
    const many = await readError(`${RECEIVE}\n\n${COMMIT}\n${COMMIT}\n`, { maxEvents: 2 });
    expect(many.line).toBe(4);
    expect(many.problem).toBe('more than 2 events (maxEvents)');
  });

  it('parseTraceLine checks one line', () => {
    expect(parseTraceLine(COMMIT, 1, 5)).toEqual({ t: 5, op: 'commit', id: 'o-1' });
    expect(() => parseTraceLine('{', 3, 0)).toThrow(/^<trace>:3: not JSON/);
    expect(() => parseTraceLine(COMMIT, 9, 12, 'x.ndjson')).toThrow('x.ndjson:9: t 5 goes back in time (previous 12)');
  });
});

describe('trace writer', () => {
  it('writes one line per event, t then op then the request in a stable order, t to the µs', async () => {
    const path = await writeTrace([
      { lines: [{ qty: 1, sku: 'S' }], ttlMs: 100, channel: 'web', id: 'a', op: 'reserve', t: 1.23456 },
      { id: 'a', op: 'commit', t: 2 },
    ]);
    expect(await readFile(path, 'utf8')).toBe(
      '{"t":1.235,"op":"reserve","id":"a","channel":"web","ttlMs":100,"lines":[{"sku":"S","qty":1}]}\n' +
        '{"t":2,"op":"commit","id":"a"}\n',
    );
  });

  it(
    'records calls with their points in time relative to ' + 'the origin; refuses bad events and time going back',
    async () => {
      expect(eventFromCall(7, 'sync', { sku: 'S', location: 'L', onHand: 3, asOf: 1_000_500 }, 1_000_000)).toEqual({
        t: 7,
        op: 'sync',
        sku: 'S',
        location: 'L',
        onHand: 3,
        asOf: 500,
      });
      expect(
        eventFromCall(7, 'restock', { sku: 'S', location: 'L', qty: 1, condition: 'sellable' }, 1_000_000),
      ).toEqual({
        t: 7,
        op: 'restock',
        sku: 'S',
        location: 'L',
        qty: 1,
        condition: 'sellable',
      });
      const writer = await TraceWriter.open(join(dir, 'recorded.ndjson'), { originMs: 100 });
      writer.record(5, 'restock', { sku: 'S', location: 'L', qty: 1, condition: 'damaged', receivedAt: 104 });
      expect(() => writer.record(4, 'get', { sku: 'S' })).toThrow(/goes back in time/);
      expect(() => writer.write({ t: 6, op: 'commit' } as unknown as TraceEvent)).toThrow(
        'cannot record "commit" at 6 ms: commit needs "id"',
      );
      expect(() => writer.record(6, 'getReservation' as 'get', { sku: 'S' })).toThrow(
        /cannot record "getReservation" at 6 ms: unknown op/,
      );
      await writer.close();
      expect(await readTrace(join(dir, 'recorded.ndjson'))).toEqual([
        { t: 5, op: 'restock', sku: 'S', location: 'L', qty: 1, condition: 'damaged', receivedAt: 4 },
      ]);
    },
  );

  it('fails to open where it cannot write', async () => {
    await expect(TraceWriter.open(join(dir, 'no-such-dir', 'x.ndjson'))).rejects.toThrow(/ENOENT/);
  });

  it('any sequence of valid events survives write → read unchanged (property)', async () => {
    const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
    const amount = fc.integer({ min: -1_000, max: 1_000_000 });
    const reserveLine = fc.record({ sku: name, qty: amount, location: name }, { requiredKeys: ['sku', 'qty'] });
    const fulfilLine = fc.record({ sku: name, location: name, qty: amount });
    const count = { sku: name, location: name, onHand: amount, asOf: amount };
    const request = fc.oneof(
      fc.record(
        {
          op: fc.constant('reserve' as const),
          id: name,
          channel: name,
          ttlMs: amount,
          lines: fc.array(reserveLine, { maxLength: 3 }),
          strategy: fc.constantFrom(
            'priority' as const,
            'closest' as const,
            'most-available' as const,
            'fewest-splits' as const,
          ),
          destination: name,
          allowSplit: fc.boolean(),
        },
        { requiredKeys: ['op', 'id', 'channel', 'ttlMs', 'lines'] },
      ),
      fc.record({ op: fc.constantFrom('commit' as const, 'release' as const), id: name }),
      fc.record(
        { op: fc.constant('fulfil' as const), id: name, lines: fc.array(fulfilLine, { maxLength: 3 }) },
        { requiredKeys: ['op', 'id'] },
      ),
      fc.record({ op: fc.constant('receive' as const), sku: name, location: name, qty: amount }),
      fc.record({ op: fc.constant('adjust' as const), sku: name, location: name, delta: amount, reason: name }),
      fc.record(
        {
          op: fc.constant('restock' as const),
          sku: name,
          location: name,
          qty: amount,
          condition: fc.constantFrom('sellable' as const, 'damaged' as const),
          reservationId: name,
          receivedAt: fc.double({ noNaN: true, noDefaultInfinity: true }),
        },
        { requiredKeys: ['op', 'sku', 'location', 'qty', 'condition'] },
      ),
      fc.record({ op: fc.constant('sync' as const), ...count }),
      fc.record({ op: fc.constant('syncMany' as const), requests: fc.array(fc.record(count), { maxLength: 3 }) }),
      fc.record({ op: fc.constant('get' as const), sku: name }),
      fc.record({ op: fc.constant('expireDue' as const) }),
    );
    const trace = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 5_000_000 }), request), { maxLength: 30 })
      .map((entries) => {
        let tUs = 0;
        return entries.map(([gapUs, fields]) => ({ t: (tUs += gapUs) / 1000, ...fields }) as TraceEvent);
      });
    await fc.assert(
      fc.asyncProperty(trace, async (events) => {
        const normal = events.map((event) => JSON.parse(JSON.stringify(event)) as TraceEvent);
        expect(await readTrace(await writeTrace(events))).toEqual(normal);
      }),
      { numRuns: 150 },
    );
  });
});

describe('trace replay', () => {
  it('the shipped sample is what make-sample-trace records', async () => {
    const kernel = new Kernel();
    const engine = await createEngine({ shards: 0, clock: kernel.clock, expirySweepIntervalMs: 0 });
    const recorded: TraceEvent[] = [];
    try {
      await recordSampleTrace(engine, kernel, {
        record: (tMs, op, request) => void recorded.push(eventFromCall(tMs, op, request)),
      });
    } finally {
      await engine.close();
    }
    expect(await readTrace(SAMPLE_TRACE_PATH)).toEqual(recorded);
  });

  it(
    'replays the sample on the virtual kernel: expected ' + 'counts, nothing promised beyond stock, deterministic',
    async () => {
      const { report, endUs } = await replaySample(1);
      expect(report).toEqual((await replaySample(1)).report);
      expect(JSON.stringify(report)).toBe(JSON.stringify((await replaySample(1)).report));
      expect(report.events).toBe(454);
      expect(report.byOp).toEqual(EXPECTED_BY_OP);
      expect(report.reserveLatencyMs.count).toBe(EXPECTED_BY_OP.reserve.calls);
      expect(report.finalCheck).toEqual({ skus: 5, shortfallUnits: 0, uncheckedSkus: 0 });
      expect(endUs).toBe(16_845_363); // the last event: t 16845.363 ms
    },
  );

  it('--speed 2 issues every event at half the time', async () => {
    const events = await readTrace(SAMPLE_TRACE_PATH);
    const { report, endUs } = await replaySample(2);
    expect(endUs).toBe(Math.round((events[events.length - 1].t * 1000) / 2));
    expect(report.events).toBe(events.length);
    expect(report.finalCheck.shortfallUnits).toBe(0);
  });

  it('issues each event at t / speed, moving sync and restock times onto the engine clock', async () => {
    const kernel = new Kernel();
    kernel.at(3_000, () => {});
    await kernel.run();
    const seen: string[] = [];
    const api = {
      sync: async (request: object) => {
        seen.push(`sync@${kernel.timeUs} ${JSON.stringify(request)}`);
        return { ok: false, error: { code: 'STALE_SYNC', message: 'old' } };
      },
      syncMany: async (requests: object) => {
        seen.push(`syncMany@${kernel.timeUs} ${JSON.stringify(requests)}`);
        return { ok: true, results: [] };
      },
      restock: async (request: object) => {
        seen.push(`restock@${kernel.timeUs} ${JSON.stringify(request)}`);
        return { ok: true };
      },
      get: async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'none' } }),
    } as unknown as Parameters<typeof replayTrace>[1]['api'];
    const replay = replayTrace(
      [
        { t: 10, op: 'sync', sku: 'S', location: 'L', onHand: 1, asOf: 5 },
        { t: 20.5, op: 'restock', sku: 'S', location: 'L', qty: 1, condition: 'sellable', receivedAt: 9 },
        { t: 20.5, op: 'syncMany', requests: [{ sku: 'T', location: 'L', onHand: 2, asOf: 19 }] },
      ],
      { api, scheduler: kernel, speed: 4, originMs: 1_000 },
    );
    await kernel.run();
    const report = await replay;
    expect(seen).toEqual([
      'sync@5500 {"sku":"S","location":"L","onHand":1,"asOf":1001}',
      'restock@8125 {"sku":"S","location":"L","qty":1,"condition":"sellable","receivedAt":1002}',
      'syncMany@8125 [{"sku":"T","location":"L","onHand":2,"asOf":1004}]',
    ]);
    expect(report.byOp.sync).toEqual({ calls: 1, ok: 0, refused: { STALE_SYNC: 1 } });
    expect(report.byOp.restock).toEqual({ calls: 1, ok: 1, refused: {} });
    expect(report.byOp.syncMany).toEqual({ calls: 1, ok: 1, refused: {} });
    expect(report.finalCheck).toEqual({ skus: 2, shortfallUnits: 0, uncheckedSkus: 0 });
  });

  it('an empty trace replays to an empty report; traceEventToCall calls the named operation', async () => {
    const kernel = new Kernel();
    const engine = await createEngine({ shards: 0, clock: kernel.clock, expirySweepIntervalMs: 0 });
    try {
      const report = await replayTrace([], { api: engine, scheduler: kernel, speed: 1, originMs: 0 });
      expect(report.events).toBe(0);
      expect(report.finalCheck).toEqual({ skus: 0, shortfallUnits: 0, uncheckedSkus: 0 });
      expect(await traceEventToCall({ t: 0, op: 'receive', sku: 'S', location: 'L', qty: 2 })(engine)).toMatchObject({
        ok: true,
      });
      expect(await traceEventToCall({ t: 0, op: 'commit', id: 'nope' })(engine)).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    } finally {
      await engine.close();
    }
  });
});

/** The sample's outcome: stock runs out for 91 reserves; 6 shoppers pay after their hold expired. */
const EXPECTED_BY_OP: ReplayReport['byOp'] = {
  reserve: { calls: 224, ok: 133, refused: { INSUFFICIENT_STOCK: 91 } },
  commit: { calls: 96, ok: 90, refused: { INVALID_STATE: 6 } },
  release: { calls: 20, ok: 20, refused: {} },
  fulfil: { calls: 83, ok: 83, refused: {} },
  receive: { calls: 11, ok: 11, refused: {} },
  adjust: { calls: 1, ok: 1, refused: {} },
  restock: { calls: 2, ok: 2, refused: {} },
  sync: { calls: 1, ok: 1, refused: {} },
  syncMany: { calls: 0, ok: 0, refused: {} },
  get: { calls: 8, ok: 8, refused: {} },
  expireDue: { calls: 8, ok: 8, refused: {} },
};
