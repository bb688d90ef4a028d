/**
 * Gateway fuzz: at least 100,000 random and mutated frames, text (JSON) and binary
 * (msgpack), sent to one gateway in front of one engine (shards 2): valid requests with bytes
 * flipped, set, deleted, duplicated, inserted or cut off; deeply nested values (depth 100 to
 * 400,000); strings and arrays close to maxPayloadBytes; type-confused params (numbers as
 * strings, arrays for objects, null, NaN / Infinity / BigInt / Date / Buffer in msgpack, negative
 * and huge quantities, unicode, lone surrogates, __proto__ / constructor / prototype keys,
 * objects with their own toString / valueOf / then); random bytes; well-formed envelopes with
 * random method names and params; broken envelopes; notifications; JSON-RPC batches mixing all
 * of it. Issue 12 added msgpack that is not plain data (structured-clone back-references and
 * cycles, a doubling graph, one ops array shared by hundreds of batch requests, record
 * definitions, bundled strings, Sets / Maps / typed arrays, every extension type in every header
 * form: all -32700) and amplification frames around LIMITS.frameOpsMax and valuesPerRequestMax
 * (at the limit answered request by request, past it one -32600 for the whole frame). Frames come from fast-check
 * arbitraries (fc.sample, seeded: the seed is printed; set
 * FUZZ_SEED to replay, FUZZ_FRAMES and FUZZ_CONNECTIONS to scale).
 *
 * Each connection sends one frame and waits for its answer before the next (16 connections in
 * parallel), so every answer belongs to a known frame. For each frame an oracle (support/fuzz/oracle/)
 * decodes it as the gateway does (data only) and derives what docs/service.md "Protocol: JSON-RPC 2.0" promises:
 * -32700 / -32600 / -32601 / -32602 with the right id, a response array of the right length for
 * a batch frame, no answer for notifications (checked with a sentinel request sent after them:
 * the next answer must be the sentinel's), a connection closed with 1007 for a text frame that
 * is not UTF-8 (RFC 6455), and a result or the engine's INVALID_ARGUMENT for reads that reach
 * the engine. No frame can carry a write the engine could accept (see support/fuzz/generators/safe-frame.ts), so:
 *
 * - every frame gets the answer the docs promise (and never an "internal error");
 * - the ledger does not change: get() of every SKU the frames name, getReservation() of every
 *   hold, every shard's ledger counters, and no change event at all during the run;
 * - the server stays up: a fresh connection reads a SKU afterwards, /healthz is 200.
 *
 * From issue 5 §7.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, startGateway } from '../../dist/engine/index.js';
import type { Engine, Gateway } from '../../dist/engine/index.js';
import { FuzzSocket } from './support/fuzz/fuzz-socket.js';
import { FrameSource } from './support/fuzz/frame-source.js';
import { fixture, ledgerState } from './support/fuzz/ledger-probe.js';
import { checkAnswer } from './support/fuzz/oracle/answer-check.js';
import { expectationOf, reachesEngineAsWrite } from './support/fuzz/oracle/expectation.js';
import { reproduction, show } from './support/fuzz/show.js';
import type { Answer, FuzzFrame } from './support/fuzz/vocabulary.js';

const TOKEN = '55DSfyGDX2Lu7gs2gjWaTY0OHyGAN8JA';
const MAX_PAYLOAD_BYTES = 1024 * 1024;
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 16);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Frames generated per fc.sample call (chunk k uses seed SEED + k). */
const CHUNK_FRAMES = 256;
const ANSWER_TIMEOUT_MS = 15_000;

interface Problem {
  index: number;
  what: string[];
  frame: Record<string, unknown>;
  answer?: string;
}

/** A request sent right after a frame that must get no answer: the next answer must be this one's. */
function sentinel(id: string): FuzzFrame {
  return {
    kind: 'sentinel',
    encoding: 'json',
    bytes: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method: 'get', params: { sku: 'FZ-0' } })),
  };
}

function isAvailability(answer: Answer): boolean {
  const data = answer.data as { method?: unknown; id?: unknown } | null;
  return (
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    data.method === 'availability' &&
    !('id' in data)
  );
}

describe('gateway fuzz', () => {
  let engine: Engine | undefined;
  let gateway: Gateway | undefined;
  afterAll(async () => {
    await gateway?.close();
    await engine?.close();
  });

  it(`answers ${FRAMES} random and mutated frames as the docs say, changes nothing, and stays up`, async () => {
    console.log(
      `gateway fuzz: seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${FRAMES} frames over ${CONNECTIONS} connections`,
    );
    engine = await createEngine({ shards: 2, locationOrder: ['A', 'B'] });
    await fixture(engine);
    const before = await ledgerState(engine);
    let changeEvents = 0;
    const unsubscribe = engine.subscribe('*', () => {
      changeEvents++;
    });
    gateway = await startGateway({ engine, port: 0, token: TOKEN, maxPayloadBytes: MAX_PAYLOAD_BYTES });
    const url = gateway.url;

    const source = new FrameSource({
      frames: FRAMES,
      seed: SEED,
      chunkFrames: CHUNK_FRAMES,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
    });
    const problems: Problem[] = [];
    const problemClasses = new Map<string, number>();
    const kinds = new Map<string, number>();
    const codes = new Map<string, number>();
    const tally = {
      sent: 0,
      answered: 0,
      notifications: 0,
      closes1007: 0,
      reconnects: 0,
      bytes: 0,
      maxAnswerMs: 0,
      serverDown: false,
    };
    const report = (index: number, frame: FuzzFrame, what: string[], answer?: unknown) => {
      for (const each of what) {
        const key = each.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').slice(0, 140);
        problemClasses.set(key, (problemClasses.get(key) ?? 0) + 1);
      }
      if (problems.length < 200)
        problems.push({
          index,
          what,
          frame: reproduction(frame),
          ...(answer !== undefined ? { answer: show(answer, 1_000) } : {}),
        });
    };

    const drive = async (connection: number) => {
      let socket = await FuzzSocket.open(url, TOKEN);
      const reopen = async () => {
        socket.terminate();
        tally.reconnects++;
        try {
          socket = await FuzzSocket.open(url, TOKEN);
          return true;
        } catch {
          tally.serverDown = true;
          return false;
        }
      };
      let sentinels = 0;
      for (;;) {
        if (tally.serverDown) return;
        const next = source.next();
        if (next === null) break;
        const { index, frame } = next;
        const expectation = expectationOf(frame.bytes, frame.encoding);
        if (reachesEngineAsWrite(expectation) && frame.kind.startsWith('mutated-'))
          throw new Error(`generator bug: frame ${index} is a mutated write`);
        kinds.set(frame.kind, (kinds.get(frame.kind) ?? 0) + 1);
        tally.sent++;
        tally.bytes += frame.bytes.length;
        const startedAt = performance.now();
        socket.send(frame);
        if (expectation.kind === 'close') {
          const code = await Promise.race([
            socket.closed,
            new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), ANSWER_TIMEOUT_MS)),
          ]);
          if (code !== expectation.code)
            report(index, frame, [`connection not closed with ${expectation.code} (${expectation.why}): ${code}`]);
          else tally.closes1007++;
          if (!(await reopen())) return;
          continue;
        }
        const sentinelId = `sentinel-${connection}-${sentinels++}`;
        if (expectation.kind === 'none') {
          tally.notifications++;
          socket.send(sentinel(sentinelId));
        }
        let answer = await socket.next(ANSWER_TIMEOUT_MS);
        while (answer !== 'timeout' && answer !== 'closed' && isAvailability(answer)) {
          report(index, frame, ['an availability notification: the ledger changed'], answer.data);
          answer = await socket.next(ANSWER_TIMEOUT_MS);
        }
        tally.maxAnswerMs = Math.max(tally.maxAnswerMs, performance.now() - startedAt);
        if (answer === 'timeout' || answer === 'closed') {
          report(index, frame, [
            answer === 'timeout'
              ? `no answer within ${ANSWER_TIMEOUT_MS} ms`
              : `connection closed (${socket.closeCode}) instead of an answer`,
          ]);
          if (!(await reopen())) return;
          continue;
        }
        tally.answered++;
        if (expectation.kind === 'none') {
          const data = answer.data as { id?: unknown; result?: { ok?: unknown } };
          if (data?.id !== sentinelId || data.result?.ok !== true)
            report(index, frame, ["a notification was answered (the next answer is not the sentinel's)"], answer.data);
          continue;
        }
        const found = checkAnswer(expectation, frame, answer, codes);
        if (found.length > 0) report(index, frame, found, answer.data);
      }
      socket.terminate();
    };

    const startedAt = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, connection) => drive(connection)));
    const elapsedMs = performance.now() - startedAt;
    unsubscribe();

    console.log(
      `gateway fuzz: ${tally.sent} frames (${(tally.bytes / 1e6).toFixed(1)} ` +
        `MB) in ${(elapsedMs / 1000).toFixed(1)} s ` +
        (`(${Math.round(tally.sent / (elapsedMs / 1000))} frames/s; ` +
          `generating them took ${(source.generatedMs / 1000).toFixed(1)} s); `) +
        (`${tally.answered} answers, ${tally.notifications} unanswered ` +
          `notifications (sentinel-checked), ${tally.closes1007} closes with 1007, `) +
        `${tally.reconnects} reconnects, slowest answer ${Math.round(tally.maxAnswerMs)} ms`,
    );
    console.log(`gateway fuzz: frame kinds ${show(Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1])), 2_000)}`);
    console.log(`gateway fuzz: answers by code ${show(Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])))}`);

    // The server is still up and serves a fresh connection, in both encodings.
    expect(tally.serverDown, 'the server stopped accepting connections').toBe(false);
    const fresh = await FuzzSocket.open(url, TOKEN);
    for (const [encoding, bytes] of [
      ['json', Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'get', params: { sku: 'FZ-0' } }))],
      ['msgpack', pack({ jsonrpc: '2.0', id: 'after', method: 'get', params: { sku: 'FZ-0' } })],
    ] as const) {
      fresh.send({ kind: 'after', encoding, bytes });
      const answer = await fresh.next(5_000);
      expect(answer, `a fresh ${encoding} connection reads FZ-0 after the fuzz`).toEqual({
        binary: encoding === 'msgpack',
        data: { jsonrpc: '2.0', id: 'after', result: before.skus[0] },
      });
    }
    fresh.terminate();
    const health = await fetch(`${url.replace(/^ws/, 'http')}/healthz`);
    expect(health.status, '/healthz after the fuzz').toBe(200);

    // Nothing changed: no change event, every SKU, hold and ledger counter as before.
    const after = await ledgerState(engine);
    expect(changeEvents, 'change events during the fuzz (no frame may change the ledger)').toBe(0);
    expect(after, 'the ledger after the fuzz').toEqual(before);

    if (problems.length > 0) {
      const file = join(tmpdir(), `holdfast-gateway-fuzz-${SEED}.json`);
      writeFileSync(
        file,
        JSON.stringify({ seed: SEED, classes: Object.fromEntries(problemClasses), problems }, null, 2),
      );
      console.log(`gateway fuzz: ${problems.length} problem frames (first 200 written to ${file}); by class:`);
      for (const [what, count] of [...problemClasses].sort((a, b) => b[1] - a[1])) console.log(`  ${count} × ${what}`);
      for (const problem of problems.slice(0, 5))
        console.log(
          `  frame ${problem.index}: ${problem.what.join('; ')}\n    ` +
            `${show(problem.frame, 600)}\n    answer: ${problem.answer ?? '-'}`,
        );
    }
    expect(tally.sent, 'frames sent').toBeGreaterThanOrEqual(FRAMES);
    expect(
      [...problemClasses].map(([what, count]) => `${count} × ${what}`),
      `frames answered against the docs (seed ${SEED})`,
    ).toEqual([]);
  }, 180_000);

  /**
   * What the fuzzer found: an object with its own `toString` / `valueOf` keys where the engine
   * formats a value into a message (`String(value)`: a batch entry's `op`, reserve's `strategy`,
   * restock's `condition` and `receivedAt`) makes the embedded call throw "Cannot convert object
   * to primitive value" — so it rejects, which docs/api.md "Operations" says never happens — and the
   * gateway answers -32600 "internal error" with id null, instead of -32602 with the request's
   * id; in a JSON-RPC batch frame the whole frame gets that one object instead of an array.
   */
  it(
    'known reproductions: toString / valueOf keys where the ' +
      'engine formats a value are refused -32602 with their id',
    async () => {
      const own = await createEngine({ shards: 2, locationOrder: ['A'] });
      const server = await startGateway({ engine: own, port: 0, token: TOKEN });
      const socket = await FuzzSocket.open(server.url, TOKEN);
      try {
        await own.receive({ sku: 'S', location: 'A', qty: 10 });
        const evil = { toString: 1, valueOf: 1 };
        const cases: Array<[string, unknown]> = [
          ['batch', { ops: [{ op: evil, args: [] }] }],
          [
            'reserve',
            { id: 'r1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }], strategy: { toString: 'x' } },
          ],
          ['restock', { sku: 'S', location: 'A', qty: 1, condition: evil }],
          ['restock', { sku: 'S', location: 'A', qty: 1, condition: 'sellable', receivedAt: evil }],
        ];
        const outcomes: string[] = [];
        const ask = async (request: unknown, encoding: 'json' | 'msgpack') => {
          socket.send({
            kind: 'repro',
            encoding,
            bytes: encoding === 'json' ? Buffer.from(JSON.stringify(request)) : pack(request),
          });
          const answer = await socket.next(5_000);
          return answer === 'timeout' || answer === 'closed' ? answer : answer.data;
        };
        for (const [index, [method, params]] of cases.entries()) {
          for (const encoding of ['json', 'msgpack'] as const) {
            const request = { jsonrpc: '2.0', id: index + 1, method, params };
            const data = (await ask(request, encoding)) as any;
            const fine =
              method === 'batch'
                ? data?.id === index + 1 &&
                  data?.result?.ok === true &&
                  data.result.results?.[0]?.error?.code === 'INVALID_ARGUMENT'
                : data?.id === index + 1 &&
                  data?.error?.code === -32602 &&
                  data.error.data?.code === 'INVALID_ARGUMENT';
            if (!fine) outcomes.push(`${encoding} ${JSON.stringify(request)}\n      → ${show(data)}`);
          }
        }
        // In a JSON-RPC batch frame: one response per request, in an array.
        const frame = [
          { jsonrpc: '2.0', id: 'a', method: 'get', params: { sku: 'S' } },
          { jsonrpc: '2.0', id: 'b', method: 'batch', params: cases[0][1] },
        ];
        const batchAnswer = await ask(frame, 'json');
        if (!Array.isArray(batchAnswer) || batchAnswer.length !== 2)
          outcomes.push(`json ${JSON.stringify(frame)}\n      → ${show(batchAnswer)} (not an array of 2 responses)`);
        // A refused frame must change nothing (docs/api.md: "a request that gets one [a protocol error]
        // changed nothing"); here the valid entry / request next to the bad one is applied while
        // the frame is answered with an error.
        const onHand = async () => {
          const view = await own.get('S');
          return view.ok ? view.onHand : -1;
        };
        const mixed: Array<[string, unknown]> = [
          [
            'batch method',
            {
              jsonrpc: '2.0',
              id: 'm1',
              method: 'batch',
              params: {
                ops: [
                  { op: 'receive', args: [{ sku: 'S', location: 'A', qty: 5 }] },
                  { op: evil, args: [] },
                ],
              },
            },
          ],
          [
            'JSON-RPC batch frame',
            [
              { jsonrpc: '2.0', id: 'm2', method: 'receive', params: { sku: 'S', location: 'A', qty: 5 } },
              {
                jsonrpc: '2.0',
                id: 'm3',
                method: 'restock',
                params: { sku: 'S', location: 'A', qty: 1, condition: evil },
              },
            ],
          ],
        ];
        for (const [what, request] of mixed) {
          const before = await onHand();
          const data = (await ask(request, 'json')) as any;
          const after = await onHand();
          const refused = !Array.isArray(data) && data?.error !== undefined;
          if (refused && after !== before)
            outcomes.push(
              `${what} ${JSON.stringify(request)}\n      → ${show(data)}, yet ` +
                `S.onHand went ${before} → ${after}: a refused frame changed the ledger`,
            );
        }
        // The embedded call itself must resolve (docs/api.md: "it never rejects").
        const embedded = await own.batch([{ op: evil, args: [] }] as never).then(
          (result) => show(result),
          (error: Error) => `rejected: ${error.message}`,
        );
        if (embedded.startsWith('rejected'))
          outcomes.push(`embedded engine.batch([{ op: { toString: 1, valueOf: 1 }, args: [] }]) ${embedded}`);
        if (outcomes.length > 0) console.log(`gateway fuzz reproductions that fail:\n  ${outcomes.join('\n  ')}`);
        expect(outcomes, 'requests answered against the docs').toEqual([]);
      } finally {
        socket.terminate();
        await server.close();
        await own.close();
      }
    },
  );
});
