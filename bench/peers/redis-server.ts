import { Socket } from 'node:net';
import { findBinary, freePort, spawnServer, stopServer, waitUntilReady, type PeerProvision } from './local-server.js';

const DEFAULT_PORT = 6379;
const START_TIMEOUT_MS = 10_000;

/** Sends PING over a raw socket; true on +PONG (a server that wants a password answers an error: false). */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.connect(port, host, () => socket.write('PING\r\n'));
  });
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || DEFAULT_PORT) };
}

/**
 * Redis for the peer cases: BENCH_REDIS_URL if set; else one already answering on
 * 127.0.0.1:6379 (its keys are namespaced and removed after); else a redis-server the suite
 * starts on a free port with no persistence (`--save '' --appendonly no`), stopped at the end.
 */
export async function provideRedis(): Promise<PeerProvision> {
  const configured = process.env.BENCH_REDIS_URL;
  if (configured !== undefined && configured !== '') {
    const { host, port } = hostPort(configured);
    if (await pingRedis(host, port))
      return {
        ok: true,
        server: { url: configured, label: `redis at ${configured} (BENCH_REDIS_URL)`, stop: async () => undefined },
      };
    return { ok: false, reason: `BENCH_REDIS_URL=${configured} does not answer PING` };
  }
  if (await pingRedis('127.0.0.1', DEFAULT_PORT)) {
    const url = `redis://127.0.0.1:${DEFAULT_PORT}`;
    return {
      ok: true,
      server: {
        url,
        label: `redis already listening on 127.0.0.1:${DEFAULT_PORT} (bench keys namespaced, removed after)`,
        stop: async () => undefined,
      },
    };
  }
  const binary = findBinary('redis-server', ['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  if (binary === null)
    return {
      ok: false,
      reason: 'no redis-server on this machine (apt-get install -y redis-server, or set BENCH_REDIS_URL)',
    };
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
  ];
  const server = spawnServer(binary, args, {});
  const problem = await waitUntilReady(server, () => pingRedis('127.0.0.1', port), START_TIMEOUT_MS);
  if (problem !== null) {
    await stopServer(server, 'SIGKILL', 1000);
    return { ok: false, reason: `${binary} did not start: ${problem}` };
  }
  return {
    ok: true,
    server: {
      url: `redis://127.0.0.1:${port}`,
      label: `${binary} started by the suite on 127.0.0.1:${port} (pid ${server.child.pid}, --save '' --appendonly no)`,
      stop: () => stopServer(server, 'SIGTERM', 5000),
    },
  };
}
