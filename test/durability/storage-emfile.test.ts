/**
 * Fail-stop on a real EMFILE: with every file descriptor of the process
 * taken, the shard's snapshot cannot open its files. Receives answered STORAGE_FAILED were not
 * applied (a retrying ERP counts its stock once); acknowledged ones survive; once descriptors are
 * free again the shard recovers by itself. Runs in a child process under `ulimit -n`.
 *
 * From issue 12, finding 4.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ENGINE = fileURLToPath(new URL('../../dist/engine/index.js', import.meta.url));
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The child: fills its descriptor table, receives one SKU at a time, frees the table, reads back. */
function script(dataDir: string): string {
  return `
    import { openSync, closeSync } from 'node:fs';
    const { createEngine } = await import(${JSON.stringify(ENGINE)});
    const options = { shards: 1, dataDir: ${JSON.stringify(dataDir)}, snapshotEveryRecords: 3, storageRetryIntervalMs: 20 };
    let engine = await createEngine(options);
    const hoard = [];
    for (;;) { try { hoard.push(openSync('/dev/null', 'r')); } catch (error) { if (error.code === 'EMFILE') break; throw error; } }
    const answers = [];
    for (let i = 0; i < 12; i++) {
      const answer = await engine.receive({ sku: 'S' + i, location: 'L1', qty: 5 });
      answers.push(answer.ok ? 'ok' : answer.error.code);
    }
    for (const fd of hoard) closeSync(fd);
    while (!engine.stats().shards[0].healthy) { await new Promise((r) => setTimeout(r, 20)); await engine.expireDue(); }
    for (let i = 0; i < 12; i++) if (answers[i] !== 'ok') await engine.receive({ sku: 'S' + i, location: 'L1', qty: 5 });
    const live = [];
    for (let i = 0; i < 12; i++) { const got = await engine.get('S' + i); live.push(got.ok ? got.onHand : got.error.code); }
    await engine.close();
    engine = await createEngine(options);
    const restarted = [];
    for (let i = 0; i < 12; i++) { const got = await engine.get('S' + i); restarted.push(got.ok ? got.onHand : got.error.code); }
    await engine.close();
    console.log(JSON.stringify({ answers, live, restarted }));`;
}

describe('fail-stop on EMFILE (ulimit -n)', () => {
  it('receives answered STORAGE_FAILED were not applied; retried, each SKU counts its stock once', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'holdfast-emfile-'));
    dirs.push(dataDir);
    const file = join(dataDir, 'child.mjs');
    execFileSync('bash', ['-c', `cat > ${JSON.stringify(file)}`], { input: script(join(dataDir, 'data')) });
    const output = execFileSync(
      'bash',
      ['-c', `ulimit -n 128 && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(file)}`],
      { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const { answers, live, restarted } = JSON.parse(output.trim().split('\n').at(-1) as string) as Record<
      string,
      Array<string | number>
    >;
    expect(answers).toContain('STORAGE_FAILED');
    expect(answers).toContain('ok');
    for (const code of answers) expect(['ok', 'STORAGE_FAILED']).toContain(code);
    expect(live).toEqual(Array(12).fill(5));
    expect(restarted).toEqual(Array(12).fill(5));
  }, 90_000);
});
