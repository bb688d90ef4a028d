/**
 * TLS: with `tls: { cert, key }` (serve: --tls-cert,
 * --tls-key) the gateway serves wss:// and https:// (/healthz, /metrics); the typed client
 * connects to wss:// trusting a custom CA. The certificate is generated in the test (selfsigned).
 * Before issue 12 startGateway refused `tls` as an unknown option and served plain ws:// only.
 *
 * From issue 12, finding 5: "there is no TLS".
 */
import { spawnServe } from './support/serve-child.js';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, ConnectError } from '../../dist/engine/client/index.js';
import { envWithoutHoldfast } from '../engine/support/helpers.js';
import { gatewayHarness, TOKEN } from './support/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

interface Pems {
  cert: string;
  key: string;
}

async function certificate(): Promise<Pems> {
  const pems = await generate([{ name: 'commonName', value: 'holdfast-test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** GET over https trusting `ca`: status and body. */
function fetchHttps(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsGet(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

describe('gateway over TLS', () => {
  const h = gatewayHarness();
  let pems: Pems;
  let other: Pems;
  const dirs: string[] = [];
  beforeAll(async () => {
    pems = await certificate();
    other = await certificate();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start() {
    const engine = await h.engine();
    return h.gateway(engine, { tls: { cert: pems.cert, key: pems.key } } as never);
  }

  it('serves wss:// to the typed client that trusts the certificate (ca), and the url says wss://', async () => {
    const gateway = await start();
    expect(gateway.url).toBe(`wss://127.0.0.1:${gateway.port}`);
    const client = await connect({ url: gateway.url, token: TOKEN, ca: pems.cert, reconnect: false });
    try {
      expect((await client.receive({ sku: 'S', location: 'A', qty: 3 })).ok).toBe(true);
      const view = await client.get('S');
      expect(view.ok && view.onHand).toBe(3);
    } finally {
      await client.close();
    }
  });

  it('a client that does not trust the certificate, or speaks plain ws://, is not connected', async () => {
    const gateway = await start();
    await expect(connect({ url: gateway.url, token: TOKEN, reconnect: false })).rejects.toThrow(ConnectError);
    await expect(connect({ url: gateway.url, token: TOKEN, ca: other.cert, reconnect: false })).rejects.toThrow(
      /certificate|self.signed/i,
    );
    const plain = await h.attempt(gateway.url.replace('wss:', 'ws:'));
    expect(plain.kind, 'plain ws:// to a TLS port').not.toBe('open');
    expect(gateway.connections()).toBe(0);
  });

  it('the token is still checked over TLS (401), and the raw ws client with ca connects', async () => {
    const gateway = await start();
    const refused = await h.attempt(gateway.url, { token: 'x'.repeat(43), ws: { ca: pems.cert } });
    expect(refused.kind === 'status' && refused.status).toBe(401);
    const raw = await h.raw(gateway.url, { ws: { ca: pems.cert } });
    expect((await raw.result('stats', {})).shards).toBeDefined();
  });

  it('/healthz and /metrics over https://', async () => {
    const gateway = await start();
    const base = gateway.url.replace('wss:', 'https:');
    const health = await fetchHttps(`${base}/healthz`, pems.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).status).toBe('ok');
    const metrics = await fetchHttps(`${base}/metrics`, pems.cert);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('holdfast_connections');
  });

  it('bad tls options are refused with INVALID_ARGUMENT naming the field', async () => {
    const engine = await h.engine();
    const cases: Array<[unknown, RegExp]> = [
      ['yes', /^tls: must be an object/],
      [{ cert: pems.cert }, /^tls\.key: must be PEM/],
      [{ cert: 'not pem', key: pems.key }, /^tls\.cert: is not PEM/],
      [{ cert: pems.cert, key: pems.key, ca: pems.cert }, /^tls\.ca: is not a known field/],
      [{ cert: pems.cert, key: other.key }, /^tls: the certificate or key cannot be used/],
    ];
    for (const [tls, message] of cases) {
      await expect(h.gateway(engine, { tls } as never), JSON.stringify(tls).slice(0, 40)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    }
  });

  describe('holdfast serve --tls-cert --tls-key (child process)', () => {
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const child of children.splice(0))
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('prints a wss:// url and serves the typed client with ca', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'holdfast-tls-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'cert.pem'), pems.cert);
      writeFileSync(join(dir, 'key.pem'), pems.key, { mode: 0o600 });
      const env = envWithoutHoldfast({ HOLDFAST_TOKEN: TOKEN });
      const serve = await spawnServe(
        process.execPath,
        [
          CLI,
          'serve',
          '--port',
          '0',
          '--shards',
          '0',
          '--memory',
          '--tls-cert',
          join(dir, 'cert.pem'),
          '--tls-key',
          join(dir, 'key.pem'),
        ],
        { cwd: ROOT, env, urlPattern: /listening on (wss:\/\/\S+)/, what: 'holdfast serve printing its wss:// url' },
      );
      const { child, url } = serve;
      children.push(child);
      const stdout = serve.output().stdout;
      expect(stdout).toContain(`health: ${url.replace('wss:', 'https:')}/healthz`);
      const client = await connect({ url, token: TOKEN, ca: pems.cert, reconnect: false });
      try {
        expect((await client.receive({ sku: 'S', location: 'A', qty: 1 })).ok).toBe(true);
      } finally {
        await client.close();
      }
    });
  });
});
