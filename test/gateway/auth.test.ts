/**
 * Gateway auth: the token is checked on the HTTP upgrade, before a WebSocket exists.
 * Missing or wrong → 401; `Authorization: Bearer <token>` or the browser subprotocol pair
 * ['holdfast', 'bearer.<token>'] → connected (subprotocol 'holdfast'); /healthz and /metrics need
 * no token; too many connections → closed at once; a peer that stops answering pings is terminated.
 *
 * From issue 4 §9.
 */
import { spawnServe } from './support/serve-child.js';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../dist/engine/gateway/tls.js';
import { TOKENS_MAX } from '../../dist/engine/gateway/token-file.js';
import { tokenBits } from '../../dist/engine/gateway/token-strength.js';
import { envWithoutHoldfast } from '../engine/support/helpers.js';
import {
  digestOf,
  fetchMetrics,
  gatewayHarness,
  httpUrl,
  metricSum,
  TOKEN,
  until,
  withDeadline,
  type Attempt,
} from './support/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

function statusOf(result: Attempt): number | string {
  return result.kind === 'status'
    ? result.status
    : result.kind === 'open'
      ? 'connected'
      : `error ${result.error.message}`;
}

describe('gateway auth', () => {
  const h = gatewayHarness();

  async function start(options = {}) {
    const engine = await h.engine();
    const gateway = await h.gateway(engine, options);
    return { engine, gateway };
  }

  it('starts on 127.0.0.1 with the port it reports and the token it was given', async () => {
    const { gateway } = await start();
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    expect(gateway.port).toBeGreaterThan(0);
    expect(gateway.token, 'the Gateway carries its token (spec: { url, port, token, ... })').toBe(TOKEN);
    expect(gateway.connections()).toBe(0);
  });

  it('missing token → HTTP 401, no connection', async () => {
    const { gateway } = await start();
    expect(statusOf(await h.attempt(gateway.url, { token: null }))).toBe(401);
    expect(statusOf(await h.attempt(gateway.url, { token: null, protocols: ['holdfast'] }))).toBe(401);
    expect(gateway.connections()).toBe(0);
  });

  it('wrong token → HTTP 401', async () => {
    const { gateway } = await start();
    const wrong = [`${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase(), '', 'x'.repeat(10_000)];
    for (const token of wrong)
      expect(statusOf(await h.attempt(gateway.url, { token })), `token ${token.slice(0, 40)}`).toBe(401);
    for (const authorization of [`Basic ${TOKEN}`, TOKEN, `Bearer  ${TOKEN}x`, `Token ${TOKEN}`]) {
      expect(statusOf(await h.attempt(gateway.url, { token: null, headers: { authorization } })), authorization).toBe(
        401,
      );
    }
    expect(gateway.connections()).toBe(0);
  });

  it('the right token in the Authorization header → connected and served', async () => {
    const { engine, gateway } = await start();
    const client = await h.raw(gateway.url);
    expect(gateway.connections()).toBe(1);
    expect(await client.result('get', { sku: 'NOPE' })).toEqual(await engine.get('NOPE'));
  });

  it('the browser subprotocol pair [holdfast, bearer.<token>] → connected with subprotocol holdfast', async () => {
    const { engine, gateway } = await start();
    const client = await h.raw(gateway.url, { token: null, protocols: ['holdfast', `bearer.${TOKEN}`] });
    expect(client.ws.protocol).toBe('holdfast');
    expect(await client.result('get', { sku: 'NOPE' }, 'msgpack')).toEqual(await engine.get('NOPE'));
    expect(gateway.connections()).toBe(1);
  });

  it('a wrong token in the subprotocol → HTTP 401', async () => {
    const { gateway } = await start();
    for (const protocols of [
      ['holdfast', 'bearer.wrong'],
      ['holdfast', `bearer.${TOKEN}x`],
      ['holdfast', 'bearer.'],
      ['holdfast', TOKEN],
    ]) {
      expect(statusOf(await h.attempt(gateway.url, { token: null, protocols })), protocols.join(',')).toBe(401);
    }
    expect(gateway.connections()).toBe(0);
  });

  it('/healthz and /metrics need no token; anything else over HTTP is 404', async () => {
    const { gateway } = await start();
    const health = await fetch(httpUrl(gateway, '/healthz'));
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const metrics = await fetch(httpUrl(gateway, '/metrics'));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('holdfast_connections');
    for (const path of ['/', '/nope', '/healthz/x', '/metricsx']) {
      expect((await fetch(httpUrl(gateway, path))).status, path).toBe(404);
    }
  });

  it(
    'past maxConnections → the socket is closed at once (every TCP socket ' +
      'counts, issue 12), counted as connection_limit; a freed slot is usable again',
    async () => {
      const { gateway } = await start({ maxConnections: 2 });
      const first = await h.raw(gateway.url);
      await h.raw(gateway.url);
      expect(statusOf(await h.attempt(gateway.url))).toMatch(/^error /);
      expect(gateway.connections()).toBe(2);
      first.ws.close();
      await until(() => gateway.connections() === 1, 'the gateway to count the closed connection');
      expect(
        metricSum(await fetchMetrics(gateway), 'holdfast_backpressure_events_total', { kind: 'connection_limit' }),
      ).toBeGreaterThanOrEqual(1);
      const again = await h.raw(gateway.url);
      expect((await again.result('expireDue', {})).ok).toBe(true);
    },
  );

  it('heartbeat: a peer that does not answer pings is terminated; one that does stays', async () => {
    const { gateway } = await start({ heartbeatMs: 300 });
    const silent = await h.raw(gateway.url, { ws: { autoPong: false } });
    const alive = await h.raw(gateway.url);
    const closed = await withDeadline(silent.closed, 10_000, 'the silent peer being terminated');
    expect(closed.code, 'terminated without a close frame').toBe(1006);
    expect(alive.isOpen).toBe(true);
    expect((await alive.result('expireDue', {})).ok).toBe(true);
    expect(gateway.connections()).toBe(1);
  });
});

/** Runs `holdfast <args>` to its exit (for the ones that must fail at start, or print and exit). */
function runCli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: envWithoutHoldfast(env),
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-auth-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('token strength (issue 12: a 1-character HOLDFAST_TOKEN was accepted)', () => {
  const h = gatewayHarness();

  it('estimates length × log2(union of the classes used)', () => {
    expect(tokenBits('abc')).toBeCloseTo(3 * Math.log2(26));
    expect(tokenBits('a1')).toBeCloseTo(2 * Math.log2(36));
    expect(tokenBits('aB1-')).toBeCloseTo(4 * Math.log2(94));
    expect(
      tokenBits(randomBytes(24).toString('base64url')),
      'the generated token (24 random bytes as base64url)',
    ).toBeGreaterThanOrEqual(128);
  });

  it(
    'a token below 128 bits is refused at start with ' +
      'INVALID_ARGUMENT naming the field; a generated one is accepted',
    async () => {
      const engine = await h.engine();
      const weak = [
        'x',
        'secret',
        'gateway-fuzz-token',
        'crash-test-token-4b1d',
        randomBytes(11).toString('hex'),
        'Aa1!'.repeat(4),
      ];
      for (const token of weak) {
        await expect(h.gateway(engine, { token }), token).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(/^token: is too weak: about \d+ bits/),
        });
      }
      for (const token of ['', 'with space'.repeat(5), 'ü'.repeat(60)]) {
        await expect(h.gateway(engine, { token }), JSON.stringify(token)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(/^token: /),
        });
      }
      for (const token of [
        randomBytes(24).toString('base64url'),
        randomBytes(16).toString('hex'),
        randomBytes(32).toString('base64'),
      ]) {
        const gateway = await h.gateway(engine, { token });
        expect(gateway.token).toBe(token);
      }
      await expect(h.gateway(engine, { token: undefined } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^token: is required unless tokens or tokensFile/),
      });
    },
  );

  it('holdfast serve with a weak HOLDFAST_TOKEN: one coded line on stderr, exit status 2, nothing listens', () => {
    const run = runCli(['serve', '--port', '0', '--shards', '0', '--memory'], { HOLDFAST_TOKEN: 'x' });
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^holdfast serve: INVALID_ARGUMENT: --token: is too weak: about 4 bits/);
    expect(run.stdout).not.toContain('listening on');
  });
});

describe('binding beyond loopback without TLS', () => {
  const h = gatewayHarness();

  it('tells loopback from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.5',
      'example.com',
      '128.0.0.1',
      'localhost.example.com',
    ])
      expect(isLoopback(host), host).toBe(false);
  });

  it('is refused (INVALID_ARGUMENT naming host) unless allowInsecureBind, which logs a warning', async () => {
    const engine = await h.engine();
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      await expect(h.gateway(engine, { host }), host).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(new RegExp(`^host: ${host.replace(/\./g, '\\.')} is reachable beyond loopback`)),
      });
    }
    const lines: string[] = [];
    const gateway = await h.gateway(engine, {
      host: '0.0.0.0',
      allowInsecureBind: true,
      log: (line: string) => lines.push(line),
    } as never);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^holdfast gateway: WARNING: INSECURE_BIND: ws:\/\/0\.0\.0\.0:\d+ is plain WebSocket beyond loopback/,
    );
    const client = await h.raw(`ws://127.0.0.1:${gateway.port}`);
    expect((await client.result('stats', {})).shards).toBeDefined();
  });

  it('holdfast serve --host 0.0.0.0 without TLS: one coded line, exit status 2', () => {
    const run = runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--shards', '0', '--memory'], {
      HOLDFAST_TOKEN: TOKEN,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^holdfast serve: INVALID_ARGUMENT: host: 0\.0\.0\.0 is reachable beyond loopback .*--insecure-bind/,
    );
  });
});

describe('tokens file validation at start', () => {
  const h = gatewayHarness();
  const digest = digestOf(randomBytes(32).toString('base64url'));

  it.each([
    [
      'an unknown field',
      { tokens: [{ name: 'a', digest, scopes: ['read'], colour: 'red' }] },
      /tokens\[0\]\.colour: is not a known field/,
    ],
    ['an unknown top-level field', { tokens: [], version: 2 }, /version: is not a known field/],
    [
      'a bad digest',
      { tokens: [{ name: 'a', digest: digest.toUpperCase(), scopes: ['read'] }] },
      /tokens\[0\]\.digest: must be the SHA-256/,
    ],
    [
      'a duplicate name',
      {
        tokens: [
          { name: 'a', digest, scopes: ['read'] },
          { name: 'a', digest: digestOf('other'), scopes: ['read'] },
        ],
      },
      /tokens\[1\]\.name: 'a' is already the name of tokens\[0\]/,
    ],
    [
      'a duplicate digest',
      {
        tokens: [
          { name: 'a', digest, scopes: ['read'] },
          { name: 'b', digest, scopes: ['read'] },
        ],
      },
      /tokens\[1\]\.digest: is already the digest of tokens\[0\]/,
    ],
    [
      'an unknown scope',
      { tokens: [{ name: 'a', digest, scopes: ['read', 'root'] }] },
      /tokens\[0\]\.scopes\[1\]: must be one of read, reserve, stock, admin/,
    ],
    ['no scopes', { tokens: [{ name: 'a', digest, scopes: [] }] }, /tokens\[0\]\.scopes: /],
    [
      'channels without the reserve scope',
      { tokens: [{ name: 'a', digest, scopes: ['read'], channels: ['web'] }] },
      /tokens\[0\]\.channels: only a token with the reserve scope/,
    ],
    [
      'the admin name beside --token',
      { tokens: [{ name: 'admin', digest, scopes: ['read'] }] },
      /tokens\[0\]\.name: 'admin' is the name of the single token/,
    ],
    [
      "the admin token's digest",
      { tokens: [{ name: 'a', digest: digestOf(TOKEN), scopes: ['read'] }] },
      /tokens\[0\]\.digest: is the digest of the single token/,
    ],
    [
      'too many tokens',
      {
        tokens: Array.from({ length: TOKENS_MAX + 1 }, (_, i) => ({
          name: `t${i}`,
          digest: digestOf(`t${i}`),
          scopes: ['read'],
        })),
      },
      /tokens: Too big/,
    ],
  ])('%s is one INVALID_ARGUMENT naming the file and the path', async (_what, content, message) => {
    const engine = await h.engine();
    const path = tempFile('tokens.json', JSON.stringify(content));
    await expect(h.gateway(engine, { tokensFile: path })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        new RegExp(`^tokens file ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${message.source}`),
      ),
    });
    await expect(h.gateway(engine, { tokens: content } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(new RegExp(`^tokens: ${message.source}`)),
    });
  });

  it(
    `${TOKENS_MAX} tokens (the bound) are accepted; a ` + `missing file and tokens beside tokensFile are refused`,
    async () => {
      const engine = await h.engine();
      const content = {
        tokens: Array.from({ length: TOKENS_MAX }, (_, i) => ({
          name: `t${i}`,
          digest: digestOf(`token-${i}`),
          scopes: ['read'],
        })),
      };
      const gateway = await h.gateway(engine, { tokensFile: tempFile('tokens.json', JSON.stringify(content)) });
      expect((await h.attempt(gateway.url, { token: 'token-999' })).kind).toBe('open');
      await expect(h.gateway(engine, { tokensFile: '/nonexistent/tokens.json' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^tokens file \/nonexistent\/tokens\.json: cannot be read/),
      });
      await expect(
        h.gateway(engine, { tokensFile: tempFile('t.json', '{}'), tokens: { tokens: [] } } as never),
      ).rejects.toMatchObject({ message: expect.stringMatching(/^tokens: give tokens or tokensFile, not both/) });
    },
  );
});

describe('holdfast token create', () => {
  const h = gatewayHarness();

  it('prints a 256-bit token once and its tokens-file entry; the entry works as printed', async () => {
    const run = runCli(['token', 'create', '--name', 'amazon', '--scopes', 'reserve,read', '--channels', 'amazon']);
    expect(run.status, run.stderr).toBe(0);
    const token = /^token: (\S+)$/m.exec(run.stdout)?.[1] as string;
    const entry = JSON.parse(/^entry: (.+)$/m.exec(run.stdout)?.[1] as string);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(entry).toEqual({
      name: 'amazon',
      digest: digestOf(token),
      scopes: ['reserve', 'read'],
      channels: ['amazon'],
    });
    const engine = await h.engine();
    const gateway = await h.gateway(engine, { tokens: { tokens: [entry] } } as never);
    const client = await h.raw(gateway.url, { token });
    expect((await client.call('receive', { sku: 'S', location: 'A', qty: 1 })).data.error.code).toBe(-32003);
    expect((await client.result('get', { sku: 'S' })).ok).toBe(false);
  });

  it('bad arguments: one coded line, exit status 2', () => {
    for (const args of [
      ['--name', 'a b', '--scopes', 'read'],
      ['--name', 'a', '--scopes', 'root'],
      ['--name', 'a', '--scopes', 'stock', '--channels', 'web'],
    ]) {
      const run = runCli(['token', 'create', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(/^holdfast token create: INVALID_ARGUMENT: --/);
      expect(run.stdout).toBe('');
    }
  });
});

describe('holdfast serve --tokens FILE and SIGHUP (child process)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const h = gatewayHarness();

  function tokensOf(entries: Array<[string, string, string[]]>): string {
    return JSON.stringify({
      tokens: entries.map(([name, token, scopes]) => ({ name, digest: digestOf(token), scopes })),
    });
  }

  it(
    "reloads on SIGHUP: a revoked token's connection closes " +
      'with 1008 and it gets 401; a bad file keeps the old set',
    async () => {
      const a = randomBytes(32).toString('base64url');
      const b = randomBytes(32).toString('base64url');
      const path = tempFile('tokens.json', tokensOf([['connector-a', a, ['read']]]));
      const serve = await spawnServe(
        process.execPath,
        [CLI, 'serve', '--port', '0', '--shards', '0', '--memory', '--tokens', path],
        {
          cwd: ROOT,
          env: envWithoutHoldfast(),
          urlPattern: /listening on (ws:\/\/\S+)/,
          what: 'holdfast serve listening',
        },
      );
      const { child, url } = serve;
      children.push(child);
      const stdout = serve.output().stdout;
      expect(stdout, 'with --tokens and no --token no token is generated').not.toMatch(/^token: /m);

      const first = await h.raw(url, { token: a });
      expect((await h.attempt(url, { token: b })).kind === 'status').toBe(true);

      writeFileSync(path, '{"tokens": [ oops');
      child.kill('SIGHUP');
      await until(() => serve.output().stderr.includes('tokens not reloaded'), "the failed reload's log line", 10_000);
      expect(serve.output().stderr).toMatch(
        /^holdfast gateway: INVALID_ARGUMENT: tokens not reloaded, keeping the 1 loaded before: tokens file .*is not valid JSON/m,
      );
      expect(first.isOpen).toBe(true);
      expect((await first.result('get', { sku: 'S' })).ok).toBe(false);

      writeFileSync(path, tokensOf([['connector-b', b, ['read']]]));
      child.kill('SIGHUP');
      expect((await withDeadline(first.closed, 10_000, 'the revoked connection closing')).code).toBe(1008);
      expect(serve.output().stderr).toMatch(
        /tokens reloaded from .*: 1 token; closed 1 connection of revoked or changed tokens: 'connector-a'/,
      );
      const again = await h.attempt(url, { token: a });
      expect(again.kind === 'status' && again.status).toBe(401);
      const second = await h.raw(url, { token: b });
      expect((await second.result('stats', {})).shards).toBeDefined();
      expect(child.exitCode, 'SIGHUP does not stop the server').toBeNull();
    },
  );
});
