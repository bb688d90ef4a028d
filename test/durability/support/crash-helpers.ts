/**
 * Helpers for the crash test (test/durability/crash-recovery.test.ts, issue 5 §5): a random sample drawn
 * with the simulator's seeded Random (simulator/kernel/random.ts), the
 * `holdfast serve` child process (started on a data directory, killed with SIGKILL), and the
 * pure model functions that say what a reservation looks like after an operation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FulfilLine, Reservation, ReserveRequest } from '../../../dist/engine/index.js';
import type { Random } from '../../../dist/simulator/kernel/random.js';
import { envWithoutHoldfast } from '../../engine/support/helpers.js';
import { withDeadline } from '../../gateway/support/helpers.js';

export { withDeadline };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Up to `count` distinct items, in random order (the simulator's seeded Random draws them). */
export function sampleOf<T>(random: Random, items: readonly T[], count: number): T[] {
  const copy = items.slice();
  const taken: T[] = [];
  while (taken.length < count && copy.length > 0) {
    const at = random.int(0, copy.length - 1);
    taken.push(copy[at]);
    copy[at] = copy[copy.length - 1];
    copy.pop();
  }
  return taken;
}

export interface ServerHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** Resolves when the process has exited (whatever the cause). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  stdout(): string;
  stderr(): string;
}

export interface ServerOptions {
  dataDir: string;
  token: string;
  /** --snapshot-every: journal records (batches) between snapshots. */
  snapshotEvery: number;
  /** How long to wait for the "listening on" line: generous, recovery replays the journal first. */
  startupTimeoutMs: number;
}

/** Children still running, killed if the test process exits first (never leave a server behind). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * Starts `holdfast serve --port 0 --shards 2 --data <dir> --fsync always` as a child process
 * and resolves once it printed where it listens. On failure the child is killed and the error
 * carries its output.
 */
export async function startServer(options: ServerOptions): Promise<ServerHandle> {
  installExitHook();
  const env = envWithoutHoldfast({ HOLDFAST_TOKEN: options.token });
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--shards',
      '2',
      '--data',
      options.dataDir,
      '--fsync',
      'always',
      '--snapshot-every',
      String(options.snapshotEvery),
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let stdout = '';
  let stderr = '';
  let exitedYet = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedYet = true;
      running.delete(child);
      resolve({ code, signal });
    });
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /listening on (ws:\/\/[^\s]+)/.exec(stdout);
      if (match !== null) resolve(match[1]);
    });
    child.once('error', (error) => reject(error));
    void exited.then(({ code, signal }) =>
      reject(new Error(`holdfast serve exited (code ${code}, signal ${signal}) before listening`)),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`holdfast serve did not print "listening on" within ${options.startupTimeoutMs} ms`)),
      options.startupTimeoutMs,
    );
  });
  try {
    const url = await Promise.race([listening, timeout]);
    return {
      child,
      pid: child.pid as number,
      url: url.replace('//0.0.0.0:', '//127.0.0.1:'),
      exited,
      alive: () => !exitedYet,
      stdout: () => stdout,
      stderr: () => stderr,
    };
  } catch (error) {
    if (!exitedYet) child.kill('SIGKILL');
    await exited;
    throw new Error(`${(error as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILL (if still running) and wait for the exit; throws if it does not exit within `timeoutMs`. */
export async function killServer(server: ServerHandle, timeoutMs = 15_000): Promise<void> {
  if (server.alive()) server.child.kill('SIGKILL');
  await withDeadline(server.exited, timeoutMs, `holdfast serve (pid ${server.pid}) exiting after SIGKILL`);
}

/** An operation on an existing hold, as the driver sends it. */
export type HoldOp = { kind: 'commit' } | { kind: 'release' } | { kind: 'fulfil'; lines?: FulfilLine[] };

export function describeOp(op: HoldOp): string {
  if (op.kind !== 'fulfil') return op.kind;
  return op.lines === undefined ? 'fulfil (all)' : `fulfil ${JSON.stringify(op.lines)}`;
}

/**
 * The reservation after `op` applied to `state` (a legal transition: the driver only sends
 * commit and release to held or committed holds, and fulfil to committed ones). A fulfil with
 * lines draws from the hold's lines at each (sku, location), in order, as the engine does.
 */
export function applyOp(state: Reservation, op: HoldOp): Reservation {
  switch (op.kind) {
    case 'commit':
      return { ...state, status: 'committed' };
    case 'release':
      return { ...state, status: 'released' };
    case 'fulfil': {
      const lines = state.lines.map((line) => ({ ...line }));
      if (op.lines === undefined) {
        for (const line of lines) line.fulfilled = line.qty - line.backordered;
      } else {
        for (const wanted of op.lines) {
          let left = wanted.qty;
          for (const line of lines) {
            if (left === 0 || line.sku !== wanted.sku || line.location !== wanted.location) continue;
            const take = Math.min(left, line.qty - line.fulfilled - line.backordered);
            line.fulfilled += take;
            left -= take;
          }
        }
      }
      const done = lines.every((line) => line.fulfilled === line.qty);
      return { ...state, status: done ? 'fulfilled' : 'committed', lines };
    }
  }
}

/**
 * What is wrong with `reservation` as the hold of `body`: every request line must be there
 * whole (its reservation lines' units add up to the line's qty, same SKU, at the named location
 * if any) and nothing else. An empty list: the hold is whole.
 */
export function wholeHoldProblems(reservation: Reservation, body: ReserveRequest): string[] {
  const problems: string[] = [];
  if (reservation.id !== body.id) problems.push(`id ${reservation.id} is not ${body.id}`);
  if (reservation.channel !== body.channel) problems.push(`channel ${reservation.channel} is not ${body.channel}`);
  body.lines.forEach((line, index) => {
    const placed = reservation.lines.filter((entry) => entry.line === index);
    const units = placed.reduce((sum, entry) => sum + entry.qty, 0);
    if (placed.length === 0) problems.push(`request line ${index} (${line.sku}) is missing`);
    else if (units !== line.qty) problems.push(`request line ${index} (${line.sku}) holds ${units} of ${line.qty}`);
    for (const entry of placed) {
      if (entry.sku !== line.sku)
        problems.push(`request line ${index} is ${line.sku} but its placement says ${entry.sku}`);
      if (line.location !== undefined && entry.location !== line.location) {
        problems.push(`request line ${index} names ${line.location} but was placed at ${entry.location}`);
      }
    }
  });
  for (const entry of reservation.lines) {
    if (entry.line < 0 || entry.line >= body.lines.length)
      problems.push(`a reservation line serves request line ${entry.line}, which the request does not have`);
  }
  return problems;
}
