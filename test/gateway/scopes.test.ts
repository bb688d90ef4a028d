/**
 * Scoped tokens: named tokens, stored as
 * SHA-256 digests, each with scopes: read, reserve (optionally bound to channels), stock, admin.
 * A call outside the token's scope is answered -32003 and never reaches the engine; a
 * channel-bound token reserves only for its channels and commits, releases or fulfils only
 * holds of its channels; a batch is checked operation by operation; the token's name shows in
 * metrics and (throttled) logs; reloadTokens() swaps the set and closes revoked connections.
 *
 * On the code before issue 12 every one of these calls succeeded with the single token, and a
 * `tokens` option did not exist (startGateway refused it as an unknown option).
 *
 * From issue 12, finding 5: "one token grants everything".
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../dist/engine/client/index.js';
import { ThrottledLog } from '../../dist/engine/gateway/token-log.js';
import {
  digestOf,
  expectRpcError,
  fetchMetrics,
  gatewayHarness,
  metricSum,
  TOKEN,
  viewOf,
  withDeadline,
  type Engine,
  type Gate,
  type RawClient,
} from './support/helpers.js';

const RPC_FORBIDDEN = -32003;

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

interface Named {
  name: string;
  token: string;
  scopes: string[];
  channels?: string[];
}

function named(name: string, scopes: string[], channels?: string[]): Named {
  return { name, token: newToken(), scopes, ...(channels === undefined ? {} : { channels }) };
}

function fileOf(tokens: Named[]): { tokens: unknown[] } {
  return {
    tokens: tokens.map(({ name, token, scopes, channels }) => ({
      name,
      digest: digestOf(token),
      scopes,
      ...(channels === undefined ? {} : { channels }),
    })),
  };
}

/**
 * Which scope each method needs, written apart from engine/gateway/scopes.ts (the spec in
 * issue 12 and docs/service.md), so a wrong entry there fails here.
 */
const NEEDS: Record<string, string> = {
  get: 'read',
  getReservation: 'read',
  stats: 'read',
  subscribe: 'read',
  unsubscribe: 'read',
  reserve: 'reserve',
  commit: 'reserve',
  release: 'reserve',
  fulfil: 'reserve',
  receive: 'stock',
  adjust: 'stock',
  restock: 'stock',
  sync: 'stock',
  syncMany: 'stock',
  transfer: 'stock',
  receiveTransfer: 'stock',
  setPolicy: 'admin',
  freeze: 'admin',
  unfreeze: 'admin',
  expireDue: 'admin',
};

/**
 * One call of each method, on SKU S at A/B (the allowed ones may still be refused by the engine: only -32003 matters).
 */
function paramsOf(method: string, n: number): unknown {
  const asOf = 1_000_000 + n;
  switch (method) {
    case 'get':
    case 'unfreeze':
      return { sku: 'S' };
    case 'getReservation':
    case 'commit':
    case 'release':
    case 'fulfil':
      return { id: `mine-${n}` };
    case 'stats':
    case 'expireDue':
      return {};
    case 'subscribe':
    case 'unsubscribe':
      return { skus: ['S'] };
    case 'reserve':
      return { id: `mine-${n}`, channel: 'amazon', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] };
    case 'receive':
      return { sku: 'S', location: 'A', qty: 1 };
    case 'adjust':
      return { sku: 'S', location: 'A', delta: 1, reason: 'count' };
    case 'restock':
      return { sku: 'S', location: 'A', qty: 1, condition: 'sellable' };
    case 'sync':
      return { sku: 'S', location: 'B', onHand: 5, asOf };
    case 'syncMany':
      return { requests: [{ sku: 'S', location: 'B', onHand: 5, asOf }] };
    case 'transfer':
      return { id: `t-${n}`, sku: 'S', from: 'A', to: 'B', qty: 1, inTransit: true };
    case 'receiveTransfer':
      return { sku: 'S', id: `t-${n}` };
    case 'setPolicy':
      return { sku: 'S', safetyStock: 0 };
    case 'freeze':
      return { sku: 'S', reason: 'audit' };
    default:
      throw new Error(`no params for ${method}`);
  }
}

/** The engine's calls by method (subscribe never reaches the engine's counted methods). */
function callCounts(gate: Gate): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const method of Object.keys(NEEDS)) counts[method] = gate.calls(method);
  counts.batch = gate.calls('batch');
  return counts;
}

describe('scoped tokens', () => {
  const h = gatewayHarness();
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const reader = named('reader', ['read']);
  const reserver = named('reserver', ['reserve']);
  const amazon = named('amazon', ['reserve', 'read'], ['amazon']);
  const stocker = named('stocker', ['stock']);
  const operator = named('operator', ['admin']);
  const all = [reader, reserver, amazon, stocker, operator];

  async function start(options: Record<string, unknown> = {}) {
    const inner = await h.engine({ locationOrder: ['A', 'B'] });
    const gate = h.gate(inner);
    const lines: string[] = [];
    const gateway = await h.gateway(gate.engine, {
      token: TOKEN,
      tokens: fileOf(all),
      log: (line: string) => lines.push(line),
      ...options,
    } as never);
    const admin = await h.raw(gateway.url);
    expect((await admin.result('receive', { sku: 'S', location: 'A', qty: 100 })).ok).toBe(true);
    return { inner, gate, gateway, admin, lines };
  }

  it.each(all.map((token) => [token.name, token] as const))(
    '%s: every method its scopes name is served, every other one is -32003 and never reaches the engine',
    async (_name, principal) => {
      const { gate, gateway } = await start();
      const client = await h.raw(gateway.url, { token: principal.token });
      let n = 0;
      for (const method of Object.keys(NEEDS)) {
        const allowed = principal.scopes.includes('admin') || principal.scopes.includes(NEEDS[method]);
        const before = gate.calls(method);
        const frame = await client.call(method, paramsOf(method, n++));
        if (allowed) {
          expect(
            frame.data.error?.code,
            `${principal.name} ${method}: allowed (${JSON.stringify(frame.data).slice(0, 200)})`,
          ).not.toBe(RPC_FORBIDDEN);
        } else {
          const error = expectRpcError(frame, RPC_FORBIDDEN, `${principal.name} ${method}`);
          expect(error.message, 'the message names the token and the scope needed').toContain(`'${principal.name}'`);
          expect(error.message).toContain(NEEDS[method]);
          expect(gate.calls(method), `${principal.name} ${method}: the engine was not called`).toBe(before);
        }
      }
    },
  );

  it(
    'a forbidden call changes nothing: adjust, sync, setPolicy ' +
      'and reserve as another channel from the amazon connector',
    async () => {
      const { gate, gateway, inner } = await start();
      const before = await viewOf(inner, 'S');
      const counts = callCounts(gate);
      const client = await h.raw(gateway.url, { token: amazon.token });
      const attempts: Array<[string, unknown]> = [
        ['adjust', { sku: 'S', location: 'A', delta: -50, reason: 'count' }],
        ['sync', { sku: 'S', location: 'A', onHand: 0, asOf: Date.now() }],
        ['setPolicy', { sku: 'S', safetyStock: 90 }],
        ['reserve', { id: 'web-order', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 10 }] }],
        ['reserve', { id: 'no-channel', ttlMs: 60_000, lines: [{ sku: 'S', qty: 10 }] }],
        ['batch', { ops: [{ op: 'adjust', args: [{ sku: 'S', location: 'A', delta: -1, reason: 'count' }] }] }],
      ];
      for (const [method, params] of attempts)
        expectRpcError(await client.call(method, params), RPC_FORBIDDEN, `${method} ${JSON.stringify(params)}`);
      for (const encoding of ['json', 'msgpack'] as const) {
        expectRpcError(
          await client.call('freeze', { sku: 'S', reason: 'x' }, encoding),
          RPC_FORBIDDEN,
          `freeze (${encoding})`,
        );
      }
      expect(callCounts(gate), 'no forbidden call reached the engine').toEqual(counts);
      expect(await viewOf(inner, 'S')).toEqual(before);
      expect((await inner.getReservation('web-order')).ok).toBe(false);
    },
  );

  it('channel binding: reserve only for its channels; commit, release, fulfil only holds of its channels', async () => {
    const { admin, gateway, inner } = await start();
    expect(
      (await admin.result('reserve', { id: 'web-1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2 }] })).ok,
    ).toBe(true);
    const client = await h.raw(gateway.url, { token: amazon.token });
    const own = await client.result('reserve', {
      id: 'amz-1',
      channel: 'amazon',
      ttlMs: 60_000,
      lines: [{ sku: 'S', qty: 3 }],
    });
    expect(own.ok && own.reservation.status).toBe('held');
    const other = expectRpcError(
      await client.call('reserve', { id: 'amz-2', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }),
      RPC_FORBIDDEN,
      'reserve as web',
    );
    expect(other.message).toMatch(/amazon/);
    for (const method of ['release', 'commit', 'fulfil']) {
      expectRpcError(await client.call(method, { id: 'web-1' }), RPC_FORBIDDEN, `${method} of another channel's hold`);
    }
    const web = await inner.getReservation('web-1');
    expect(web.ok && web.reservation.status, 'the web hold is untouched').toBe('held');
    expect((await client.result('commit', { id: 'amz-1' })).reservation.status).toBe('committed');
    expect((await client.result('fulfil', { id: 'amz-1' })).reservation.status).toBe('fulfilled');
    const unknown = await client.result('release', { id: 'never-made' });
    expect(unknown.ok === false && unknown.error.code, "an unknown id is the engine's NOT_FOUND, not forbidden").toBe(
      'NOT_FOUND',
    );
    // An unbound reserve token may reserve for any channel and act on any hold.
    const anyChannel = await h.raw(gateway.url, { token: reserver.token });
    expect((await anyChannel.result('release', { id: 'web-1' })).reservation.status).toBe('released');
  });

  it(
    'batch: each operation by its own scope and channel; one ' +
      'forbidden operation refuses the whole batch before it runs',
    async () => {
      const { admin, gate, gateway, inner } = await start();
      expect(
        (await admin.result('reserve', { id: 'web-1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2 }] }))
          .ok,
      ).toBe(true);
      const client = await h.raw(gateway.url, { token: amazon.token });
      const batches = gate.calls('batch');
      const refused: Array<[string, unknown[]]> = [
        [
          'a stock operation',
          [
            { op: 'get', args: ['S'] },
            { op: 'receive', args: [{ sku: 'S', location: 'A', qty: 5 }] },
          ],
        ],
        [
          'a reserve for another channel',
          [{ op: 'reserve', args: [{ id: 'b1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }] }],
        ],
        ["a release of another channel's hold", [{ op: 'release', args: ['web-1'] }]],
        [
          'a commit of a hold made in the same batch',
          [
            { op: 'reserve', args: [{ id: 'b2', channel: 'amazon', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }] },
            { op: 'commit', args: ['b2'] },
          ],
        ],
      ];
      for (const [what, ops] of refused) {
        const error = expectRpcError(await client.call('batch', { ops }), RPC_FORBIDDEN, what);
        expect(error.message, what).toMatch(/^ops\[\d+\]/);
      }
      expect(gate.calls('batch'), 'no refused batch reached the engine').toBe(batches);
      expect((await inner.getReservation('b2')).ok, 'nothing of a refused batch ran').toBe(false);
      const allowed = await client.result('batch', {
        ops: [
          { op: 'get', args: ['S'] },
          { op: 'reserve', args: [{ id: 'b3', channel: 'amazon', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }] },
          { op: 'nonsense', args: [] },
        ],
      });
      expect(allowed.ok).toBe(true);
      expect(allowed.results.map((result: any) => result.ok)).toEqual([true, true, false]);
      expect(allowed.results[2].error.code, "a malformed entry is still the engine's own INVALID_ARGUMENT").toBe(
        'INVALID_ARGUMENT',
      );
      // A JSON-RPC batch frame: each request is checked on its own.
      const reading = await h.raw(gateway.url, { token: reader.token });
      const from = reading.frames.length;
      reading.send([
        { jsonrpc: '2.0', id: 1, method: 'adjust', params: { sku: 'S', location: 'A', delta: 1, reason: 'count' } },
        { jsonrpc: '2.0', id: 2, method: 'get', params: { sku: 'S' } },
      ]);
      const answers = (await reading.waitFor((frame) => Array.isArray(frame.data), 'the batch answer', { from })).data;
      expect(answers[0].error.code).toBe(RPC_FORBIDDEN);
      expect(answers[1].result.ok).toBe(true);
    },
  );

  it('per-principal metrics and a throttled FORBIDDEN log line that names the token', async () => {
    const { gateway, lines } = await start();
    const client = await h.raw(gateway.url, { token: amazon.token });
    for (let i = 0; i < 50; i++)
      expectRpcError(await client.call('adjust', paramsOf('adjust', i)), RPC_FORBIDDEN, `adjust ${i}`);
    expect((await client.result('get', { sku: 'S' })).ok).toBe(true);
    const text = await fetchMetrics(gateway);
    expect(metricSum(text, 'holdfast_principal_operations_total', { principal: 'amazon', outcome: 'forbidden' })).toBe(
      50,
    );
    expect(metricSum(text, 'holdfast_principal_operations_total', { principal: 'amazon', outcome: 'ok' })).toBe(1);
    expect(
      metricSum(text, 'holdfast_principal_operations_total', { principal: 'admin', outcome: 'ok' }),
      'the admin token is named admin',
    ).toBe(1);
    expect(metricSum(text, 'holdfast_operations_total', { method: 'adjust', outcome: 'forbidden' })).toBe(50);
    const forbidden = lines.filter((line) => line.includes('FORBIDDEN'));
    expect(forbidden.length, `one line for 50 forbidden calls within the interval: ${forbidden.join(' | ')}`).toBe(1);
    expect(forbidden[0]).toContain("token 'amazon'");
  });

  it('the log throttle forgets its oldest key past keysMax (bounded table)', () => {
    const printed: string[] = [];
    let nowMs = 0;
    const log = new ThrottledLog((line) => printed.push(line), { intervalMs: 1000, keysMax: 3, now: () => nowMs });
    for (const key of ['a', 'b', 'c', 'd', 'e']) log.line(key, key);
    expect(log.size).toBe(3);
    log.line('e', 'e again');
    expect(printed, 'e is throttled').toEqual(['a', 'b', 'c', 'd', 'e']);
    log.line('a', 'a again');
    expect(printed.at(-1), 'a was forgotten (the oldest), so it prints again').toBe('a again');
    nowMs = 1000;
    log.line('e', 'e later');
    expect(printed.at(-1)).toBe('e later (and 1 more like it since the last line)');
  });

  it('the typed client resolves a forbidden call as the refusal FORBIDDEN', async () => {
    const { gateway, inner } = await start();
    const client = await connect({ url: gateway.url, token: amazon.token, reconnect: false });
    try {
      const adjusted = await client.adjust({ sku: 'S', location: 'A', delta: 5, reason: 'count' });
      expect(adjusted.ok === false && adjusted.error.code).toBe('FORBIDDEN');
      const held = await client.reserve({ id: 'c-1', channel: 'amazon', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] });
      expect(held.ok).toBe(true);
      expect((await viewOf(inner, 'S')).onHand).toBe(100);
    } finally {
      await client.close();
    }
  });

  describe('reloadTokens()', () => {
    function tokensFile(tokens: Named[]): string {
      const dir = mkdtempSync(join(tmpdir(), 'holdfast-tokens-'));
      dirs.push(dir);
      const path = join(dir, 'tokens.json');
      writeFileSync(path, JSON.stringify(fileOf(tokens)));
      return path;
    }

    async function startWithFile(tokens: Named[]) {
      const engine: Engine = await h.engine();
      const path = tokensFile(tokens);
      const lines: string[] = [];
      const gateway = await h.gateway(engine, {
        token: undefined,
        tokensFile: path,
        log: (line: string) => lines.push(line),
      } as never);
      return { gateway, path, lines };
    }

    async function closedWith(client: RawClient): Promise<number> {
      return (await withDeadline(client.closed, 5_000, 'the revoked connection closing')).code;
    }

    it(
      'adds a token, revokes one (its connection closes with ' + '1008, it gets 401 after), keeps the others connected',
      async () => {
        const { gateway, path, lines } = await startWithFile([amazon, reader]);
        expect(gateway.token, 'no admin token with only a tokens file').toBeNull();
        expect((await h.attempt(gateway.url, { token: TOKEN })).kind === 'status').toBe(true);
        const amazonClient = await h.raw(gateway.url, { token: amazon.token });
        const readerClient = await h.raw(gateway.url, { token: reader.token });
        const refused = await h.attempt(gateway.url, { token: stocker.token });
        expect(refused.kind === 'status' && refused.status, 'not yet in the file').toBe(401);

        writeFileSync(path, JSON.stringify(fileOf([reader, stocker])));
        expect(await gateway.reloadTokens()).toEqual({ ok: true, tokens: 2, closedConnections: 1 });
        expect(await closedWith(amazonClient)).toBe(1008);
        expect(amazonClient.closeEvent?.reason).toBe('token revoked');
        const again = await h.attempt(gateway.url, { token: amazon.token });
        expect(again.kind === 'status' && again.status, 'a revoked token is refused').toBe(401);
        const stockClient = await h.raw(gateway.url, { token: stocker.token });
        expect((await stockClient.result('receive', { sku: 'S', location: 'A', qty: 1 })).ok).toBe(true);
        expect(readerClient.isOpen, 'an unchanged token keeps its connection').toBe(true);
        expect((await readerClient.result('get', { sku: 'S' })).ok).toBe(true);
        expect(lines.some((line) => line.includes('tokens reloaded') && line.includes("'amazon'"))).toBe(true);
      },
    );

    it("a re-scoped token's connections are closed (1008) and it reconnects with its new scopes", async () => {
      const { gateway, path } = await startWithFile([reader]);
      const before = await h.raw(gateway.url, { token: reader.token });
      expectRpcError(await before.call('receive', paramsOf('receive', 0)), RPC_FORBIDDEN, 'receive as a reader');
      writeFileSync(path, JSON.stringify(fileOf([{ ...reader, scopes: ['read', 'stock'] }])));
      expect((await gateway.reloadTokens()).ok).toBe(true);
      expect(await closedWith(before)).toBe(1008);
      expect(before.closeEvent?.reason).toBe('token scopes changed');
      const after = await h.raw(gateway.url, { token: reader.token });
      expect((await after.result('receive', paramsOf('receive', 0))).ok).toBe(true);
    });

    it('a bad file keeps the old set and logs one coded line naming the problem', async () => {
      const { gateway, path, lines } = await startWithFile([amazon]);
      const client = await h.raw(gateway.url, { token: amazon.token });
      const bad: Array<[string, string]> = [
        ['{ not json', 'is not valid JSON'],
        [JSON.stringify({ tokens: [{ name: 'x', digest: 'abc', scopes: ['read'] }] }), 'tokens[0].digest'],
        [
          JSON.stringify({ tokens: [{ name: 'x', digest: digestOf(newToken()), scopes: ['root'] }] }),
          'tokens[0].scopes[0]',
        ],
      ];
      for (const [content, problem] of bad) {
        writeFileSync(path, content);
        const before = lines.length;
        const result = await gateway.reloadTokens();
        expect(result.ok === false && result.error.code).toBe('INVALID_ARGUMENT');
        expect(lines.length - before, 'one line').toBe(1);
        expect(lines.at(-1)).toMatch(
          /^holdfast gateway: INVALID_ARGUMENT: tokens not reloaded, keeping the 1 loaded before: /,
        );
        expect(lines.at(-1)).toContain(problem);
      }
      expect(client.isOpen, 'the old set still stands').toBe(true);
      expect((await client.result('get', { sku: 'S' })).error.code, 'served (no such SKU yet)').toBe('NOT_FOUND');
      expect((await h.attempt(gateway.url, { token: amazon.token })).kind).toBe('open');
      expect(metricSum(await fetchMetrics(gateway), 'holdfast_token_reloads_total', { outcome: 'failed' })).toBe(3);
    });
  });
});
