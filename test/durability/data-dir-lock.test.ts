/**
 * One owner per data directory: a second engine or server on the same
 * directory fails before recovery with DATA_DIR_LOCKED naming the holder's pid; a holder killed
 * with SIGKILL, or a lock left by a pid since reused, never blocks the next start.
 *
 * From issue 12, finding 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { useEngineDirs } from './support/engine-dirs.js';
import type { Engine } from '../engine/support/helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const ENGINE = fileURLToPath(new URL('../../dist/engine/index.js', import.meta.url));
const TOKEN = 'lock-test-token-3f9d1c7a2b6e4d8f0a5c9e1b7d3f6a2c';
const children: ChildProcess[] = [];
const { dataDir, open: openEngine, close } = useEngineDirs('lock');

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function open(dir: string): Promise<Engine> {
  return openEngine({ shards: 1, dataDir: dir });
}

/** Resolves with the first line of `stream` that matches, or rejects after timeoutMs. */
function lineMatching(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; saw: ${seen}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((candidate) => pattern.test(candidate));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

function serve(dir: string): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--shards', '1', '--data', dir], {
    env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

describe('one owner per data directory', () => {
  it('a second engine in the same process is refused with DATA_DIR_LOCKED naming the directory and pid', async () => {
    const dir = dataDir();
    const first = await open(dir);
    await expect(createEngine({ shards: 1, dataDir: dir })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining(`${dir} is in use by process ${process.pid}`),
    });
    // The refused start changed nothing: the first engine still serves and its lock is intact.
    expect((await first.receive({ sku: 'A', location: 'L1', qty: 1 })).ok).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'holdfast.lock'), 'utf8')).pid).toBe(process.pid);
    await close(first);
    const second = await open(dir);
    expect(second.stats().shards).toHaveLength(1);
  });

  it("a second holdfast serve on the same directory exits 2 with one line naming the first one's pid", async () => {
    const dir = dataDir();
    const first = serve(dir);
    await lineMatching(first, /listening on ws:\/\//);
    const second = serve(dir);
    const { code, output } = await exitOf(second);
    expect(code).toBe(2);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^holdfast serve: DATA_DIR_LOCKED: /);
    expect(lines[0]).toContain(`process ${first.pid}`);
  }, 30_000);

  it('a holder killed with SIGKILL never blocks the next start', async () => {
    const dir = dataDir();
    const script = `const { createEngine } = await import(${JSON.stringify(ENGINE)});
      const engine = await createEngine({ shards: 1, dataDir: ${JSON.stringify(dir)} });
      await engine.receive({ sku: 'A', location: 'L1', qty: 7 });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(holder);
    await lineMatching(holder, /^ready/);
    await expect(createEngine({ shards: 1, dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    const engine = await open(dir);
    const got = await engine.get('A');
    expect(got).toMatchObject({ ok: true, onHand: 7 });
  }, 30_000);

  it('a lock whose pid now belongs to another process (reused pid) is stale and taken', async () => {
    const dir = dataDir();
    // process.ppid runs, but it did not start at the recorded time: the lock's holder is gone.
    writeFileSync(
      join(dir, 'holdfast.lock'),
      JSON.stringify({
        pid: process.ppid,
        processStartTicks: 1,
        host: hostname(),
        startedAt: '2020-01-01T00:00:00.000Z',
        tag: 'old',
      }),
    );
    const engine = await open(dir);
    expect((await engine.receive({ sku: 'A', location: 'L1', qty: 1 })).ok).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'holdfast.lock'), 'utf8')).pid).toBe(process.pid);
  });

  it('a damaged lock file is stale once it is old; a fresh unreadable one is taken as held', async () => {
    const dir = dataDir();
    const path = join(dir, 'holdfast.lock');
    writeFileSync(path, 'garbage');
    await expect(createEngine({ shards: 1, dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await open(dir);
  });

  it('a lock of another host is always held (it cannot be checked from here)', async () => {
    const dir = dataDir();
    writeFileSync(
      join(dir, 'holdfast.lock'),
      JSON.stringify({ pid: 1, processStartTicks: null, host: 'elsewhere.example', startedAt: 'x', tag: 'remote' }),
    );
    await expect(createEngine({ shards: 1, dataDir: dir })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining('process 1 (remote) on elsewhere.example'),
    });
  });

  it('a data directory that is a file is DATA_DIR_INVALID', async () => {
    const dir = dataDir();
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    await expect(createEngine({ shards: 1, dataDir: file })).rejects.toMatchObject({
      code: 'DATA_DIR_INVALID',
      message: expect.stringContaining(file),
    });
  });

  it('racing starters over a stale lock: exactly one wins', async () => {
    const dir = dataDir();
    writeFileSync(
      join(dir, 'holdfast.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12_345, processStartTicks: 5, host: hostname(), startedAt: 'x', tag: 'dead' }),
    );
    const starts = await Promise.allSettled([0, 1, 2].map(() => spawnOpener(dir)));
    const outcomes = starts.map((start) => (start.status === 'fulfilled' ? start.value : 'error'));
    expect(outcomes.filter((outcome) => outcome === 'opened')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'DATA_DIR_LOCKED')).toHaveLength(2);
  }, 40_000);
});

/** A child process that tries to open the directory and, when it can, holds it for a while. */
async function spawnOpener(dir: string): Promise<string> {
  const script = `const { createEngine } = await import(${JSON.stringify(ENGINE)});
    try {
      const engine = await createEngine({ shards: 1, dataDir: ${JSON.stringify(dir)} });
      console.log('opened');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await engine.close();
    } catch (error) { console.log(error.code); }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const { output } = await exitOf(child);
  return output.trim().split('\n')[0];
}
