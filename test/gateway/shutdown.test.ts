/**
 * Graceful shutdown: in process, gateway.close() answers the requests in flight,
 * then closes every socket with 1001; while closing, new upgrades get 503, /healthz is 503
 * 'degraded' and new requests get -32002; afterwards connections are refused; the engine is
 * left open. As a process: `holdfast serve` on SIGTERM answers in-flight requests, closes the
 * sockets with 1001 and exits 0.
 * Issue 12: frames held behind the pending limit when close() begins are answered at once with
 * -32002 (each request of a held batch its own answer), even when the requests in flight outlast
 * the drain timeout; close() says how many it answered, and `holdfast serve` prints it as its
 * last line.
 *
 * From issue 4 §9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../engine/support/helpers.js';
import {
  attempt,
  expectRpcError,
  gatewayHarness,
  httpUrl,
  openRaw,
  TOKEN,
  until,
  withDeadline,
  type RawClient,
} from './support/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('gateway.close() (in process)', () => {
  const h = gatewayHarness();

  it(
    'answers in-flight requests, refuses new work while ' + 'closing, closes sockets with 1001, leaves the engine open',
    async () => {
      const inner = await h.engine({ locationOrder: ['A'] });
      await inner.receive({ sku: 'S', location: 'A', qty: 10 });
      const gate = h.gate(inner);
      gate.hold(['reserve']);
      const gateway = await h.gateway(gate.engine);
      const a = await h.raw(gateway.url);
      const b = await h.raw(gateway.url);
      const reserve = (id: string) => ({ id, channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] });
      const answers = [
        a.call('reserve', reserve('r0')),
        a.call('reserve', reserve('r1')),
        a.call('reserve', reserve('r2')),
        b.call('reserve', reserve('r3'), 'msgpack'),
        b.call('reserve', reserve('r4'), 'msgpack'),
      ];
      await until(() => gate.held() === 5, 'five reserves in flight');

      let closeResolved = false;
      const closing = h.close(gateway).then(() => {
        closeResolved = true;
      });

      const late = await a.call('reserve', reserve('late'));
      expectRpcError(late, -32002, 'a request after close() began');
      const lateMsgpack = await b.call('get', { sku: 'S' }, 'msgpack');
      expect(lateMsgpack.binary).toBe(true);
      expectRpcError(lateMsgpack, -32002, 'a msgpack request after close() began');
      expect(gate.calls('reserve'), 'the late reserve did not reach the engine').toBe(5);
      expect(gate.calls('get')).toBe(0);
      expect(closeResolved, 'close() waits for the requests in flight').toBe(false);
      expect(a.isOpen && b.isOpen, 'sockets stay open while requests are in flight').toBe(true);

      gate.release();
      const responses = await Promise.all(answers);
      for (const [index, frame] of responses.entries()) {
        expect(frame.data.error, `r${index}`).toBeUndefined();
        expect(frame.data.result).toMatchObject({ ok: true, reservation: { id: `r${index}`, status: 'held' } });
      }
      const [closedA, closedB] = await withDeadline(Promise.all([a.closed, b.closed]), 5_000, 'both sockets closing');
      expect(closedA.code).toBe(1001);
      expect(closedB.code).toBe(1001);
      await withDeadline(closing, 5_000, 'gateway.close() resolving');
      expect(closeResolved).toBe(true);
      expect(gateway.connections()).toBe(0);

      const after = await attempt(gateway.url);
      expect(after.kind, 'connections are refused once closed').toBe('error');
      await expect(fetch(httpUrl(gateway, '/healthz'))).rejects.toThrow();
      const view = (await inner.get('S')) as { ok: boolean; reserved: number };
      expect(view.ok, 'the gateway does not close the engine').toBe(true);
      expect(view.reserved).toBe(5);
    },
  );

  it(
    'while closing (a request still in flight): a new ' + 'upgrade gets HTTP 503 and /healthz answers 503 degraded',
    async () => {
      const inner = await h.engine({ locationOrder: ['A'] });
      await inner.receive({ sku: 'S', location: 'A', qty: 10 });
      const gate = h.gate(inner);
      gate.hold(['reserve']);
      const gateway = await h.gateway(gate.engine);
      const a = await h.raw(gateway.url);
      const answer = a.call('reserve', { id: 'r0', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] });
      await until(() => gate.held() === 1, 'a reserve in flight');
      const closing = h.close(gateway);
      try {
        const refused = await attempt(gateway.url);
        const seen =
          refused.kind === 'status'
            ? refused.status
            : refused.kind === 'error'
              ? `${refused.error.code ?? refused.error.message}`
              : 'connected';
        expect(seen, 'a new upgrade while closing (spec: new upgrades get HTTP 503)').toBe(503);
        const health = await fetch(httpUrl(gateway, '/healthz')).catch(
          (error: Error & { cause?: { code?: string } }) => error,
        );
        expect(
          health instanceof Response ? health.status : `fetch failed: ${health.cause?.code ?? health.message}`,
          '/healthz while shutting down',
        ).toBe(503);
        expect(((await (health as Response).json()) as { status: string }).status).toBe('degraded');
      } finally {
        gate.release();
        await answer;
        await withDeadline(closing, 5_000, 'gateway.close()');
      }
    },
  );

  it(
    'frames held behind the pending limit get -32002 at once ' +
      'when close() begins, each request of a held batch its own',
    async () => {
      const inner = await h.engine({ locationOrder: ['A'] });
      await inner.receive({ sku: 'S', location: 'A', qty: 10 });
      const gate = h.gate(inner);
      gate.hold(['get']);
      // The requests in flight never finish within the drain timeout: nothing else may wait for them.
      const gateway = await h.gateway(gate.engine, { maxPendingPerConnection: 4, drainTimeoutMs: 300 });
      const client = await h.raw(gateway.url);
      const get = (id: string) => ({ jsonrpc: '2.0', id, method: 'get', params: { sku: 'S' } });
      // One TCP write: the server parses every frame in one read, so all but the first four are held.
      const socket = (client.ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.cork();
      for (let i = 0; i < 4; i++) client.send(get(`in-flight-${i}`));
      for (let i = 0; i < 6; i++) client.send(get(`held-${i}`), i % 2 === 0 ? 'json' : 'msgpack');
      client.send([get('held-batch-0'), get('held-batch-1'), get('held-batch-2')]);
      socket.uncork();
      await until(() => gate.calls('get') === 4, 'four requests reaching the engine');
      await sleep(200);
      expect(gate.calls('get'), 'the pending limit holds the other frames back').toBe(4);
      expect(client.frames, 'nothing answered before close()').toHaveLength(0);

      const summary = await withDeadline(h.close(gateway), 10_000, 'gateway.close() past its drain timeout');
      for (let i = 0; i < 6; i++) {
        const answers = client.frames.filter((frame) => !Array.isArray(frame.data) && frame.data.id === `held-${i}`);
        expect(answers, `held-${i}: answered exactly once`).toHaveLength(1);
        expect(answers[0].binary, `held-${i}: in its request's encoding`).toBe(i % 2 === 1);
        expectRpcError(answers[0], -32002, `held-${i}`, `held-${i}`);
      }
      const batch = client.frames.filter((frame) => Array.isArray(frame.data));
      expect(batch, 'the held batch frame: one array answer').toHaveLength(1);
      expect(batch[0].data.map((response: any) => [response.id, response.error?.code])).toEqual([
        ['held-batch-0', -32002],
        ['held-batch-1', -32002],
        ['held-batch-2', -32002],
      ]);
      expect(gate.calls('get'), 'no held request reached the engine').toBe(4);
      expect(summary).toEqual({ answeredRequests: 9, unansweredRequests: 4 });
      expect((await withDeadline(client.closed, 5_000, 'the close frame')).code).toBe(1001);
    },
  );

  it('an engine that answers CLOSED maps to -32002, in both encodings', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    await engine.close();
    expect(await engine.get('S')).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
    expectRpcError(await client.call('get', { sku: 'S' }), -32002, 'get on a closed engine');
    const binary = await client.call('receive', { sku: 'S', location: 'A', qty: 1 }, 'msgpack');
    expect(binary.binary).toBe(true);
    expectRpcError(binary, -32002, 'receive on a closed engine (msgpack)');
    expect(client.isOpen).toBe(true);
  });

  it('close() with no requests in flight closes idle sockets with 1001 and resolves', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const a = await h.raw(gateway.url);
    expect(await a.result('expireDue', {})).toEqual({ ok: true });
    await withDeadline(h.close(gateway), 5_000, 'gateway.close()');
    expect((await withDeadline(a.closed, 5_000, 'the close event')).code).toBe(1001);
    expect((await engine.get('NOPE')).ok).toBe(false);
    expect((await engine.expireDue()).ok, 'the engine still answers').toBe(true);
  });
});

describe('holdfast serve (child process)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('SIGTERM: in-flight requests answered, sockets closed with 1001, exit code 0', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--shards', '1', '--memory'], {
      cwd: ROOT,
      env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    const printed = new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /ws:\/\/[^\s'"`<>]+:\d+/.exec(stdout);
        if (match !== null) resolve(match[0]);
      });
      child.on('exit', (code) =>
        reject(new Error(`the CLI exited (${code}) before printing a ws:// URL; stdout: ${stdout} stderr: ${stderr}`)),
      );
    });
    const url = (
      await withDeadline(printed, 10_000, `the CLI printing its ws:// URL (stdout so far: ${JSON.stringify(stdout)})`)
    ).replace('//0.0.0.0:', '//127.0.0.1:');

    const a = await openRaw(url);
    const b = await openRaw(url);
    expect((await a.result('receive', { sku: 'S', location: 'A', qty: 1_000_000 })).ok).toBe(true);

    // Long requests: batch calls of 5,000 reserves each, then a stats call that the gateway
    // answers at once: its answer proves every request before it was read (accepted).
    const FRAMES = 4;
    const OPS = 5_000;
    const batchIds: Array<[RawClient, string]> = [];
    const send = (client: RawClient, prefix: string, encoding: 'json' | 'msgpack') => {
      for (let f = 0; f < FRAMES; f++) {
        const ops = Array.from({ length: OPS }, (_, i) => ({
          op: 'reserve',
          args: [{ id: `${prefix}-${f}-${i}`, channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 1 }] }],
        }));
        client.send({ jsonrpc: '2.0', id: `${prefix}-${f}`, method: 'batch', params: { ops } }, encoding);
        batchIds.push([client, `${prefix}-${f}`]);
      }
    };
    send(a, 'a', 'json');
    send(b, 'b', 'msgpack');
    const [statsA, statsB] = await Promise.all([a.call('stats', {}), b.call('stats', {}, 'msgpack')]);
    expect(statsA.data.error).toBeUndefined();
    expect(statsB.data.error).toBeUndefined();
    const answeredBefore = batchIds.filter(([client, id]) =>
      client.frames.some((frame) => frame.data?.id === id),
    ).length;
    child.kill('SIGTERM');

    const [closedA, closedB] = await withDeadline(
      Promise.all([a.closed, b.closed]),
      15_000,
      'the sockets closing after SIGTERM',
    );
    const exit = await withDeadline(exited, 15_000, 'the CLI exiting after SIGTERM');
    console.info(
      `gateway-shutdown: ${batchIds.length - answeredBefore} of ${batchIds.length} batch ` +
        `calls were still in flight at SIGTERM; stdout: ${JSON.stringify(stdout.trim())}`,
    );
    for (const [client, id] of batchIds) {
      const answers = client.frames.filter((frame) => frame.data?.id === id);
      expect(answers, `batch ${id}: answered exactly once`).toHaveLength(1);
      const result = answers[0].data.result;
      expect(
        answers[0].data.error,
        `batch ${id}: accepted before SIGTERM, so answered with its result`,
      ).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.results).toHaveLength(OPS);
      expect(result.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    }
    expect(closedA.code, 'close code after SIGTERM').toBe(1001);
    expect(closedB.code).toBe(1001);
    expect(exit, `exit after SIGTERM (stderr: ${stderr.slice(-2000)})`).toEqual({ code: 0, signal: null });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const stopped = /^holdfast serve: stopped \(answered (\d+) requests? in flight\)$/.exec(last);
    expect(stopped, `the last line says it stopped: ${JSON.stringify(last)}`).not.toBeNull();
    expect(
      Number(stopped![1]),
      'it counts the batch calls answered after SIGTERM (some answers may have been on their way)',
    ).toBeLessThanOrEqual(batchIds.length - answeredBefore);
  }, 60_000);
});
