/**
 * `holdfast serve` failing to start: every startup failure is ONE line
 * `holdfast serve: <CODE>: <message>` on stderr and exit status 2 — a port in use
 * (ADDRESS_IN_USE naming host:port), an address not of this machine (ADDRESS_UNAVAILABLE), a
 * `--data` that is a file or lies under one (DATA_DIR_INVALID naming it), a directory another
 * server owns (DATA_DIR_LOCKED, the engine's own code, passed through). The mapping
 * (cli/startup-error.ts) is checked directly for the cases a root test cannot make
 * (an unreadable directory, a port that needs privileges, an error without a code), and every
 * code it makes is documented in docs/service.md.
 *
 * From issue 12, finding 6.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { STARTUP_ERROR_CODES, startupFailure } from '../../dist/cli/startup-error.js';
import { TOKEN, withDeadline } from './support/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
const servers: Server[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function serve(args: string[]): Run {
  const child = spawn(process.execPath, [CLI, 'serve', '--shards', '1', ...args], {
    cwd: ROOT,
    env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const run: Run = { child, stdout: '', stderr: '', exited: Promise.resolve({ code: null, signal: null }) };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    run.stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    run.stderr += chunk;
  });
  run.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return run;
}

/** Runs serve to its exit and checks the one-line, status-2 contract; returns the line. */
async function failedStart(args: string[], code: string): Promise<string> {
  const run = serve(args);
  const exit = await withDeadline(run.exited, 30_000, `holdfast serve ${args.join(' ')} exiting`);
  const lines = run.stderr.split('\n').filter((line) => line.length > 0);
  expect(lines, `stderr is one line: ${JSON.stringify(run.stderr.slice(0, 2_000))}`).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^holdfast serve: ${code}: \\S`));
  expect(run.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
  expect(exit).toEqual({ code: 2, signal: null });
  return lines[0];
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-serve-cli-'));
  dirs.push(dir);
  return dir;
}

/** Resolves with the ws:// URL the server printed. */
async function listening(run: Run): Promise<string> {
  const printed = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /ws:\/\/[^\s'"`<>]+:\d+/.exec(run.stdout);
      if (match !== null) resolve(match[0]);
    };
    run.child.stdout!.on('data', look);
    look();
    run.child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${run.stderr}`)));
  });
  return withDeadline(printed, 30_000, 'holdfast serve listening');
}

describe('holdfast serve: startup failures are one coded line and exit status 2', () => {
  it('a port in use: ADDRESS_IN_USE naming host:port', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const line = await failedStart(['--memory', '--port', String(port)], 'ADDRESS_IN_USE');
    expect(line).toContain(`127.0.0.1:${port}`);
  }, 90_000);

  it('a host that is not an address of this machine: ADDRESS_UNAVAILABLE', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const line = await failedStart(
      ['--memory', '--port', '0', '--host', '192.0.2.1', '--insecure-bind'],
      'ADDRESS_UNAVAILABLE',
    );
    expect(line).toContain('192.0.2.1');
  }, 90_000);

  it('--data that is a file, or lies under one: DATA_DIR_INVALID naming it', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'x');
    expect(await failedStart(['--port', '0', '--data', file], 'DATA_DIR_INVALID')).toContain(file);
    expect(await failedStart(['--port', '0', '--data', join(file, 'below')], 'DATA_DIR_INVALID')).toContain(
      join(file, 'below'),
    );
  }, 90_000);

  it(
    'a directory another server owns: DATA_DIR_LOCKED ' + "(the engine's code, passed through) naming its pid",
    async () => {
      const dir = tempDir();
      const first = serve(['--port', '0', '--data', dir]);
      await listening(first);
      const line = await failedStart(['--port', '0', '--data', dir], 'DATA_DIR_LOCKED');
      expect(line).toContain(String(first.child.pid));
      first.child.kill('SIGTERM');
      expect(await withDeadline(first.exited, 30_000, 'the first server stopping')).toEqual({ code: 0, signal: null });
      expect(first.stdout.trim().split('\n').at(-1)).toMatch(
        /^holdfast serve: stopped \(answered 0 requests in flight\)$/,
      );
    },
    90_000,
  );
});

describe('startupFailure (cli/startup-error.ts)', () => {
  const context = { host: '127.0.0.1', port: 80, dataDir: '/srv/holdfast' };
  const systemError = (code: string, syscall: string, message: string) =>
    Object.assign(new Error(message), { code, syscall });

  it('maps the system errors of listening', () => {
    expect(startupFailure(systemError('EADDRINUSE', 'listen', 'listen EADDRINUSE'), context).code).toBe(
      'ADDRESS_IN_USE',
    );
    expect(
      startupFailure(systemError('EACCES', 'listen', 'listen EACCES: permission denied 127.0.0.1:80'), context),
    ).toEqual({
      code: 'ADDRESS_NOT_PERMITTED',
      message: 'may not listen on 127.0.0.1:80 (listen EACCES: permission denied 127.0.0.1:80)',
    });
    expect(
      startupFailure(systemError('ENOTFOUND', 'getaddrinfo', 'getaddrinfo ENOTFOUND nope'), {
        ...context,
        host: 'nope',
      }).code,
    ).toBe('ADDRESS_UNAVAILABLE');
    expect(startupFailure(systemError('EADDRINUSE', 'listen', 'x'), { ...context, host: '::1' }).message).toContain(
      '[::1]:80',
    );
  });

  it('an unreadable data directory (as a shard reports it) is DATA_DIR_INVALID naming the directory', () => {
    const fromShard = Object.assign(
      new Error(
        'holdfast: the shard workers did not start: shard 0: EACCES: ' +
          "permission denied, open '/srv/holdfast/shard-0/journal-0.log'",
      ),
      { code: 'EACCES' },
    );
    const failure = startupFailure(fromShard, context);
    expect(failure.code).toBe('DATA_DIR_INVALID');
    expect(failure.message).toContain('/srv/holdfast');
    expect(
      startupFailure(fromShard, { ...context, dataDir: null }).code,
      'in memory, a system error keeps its code',
    ).toBe('EACCES');
  });

  it('a coded error keeps its code; an uncoded one is STARTUP_FAILED; the message is one line', () => {
    const corrupt = Object.assign(
      new Error('journal /srv/holdfast/shard-0/journal-3.log is corrupt at byte offset 40'),
      { code: 'JOURNAL_CORRUPT' },
    );
    expect(startupFailure(corrupt, context)).toEqual({ code: 'JOURNAL_CORRUPT', message: corrupt.message });
    expect(
      startupFailure(
        Object.assign(new Error('data directory /d is in use by process 7'), { code: 'DATA_DIR_LOCKED' }),
        context,
      ).code,
    ).toBe('DATA_DIR_LOCKED');
    expect(startupFailure(new Error('first\n   second'), context)).toEqual({
      code: 'STARTUP_FAILED',
      message: 'first second',
    });
    expect(startupFailure('a string', context)).toEqual({ code: 'STARTUP_FAILED', message: 'a string' });
    expect(startupFailure(Object.assign(new Error('odd'), { code: 'not a code' }), context).code).toBe(
      'STARTUP_FAILED',
    );
    expect(startupFailure(new Error('x'.repeat(5_000)), context).message.length).toBeLessThanOrEqual(2_001);
  });

  it('every startup error code is documented in docs/service.md', () => {
    const serviceDoc = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8');
    for (const code of Object.keys(STARTUP_ERROR_CODES)) expect(serviceDoc, code).toContain(`\`${code}\``);
  });
});
