/**
 * The many-calls over a real gateway (issue 14):
 * - reserveMany with { requests } and with { columns } (JSON and msgpack) answers exactly what the
 *   embedded reserveMany answers on an identical engine, and commitMany, releaseMany, fulfilMany too;
 * - bad columns (a missing column, a length mismatch, an unknown column, both forms at once, not
 *   an object) are -32602 naming the column, and change nothing;
 * - a frame whose many-calls together weigh more than LIMITS.frameOpsMax is one -32600 naming
 *   frameOpsMax and changes nothing; at exactly the limit it runs;
 * - a channel-bound reserve token reserves many only for its channels and acts many only on holds
 *   of its channels (else -32003 for the whole call, nothing ran); an id it cannot read is
 *   answered with that read's refusal;
 * - the typed client's four methods (columns and object forms) answer what the embedded engine answers.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../dist/engine/client/index.js';
import { LIMITS } from '../../dist/engine/index.js';
import { columnsOfRequests } from '../../dist/engine/wire/reserve-columns.js';
import {
  digestOf,
  expectRpcError,
  gatewayHarness,
  START_MS,
  TOKEN,
  viewOf,
  withDeadline,
  type Encoding,
  type Engine,
  type RawClient,
} from './support/helpers.js';

const RPC_INVALID_REQUEST = -32600;
const RPC_INVALID_PARAMS = -32602;
const RPC_FORBIDDEN = -32003;
const TTL_MS = 60_000;
const fixedClock = { nowMs: () => START_MS };

interface Request {
  id: string;
  channel: string;
  ttlMs: number;
  lines: Array<{ sku: string; qty: number; location?: string }>;
}

/** What a result looks like after a trip over the wire (undefined fields dropped). */
function wired(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function plain(id: string, sku: string, qty: number, channel = 'web', ttlMs = TTL_MS): Request {
  return { id, channel, ttlMs, lines: [{ sku, qty }] };
}

/** Single-line holds of every outcome: held, sold out, replayed, same id with another body, malformed. */
function plainRequests(prefix: string): Request[] {
  return [
    plain(`${prefix}a`, 'S', 3),
    plain(`${prefix}b`, 'T', 2, 'pos', 30_000),
    plain(`${prefix}c`, 'S', 50),
    plain(`${prefix}a`, 'S', 3),
    plain(`${prefix}a`, 'T', 1),
    plain(`${prefix}d`, 'S', 0),
    plain('', 'S', 1),
    plain(`${prefix}e`, 'NEVER-RECEIVED', 1),
    plain(`${prefix}f`, 'T', 1, 'c'.repeat(LIMITS.channelLengthMax + 1)),
    plain(`${prefix}g`, 'S', 1, 'web', 0),
    plain(`${prefix}h`, 'T', 4),
  ];
}

function columnsOf(requests: readonly Request[]) {
  return {
    id: requests.map((request) => request.id),
    sku: requests.map((request) => request.lines[0].sku),
    qty: requests.map((request) => request.lines[0].qty),
    channel: requests.map((request) => request.channel),
    ttlMs: requests.map((request) => request.ttlMs),
  };
}

async function stock(engines: readonly Engine[]): Promise<void> {
  for (const engine of engines) {
    for (const sku of ['S', 'T']) expect((await engine.receive({ sku, location: 'WH', qty: 10 })).ok).toBe(true);
  }
}

async function views(engine: Engine): Promise<unknown[]> {
  return [await engine.get('S'), await engine.get('T')];
}

describe('many-calls over the gateway', () => {
  const h = gatewayHarness();

  /** The engine behind the gateway and an identical embedded one, both stocked alike. */
  async function twins() {
    const served = await h.engine({ clock: fixedClock });
    const embedded = await h.engine({ clock: fixedClock });
    await stock([served, embedded]);
    const gate = h.gate(served);
    const gateway = await h.gateway(gate.engine, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await h.raw(gateway.url);
    return { served, embedded, gate, gateway, client };
  }

  it.each(['json', 'msgpack'] as const)(
    'reserveMany as requests and as columns answers what the embedded call answers (%s)',
    async (encoding: Encoding) => {
      const { served, embedded, client } = await twins();
      const asRequests = plainRequests('r-');
      const multi: Request = {
        id: 'r-multi',
        channel: 'web',
        ttlMs: TTL_MS,
        lines: [
          { sku: 'S', qty: 1 },
          { sku: 'T', qty: 1, location: 'WH' },
        ],
      };
      const withMulti = [...asRequests, multi, { ...multi, id: 'r-multi-bad', lines: [{ sku: 'S', qty: 1 }, null] }];
      const byRequests = await client.call('reserveMany', { requests: withMulti }, encoding);
      expect(byRequests.data.error, JSON.stringify(byRequests.data.error)).toBeUndefined();
      expect(byRequests.data.result).toEqual(wired(await embedded.reserveMany(withMulti as never)));
      expect(await views(served)).toEqual(await views(embedded));

      const asColumns = plainRequests('c-');
      const byColumns = await client.call('reserveMany', { columns: columnsOf(asColumns) }, encoding);
      expect(byColumns.data.error, JSON.stringify(byColumns.data.error)).toBeUndefined();
      const expected = wired(await embedded.reserveMany(asColumns));
      expect(byColumns.data.result).toEqual(expected);
      expect((expected as unknown[]).length).toBe(asColumns.length);
      expect(await views(served)).toEqual(await views(embedded));

      // A column given once applies to every row.
      const shared = [plain('s-1', 'S', 1, 'pos', 5_000), plain('s-2', 'T', 1, 'pos', 5_000)];
      const columns = { ...columnsOf(shared), channel: 'pos', ttlMs: 5_000 };
      const byShared = await client.result('reserveMany', { columns }, encoding);
      expect(byShared).toEqual(wired(await embedded.reserveMany(shared)));
      expect(await views(served)).toEqual(await views(embedded));
    },
  );

  it('commitMany, releaseMany and fulfilMany answer what the embedded calls answer', async () => {
    const { served, embedded, client } = await twins();
    const holds = [plain('m-1', 'S', 1), plain('m-2', 'S', 2), plain('m-3', 'T', 1), plain('m-4', 'T', 2)];
    for (const engine of [served, embedded]) expect(Array.isArray(await engine.reserveMany(holds))).toBe(true);
    const steps: Array<[string, unknown[]]> = [
      ['commitMany', ['m-1', 'm-2', 'never', 'm-1', '', 42]],
      ['releaseMany', ['m-3', 'm-1', 'never']],
      ['fulfilMany', ['m-1', 'm-2', 'm-4', 'm-3', 'x'.repeat(LIMITS.idLengthMax + 1)]],
      ['commitMany', ['m-4']],
      ['fulfilMany', ['m-4', 'm-4']],
    ];
    for (const [method, ids] of steps) {
      const got = await client.result(method, { ids });
      const expected = await (embedded as unknown as Record<string, (ids: unknown) => Promise<unknown>>)[method](ids);
      expect(got, `${method} ${JSON.stringify(ids)}`).toEqual(wired(expected));
    }
    expect(await views(served)).toEqual(await views(embedded));
    for (const method of ['commitMany', 'releaseMany', 'fulfilMany']) {
      const error = expectRpcError(await client.call(method, { ids: 'm-1' }), RPC_INVALID_PARAMS, `${method} no list`);
      expect(error.message).toMatch(/^ids:/);
    }
  });

  it('bad columns, or both forms at once, are -32602 naming the column, and change nothing', async () => {
    const { served, gate, client } = await twins();
    const rows = [plain('bad-1', 'S', 1), plain('bad-2', 'T', 1)];
    const good = columnsOf(rows);
    const cases: Array<[string, unknown, RegExp]> = [
      ['not an object', { columns: [good] }, /^columns:/],
      ['a string', { columns: 'id,sku,qty' }, /^columns:/],
      ['an unknown column', { columns: { ...good, location: ['WH', 'WH'] } }, /^columns\.location:/],
      ['sku one short', { columns: { ...good, sku: ['S'] } }, /^columns\.sku:/],
      ['qty one long', { columns: { ...good, qty: [1, 1, 1] } }, /^columns\.qty:/],
      ['channel a column of another length', { columns: { ...good, channel: ['web'] } }, /^columns\.channel:/],
      ['ttlMs a column of another length', { columns: { ...good, ttlMs: [1, 2, 3] } }, /^columns\.ttlMs:/],
      ['id not a column', { columns: { ...good, id: 'bad-1' } }, /^columns\.id:/],
      ['both forms', { columns: good, requests: rows }, /requests or columns/],
      [
        `more than ${LIMITS.manyOpsMax} rows`,
        { columns: { ...columnsOf([]), id: Array(LIMITS.manyOpsMax + 1).fill('bad-1'), channel: 'web', ttlMs: 1 } },
        /^columns\.id:/,
      ],
    ];
    const before = await views(served);
    const calls = gate.calls('reserveMany');
    for (const [what, params, named] of cases) {
      const error = expectRpcError(await client.call('reserveMany', params, 'msgpack'), RPC_INVALID_PARAMS, what);
      expect(error.message, what).toMatch(named);
      expect(error.data?.code, what).toBe('INVALID_ARGUMENT');
    }
    expect(await views(served), 'nothing changed').toEqual(before);
    expect(gate.calls('reserveMany'), 'no refused call reached the engine').toBe(calls);
    expect((await served.getReservation('bad-1')).ok).toBe(false);
  });

  it.each(['id', 'sku', 'qty'])('a missing %s column is -32602 naming it, and changes nothing', async (column) => {
    const { served, gate, client } = await twins();
    const good: Record<string, unknown> = columnsOf([plain('miss-1', 'S', 1), plain('miss-2', 'T', 1)]);
    delete good[column];
    const before = await views(served);
    const calls = gate.calls('reserveMany');
    const frame = await client.call('reserveMany', { columns: good });
    const error = expectRpcError(frame, RPC_INVALID_PARAMS, `no ${column} column`);
    expect(error.message).toMatch(new RegExp(`^columns\\.${column}:`));
    expect(await views(served), 'nothing changed').toEqual(before);
    expect(gate.calls('reserveMany'), 'the engine was not called').toBe(calls);
  });

  it.each(['channel', 'ttlMs'])(
    'a missing %s column (not given once, not as a column) is -32602 naming it, and changes nothing',
    async (column) => {
      const { served, gate, client } = await twins();
      const good: Record<string, unknown> = columnsOf([plain('miss-1', 'S', 1), plain('miss-2', 'T', 1)]);
      delete good[column];
      const before = await views(served);
      const calls = gate.calls('reserveMany');
      const frame = await client.call('reserveMany', { columns: good });
      const error = expectRpcError(frame, RPC_INVALID_PARAMS, `no ${column} column`);
      expect(error.message).toMatch(new RegExp(`^columns\\.${column}:`));
      expect(await views(served), 'nothing changed').toEqual(before);
      expect(gate.calls('reserveMany'), 'the engine was not called').toBe(calls);
    },
  );

  it('a frame whose many-calls together pass frameOpsMax is one -32600 and runs nothing; at the limit it runs', async () => {
    const engine = await h.engine({ clock: fixedClock });
    expect((await engine.receive({ sku: 'S', location: 'WH', qty: 3 * LIMITS.frameOpsMax })).ok).toBe(true);
    const gateway = await h.gateway(engine, { maxPayloadBytes: 64 * 1024 * 1024 });
    const client = await h.raw(gateway.url);
    const rows = (prefix: string, count: number) => ({
      id: Array.from({ length: count }, (_, n) => `${prefix}${n}`),
      sku: Array<string>(count).fill('S'),
      qty: Array<number>(count).fill(1),
      channel: 'web',
      ttlMs: TTL_MS,
    });
    const request = (id: string, method: string, params: unknown) => ({ jsonrpc: '2.0', id, method, params });
    const half = LIMITS.frameOpsMax / 2;
    const over: Array<[string, unknown[]]> = [
      [
        'two reserveMany of half the limit and one more',
        [
          request('a', 'reserveMany', { columns: rows('o1-', half) }),
          request('b', 'reserveMany', {
            columns: rows('o2-', half + 1),
          }),
        ],
      ],
      [
        'a reserveMany of the limit less one and a commitMany of two',
        [
          request('a', 'reserveMany', { columns: rows('o3-', LIMITS.frameOpsMax - 1) }),
          request('b', 'commitMany', { ids: ['o3-0', 'o3-1'] }),
        ],
      ],
      [
        'a reserveMany as requests and a releaseMany',
        [
          request('a', 'reserveMany', {
            requests: Array.from({ length: 30_000 }, (_, n) => plain(`o4-${n}`, 'S', 1)),
          }),
          request('b', 'releaseMany', { ids: Array<string>(LIMITS.frameOpsMax / 2).fill('o4-0') }),
          request('c', 'get', { sku: 'S' }),
        ],
      ],
    ];
    const before = await viewOf(engine, 'S');
    for (const [what, frame] of over) {
      const answer = await withDeadline(client.sendValueAndNext(frame, 'msgpack', 30_000), 35_000, what);
      const error = expectRpcError(answer, RPC_INVALID_REQUEST, what, null);
      expect(error.message, what).toMatch(/frameOpsMax/);
      expect(error.data, what).toEqual({ bound: 'frameOpsMax', limit: LIMITS.frameOpsMax });
    }
    expect(await viewOf(engine, 'S'), 'nothing ran').toEqual(before);
    expect((await engine.getReservation('o1-0')).ok).toBe(false);

    const atLimit = [
      request('a', 'reserveMany', { columns: rows('l1-', half) }),
      request('b', 'reserveMany', { columns: rows('l2-', half) }),
    ];
    const answer = await withDeadline(client.sendValueAndNext(atLimit, 'msgpack', 60_000), 65_000, 'at the limit');
    expect(Array.isArray(answer.data), 'answered request by request').toBe(true);
    for (const response of answer.data as Array<{ result: Array<{ ok: boolean }> }>) {
      expect(response.result).toHaveLength(half);
      expect(response.result.every((result) => result.ok)).toBe(true);
    }
    expect((await viewOf(engine, 'S')).reserved).toBe(LIMITS.frameOpsMax);
  }, 120_000);
});

describe('many-calls and a channel-bound token', () => {
  const h = gatewayHarness();
  const amazon = { name: 'amazon', token: randomBytes(32).toString('base64url'), scopes: ['reserve', 'read'] };
  const reserver = { name: 'reserver', token: randomBytes(32).toString('base64url'), scopes: ['reserve'] };

  async function start() {
    const inner = await h.engine({ clock: fixedClock });
    await stock([inner]);
    const gate = h.gate(inner);
    const tokens = {
      tokens: [
        { name: amazon.name, digest: digestOf(amazon.token), scopes: amazon.scopes, channels: ['amazon'] },
        { name: reserver.name, digest: digestOf(reserver.token), scopes: reserver.scopes },
      ],
    };
    const gateway = await h.gateway(gate.engine, { token: TOKEN, tokens, log: () => {} } as never);
    const admin = await h.raw(gateway.url);
    expect((await admin.result('reserve', plain('web-1', 'S', 2))).ok).toBe(true);
    const client = await h.raw(gateway.url, { token: amazon.token });
    return { inner, gate, gateway, client };
  }

  async function expectForbidden(client: RawClient, method: string, params: unknown, what: string, named: RegExp) {
    const error = expectRpcError(await client.call(method, params), RPC_FORBIDDEN, what);
    expect(error.message, what).toMatch(named);
  }

  it('reserveMany only for its channels: another channel anywhere refuses the whole call', async () => {
    const { inner, gate, client } = await start();
    const own = await client.result('reserveMany', { requests: [plain('a-1', 'S', 1, 'amazon')] });
    expect(own.map((result: { ok: boolean }) => result.ok)).toEqual([true]);
    const byColumns = await client.result('reserveMany', {
      columns: { ...columnsOf([plain('a-2', 'S', 1), plain('a-3', 'T', 1)]), channel: 'amazon' },
    });
    expect(byColumns.map((result: { ok: boolean }) => result.ok)).toEqual([true, true]);
    const before = await views(inner);
    const calls = gate.calls('reserveMany');
    await expectForbidden(
      client,
      'reserveMany',
      { requests: [plain('a-4', 'S', 1, 'amazon'), plain('a-5', 'S', 1, 'web')] },
      'requests: one for web',
      /^requests\[1\]/,
    );
    await expectForbidden(
      client,
      'reserveMany',
      { columns: { ...columnsOf([plain('a-6', 'S', 1)]), channel: 'web' } },
      'columns: channel web',
      /^columns\.channel\[0\]/,
    );
    await expectForbidden(
      client,
      'reserveMany',
      { columns: { ...columnsOf([plain('a-7', 'S', 1, 'amazon'), plain('a-8', 'T', 1, 'web')]) } },
      'columns: a web row',
      /^columns\.channel\[1\]/,
    );
    expect(gate.calls('reserveMany'), 'no forbidden call reached the engine').toBe(calls);
    expect(await views(inner), 'nothing changed').toEqual(before);
    for (const id of ['a-4', 'a-6', 'a-7']) expect((await inner.getReservation(id)).ok, id).toBe(false);
  });

  it("commitMany, releaseMany, fulfilMany: another channel's hold refuses the whole call", async () => {
    const { inner, gate, client } = await start();
    expect((await client.result('reserve', plain('amz-1', 'T', 1, 'amazon'))).ok).toBe(true);
    const before = await views(inner);
    for (const method of ['commitMany', 'releaseMany', 'fulfilMany']) {
      const calls = gate.calls(method);
      await expectForbidden(client, method, { ids: ['amz-1', 'web-1'] }, `${method} with web-1`, /^ids\[1\]/);
      expect(gate.calls(method), `${method}: the engine was not called`).toBe(calls);
    }
    expect(await views(inner), 'nothing changed').toEqual(before);
    const holds = await Promise.all(['amz-1', 'web-1'].map((id) => inner.getReservation(id)));
    expect(holds.map((hold) => hold.ok && hold.reservation.status)).toEqual(['held', 'held']);
    const committed = await client.result('commitMany', { ids: ['amz-1'] });
    expect(committed[0].reservation.status).toBe('committed');
    const fulfilled = await client.result('fulfilMany', { ids: ['amz-1'] });
    expect(fulfilled[0].reservation.status).toBe('fulfilled');
  });

  it("an id whose hold cannot be read gets the read's refusal; the others run", async () => {
    const { inner, client } = await start();
    expect((await client.result('reserve', plain('amz-1', 'T', 1, 'amazon'))).ok).toBe(true);
    const answer = await client.result('commitMany', { ids: ['never-made', 'amz-1', 42] });
    expect(answer).toHaveLength(3);
    expect(answer[0]).toEqual(wired(await inner.getReservation('never-made')));
    expect(answer[0].error.code).toBe('NOT_FOUND');
    expect(answer[1].reservation.status).toBe('committed');
    expect(answer[2].error.code).toBe('INVALID_ARGUMENT');
    expect(answer[2]).toEqual(wired(await inner.commit(42 as never)));
    const hold = await inner.getReservation('amz-1');
    expect(hold.ok && hold.reservation.status).toBe('committed');
  });

  /** commitMany with an unknown params field: -32602 naming it, and the hold amz-1 still held. */
  async function expectUnknownFieldRefused(inner: Engine, connection: RawClient, ids: string[], what: string) {
    const error = expectRpcError(
      await connection.call('commitMany', { ids, priority: 'high' }),
      RPC_INVALID_PARAMS,
      what,
    );
    expect(error.message, what).toMatch(/params\.priority/);
    const hold = await inner.getReservation('amz-1');
    expect(hold.ok && hold.reservation.status, `${what}: nothing ran`).toBe('held');
  }

  it('an unknown params field is -32602 and runs nothing', async () => {
    const { inner, gateway, client } = await start();
    expect((await client.result('reserve', plain('amz-1', 'T', 1, 'amazon'))).ok).toBe(true);
    const unbound = await h.raw(gateway.url, { token: reserver.token });
    await expectUnknownFieldRefused(inner, unbound, ['amz-1'], 'unbound, a known hold');
    await expectUnknownFieldRefused(inner, unbound, ['amz-1', 'never-made'], 'unbound, a known and an unknown hold');
    await expectUnknownFieldRefused(inner, client, ['amz-1'], 'bound, a known hold');
  });

  it('a bound token: an unknown params field is -32602 and runs nothing, even with an unknown hold among the ids', async () => {
    const { inner, gate, client } = await start();
    expect((await client.result('reserve', plain('amz-1', 'T', 1, 'amazon'))).ok).toBe(true);
    const calls = gate.calls('commitMany');
    await expectUnknownFieldRefused(inner, client, ['amz-1', 'never-made'], 'bound, a known and an unknown hold');
    expect(gate.calls('commitMany'), 'the engine was not called').toBe(calls);
  });
});

describe('the typed client many-calls', () => {
  const h = gatewayHarness();
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => withDeadline(client.close(), 10_000, 'client.close()')));
  });

  it.each(['msgpack', 'json'] as const)(
    'reserveMany (columns and objects) and the by-id calls answer what the embedded engine answers (%s)',
    async (encoding: Encoding) => {
      const served = await h.engine({ clock: fixedClock });
      const embedded = await h.engine({ clock: fixedClock });
      await stock([served, embedded]);
      const gateway = await h.gateway(served);
      const client = await connect({ url: gateway.url, token: TOKEN, encoding });
      clients.push(client);
      const asColumns = plainRequests('k-');
      expect(columnsOfRequests(asColumns), 'plain single-line holds go as columns').not.toBeNull();
      const asObjects: Request[] = [
        { id: 'o-1', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'S', qty: 1, location: 'WH' }] },
        {
          id: 'o-2',
          channel: 'web',
          ttlMs: TTL_MS,
          lines: [
            { sku: 'S', qty: 1 },
            { sku: 'T', qty: 1 },
          ],
        },
        plain('o-3', 'T', 1),
      ];
      expect(
        columnsOfRequests(asObjects),
        'holds with more than an id, channel, ttlMs and one line go as objects',
      ).toBe(null);
      for (const requests of [asColumns, asObjects, []]) {
        const got = await client.reserveMany(requests);
        expect(got, JSON.stringify(requests).slice(0, 200)).toEqual(wired(await embedded.reserveMany(requests)));
      }
      const steps: Array<['commitMany' | 'releaseMany' | 'fulfilMany', string[]]> = [
        ['commitMany', ['k-a', 'o-1', 'never', '']],
        ['releaseMany', ['k-b', 'o-2', 'k-a']],
        ['fulfilMany', ['k-a', 'o-1', 'k-h', 'o-3']],
      ];
      for (const [method, ids] of steps) {
        expect(await client[method](ids), `${method} ${ids.join(',')}`).toEqual(wired(await embedded[method](ids)));
      }
      expect(await views(served)).toEqual(await views(embedded));
      const refused = await client.reserveMany('nope' as never);
      expect(refused, "a call refused whole resolves to the engine's own refusal").toEqual(
        wired(await embedded.reserveMany('nope' as never)),
      );
    },
  );

  it.each(['msgpack', 'json'] as const)(
    'a request with a field present but undefined answers what the embedded engine answers (%s)',
    async (encoding: Encoding) => {
      const served = await h.engine({ clock: fixedClock });
      const embedded = await h.engine({ clock: fixedClock });
      await stock([served, embedded]);
      const gateway = await h.gateway(served);
      const client = await connect({ url: gateway.url, token: TOKEN, encoding });
      clients.push(client);
      const requests = [plain('u-1', 'S', 1), { ...plain('u-2', 'S', 1), channel: undefined as unknown as string }];
      const single = await client.reserve(requests[1]);
      expect(single, 'the single call over the client').toEqual(wired(await embedded.reserve(requests[1])));
      expect(await client.reserveMany(requests)).toEqual(wired(await embedded.reserveMany(requests)));
    },
  );

  it('two reserveMany calls each longer than frameOpsMax, made in one tick, are split and both run in order', async () => {
    const served = await h.engine({ clock: fixedClock });
    const count = LIMITS.frameOpsMax + LIMITS.frameOpsMax / 2;
    expect((await served.receive({ sku: 'S', location: 'WH', qty: 2 * count })).ok).toBe(true);
    const gateway = await h.gateway(served, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await connect({ url: gateway.url, token: TOKEN, encoding: 'msgpack' });
    clients.push(client);
    const requests = (prefix: string) => Array.from({ length: count }, (_, n) => plain(`${prefix}${n}`, 'S', 1));
    const answers = await Promise.all([client.reserveMany(requests('x-')), client.reserveMany(requests('y-'))]);
    for (const [call, answer] of answers.entries()) {
      expect(Array.isArray(answer), JSON.stringify(answer).slice(0, 200)).toBe(true);
      const ids = (answer as Array<{ reservation: { id: string } }>).map((result) => result.reservation?.id);
      expect(ids, 'one answer per request, in order').toEqual(requests(call === 0 ? 'x-' : 'y-').map((r) => r.id));
      expect((answer as Array<{ ok: boolean }>).filter((result) => !result.ok).slice(0, 2)).toEqual([]);
    }
    expect((await viewOf(served, 'S')).reserved).toBe(2 * count);
  }, 60_000);
});
