import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  findBinary,
  freePort,
  passwdUser,
  spawnServer,
  stopServer,
  waitUntilReady,
  type PeerProvision,
} from './local-server.js';

const START_TIMEOUT_MS = 30_000;
const INITDB_TIMEOUT_MS = 120_000;
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/** The throwaway cluster's superuser (trust authentication on loopback only). */
const CLUSTER_USER = 'bench';

/**
 * Server settings of the throwaway cluster: no durability (as holdfast without a journal and Redis without
 * persistence).
 */
const SERVER_SETTINGS = [
  '-F',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
  '-c',
  'max_connections=64',
  '-c',
  'shared_buffers=128MB',
];

/**
 * The directory holding initdb and postgres: PATH first (symlinks resolved), then Debian's
 * /usr/lib/postgresql/<version>/bin, newest first.
 */
export function findPostgresBinDir(): string | null {
  const found = findBinary('initdb');
  const initdb = found === null ? null : realpathSync(found); // Debian links /usr/bin/initdb elsewhere
  if (initdb !== null && existsSync(path.join(path.dirname(initdb), 'postgres'))) return path.dirname(initdb);
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_POSTGRES_ROOT)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return null;
  }
  for (const version of versions) {
    const dir = path.join(DEBIAN_POSTGRES_ROOT, version, 'bin');
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  return null;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (Debian's), else `nobody`. */
function serverUser(): { name: string; uid: number; gid: number } | { error: string } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const user = passwdUser(name);
    if (user !== null) return { name, ...user };
  }
  return { error: 'running as root and neither a postgres nor a nobody user exists to run PostgreSQL as' };
}

/**
 * PostgreSQL for the peer cases: BENCH_POSTGRES_URL if set; else a throwaway cluster the suite
 * creates (initdb --no-sync in a temporary directory, trust auth, loopback only, a free port;
 * fsync and synchronous_commit off) and removes at the end. As root it runs as `postgres`.
 */
export async function providePostgres(): Promise<PeerProvision> {
  const configured = process.env.BENCH_POSTGRES_URL;
  if (configured !== undefined && configured !== '') {
    if (await canConnect(configured))
      return {
        ok: true,
        server: { url: configured, label: 'PostgreSQL at BENCH_POSTGRES_URL', stop: async () => undefined },
      };
    return { ok: false, reason: 'BENCH_POSTGRES_URL is set but no connection could be made' };
  }
  const binDir = findPostgresBinDir();
  if (binDir === null)
    return {
      ok: false,
      reason: 'no initdb/postgres on this machine (apt-get install -y postgresql, or set BENCH_POSTGRES_URL)',
    };
  const user = serverUser();
  if (user !== null && 'error' in user) return { ok: false, reason: user.error };
  const baseDir = mkdtempSync(path.join(tmpdir(), 'holdfast-bench-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const ids = user === null ? {} : { uid: user.uid, gid: user.gid };
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const cleanup = (): void => rmSync(baseDir, { recursive: true, force: true });
  try {
    if (user !== null) chownSync(baseDir, user.uid, user.gid);
    const initdb = spawnSync(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', CLUSTER_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { ...ids, cwd: baseDir, env, encoding: 'utf8', timeout: INITDB_TIMEOUT_MS },
    );
    if (initdb.status !== 0) {
      cleanup();
      const output = `${initdb.stderr ?? ''}${initdb.error?.message ?? ''}`.trim().split('\n').slice(-2).join(' | ');
      return { ok: false, reason: `initdb failed${user === null ? '' : ` (as ${user.name})`}: ${output}` };
    }
  } catch (error) {
    cleanup();
    return { ok: false, reason: `initdb could not run: ${(error as Error).message}` };
  }
  const port = await freePort();
  const url = `postgres://${CLUSTER_USER}@127.0.0.1:${port}/postgres`;
  const server = spawnServer(
    path.join(binDir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', baseDir, '-c', 'listen_addresses=127.0.0.1', ...SERVER_SETTINGS],
    { ...ids, cwd: baseDir, env },
  );
  const problem = await waitUntilReady(server, () => canConnect(url), START_TIMEOUT_MS);
  if (problem !== null) {
    await stopServer(server, 'SIGKILL', 2000);
    cleanup();
    return { ok: false, reason: `postgres did not start: ${problem}` };
  }
  return {
    ok: true,
    server: {
      url,
      label:
        `throwaway PostgreSQL cluster (${binDir}${user === null ? '' : `, as ${user.name}`}) ` +
        `on 127.0.0.1:${port}, pid ${server.child.pid}, fsync off, synchronous_commit off`,
      stop: async () => {
        await stopServer(server, 'SIGINT', 10_000); // fast shutdown
        cleanup();
      },
    },
  };
}
