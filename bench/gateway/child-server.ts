import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A server running in a child process, found by the `listening on ws://…` line it prints. */
export interface ChildServer {
  readonly label: string;
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then waits for it to exit (SIGKILL after `STOP_TIMEOUT_MS`). */
  stop(): Promise<void>;
}

export interface ChildServerSpec {
  label: string;
  /** Node flags first (e.g. --cpu-prof), then the script and its arguments. */
  args: string[];
  env: NodeJS.ProcessEnv;
}

const LISTENING_PATTERN = /listening on (ws:\/\/\S+)/;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Resolves with the URL the child prints; rejects if it exits or stays silent too long. The
 * child's later output is read and dropped (so the pipe never fills), or, with
 * BENCH_CHILD_LOG_DIR set, appended to <dir>/<label>-<pid>.log (e.g. for --trace-gc).
 */
function waitForUrl(child: ChildProcess, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const logDir = process.env.BENCH_CHILD_LOG_DIR;
    const log = logDir ? createWriteStream(path.join(logDir, `${label.replace(/\W+/g, '-')}-${child.pid}.log`)) : null;
    let found = false;
    const timer = setTimeout(
      () => reject(new Error(`${label}: no 'listening on ws://…' line within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    lines.on('line', (line) => {
      log?.write(`${line}\n`);
      const url = LISTENING_PATTERN.exec(line)?.[1];
      if (found || url === undefined) return;
      found = true;
      clearTimeout(timer);
      resolve(url);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`${label}: exited (${code ?? signal}) before listening`));
    });
  });
}

/** Starts `node <args>` and waits for it to print the URL it listens on. */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const child = spawn(process.execPath, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await waitForUrl(child, spec.label).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await waitForExit(child);
    throw error;
  });
  const pid = child.pid as number;
  return {
    label: spec.label,
    url,
    pid,
    stop: async () => {
      child.kill('SIGTERM');
      await waitForExit(child);
    },
  };
}
