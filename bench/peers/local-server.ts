import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A peer server the suite uses: one it started (stopped at the end) or one already there. */
export interface PeerServer {
  /** How to reach it (redis://… or postgres://…). */
  url: string;
  /** One line saying what it is and where it came from. */
  label: string;
  /** Stops it if the suite started it; a server that was already there is left alone. */
  stop(): Promise<void>;
}

/** A peer server, or why there is none (printed as the one line saying the peer was skipped). */
export type PeerProvision = { ok: true; server: PeerServer } | { ok: false; reason: string };

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first `name` on PATH or in `extraDirs`, or null. The path as found, symlinks kept: some
 * binaries act on the name they are run by (Debian's redis-server links to redis-check-rdb).
 */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== ''), ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** A user's uid and gid from /etc/passwd, or null. */
export function passwdUser(name: string): { uid: number; gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === name && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
    }
  } catch {
    // no /etc/passwd: not Linux
  }
  return null;
}

/** A child process that keeps its last output lines (for the error when it fails to start). */
export interface ServerProcess {
  child: ChildProcess;
  output: string[];
  exited: boolean;
}

const OUTPUT_LINES_KEPT = 20;

export function spawnServer(binary: string, args: string[], options: SpawnOptions): ServerProcess {
  const child = spawn(binary, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const server: ServerProcess = { child, output: [], exited: false };
  const keep = (data: Buffer): void => {
    server.output.push(
      ...data
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    if (server.output.length > OUTPUT_LINES_KEPT) server.output.splice(0, server.output.length - OUTPUT_LINES_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => {
    server.exited = true;
  });
  child.once('error', (error) => {
    server.exited = true;
    server.output.push(error.message);
  });
  return server;
}

/** Polls `ready` until it says yes, the process exits, or `timeoutMs` passes. */
export async function waitUntilReady(
  server: ServerProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<string | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (server.exited) return `exited: ${server.output.slice(-3).join(' | ')}`;
    if (await ready()) return null;
    await sleep(100);
  }
  return `not ready within ${timeoutMs} ms: ${server.output.slice(-3).join(' | ')}`;
}

/** Sends `signal` to the process the suite started (by its pid) and waits; SIGKILL after `timeoutMs`. */
export function stopServer(server: ServerProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (server.exited) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.child.kill('SIGKILL'), timeoutMs);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.child.kill(signal);
  });
}
