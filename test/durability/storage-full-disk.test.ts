/**
 * Fail-stop on a real full disk: a 1 MiB tmpfs fills up under reserves and
 * commits. Every answer that is not success leaves no trace (after the shard recovers by itself
 * once space is freed, and after a restart); every acknowledged one survives. Needs root (to mount
 * the tmpfs): CI runs as root; elsewhere the test is skipped and says so.
 *
 * From issue 12, finding 4.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { healthOf } from '../../dist/engine/gateway/http-routes.js';
import { expectOk } from '../engine/support/helpers.js';
import { untilHealthy } from './support/until-healthy.js';

/** A shard retries its storage on each poll: on a freed disk it serves again well within this. */
const HEALTHY_WITHIN = { timeoutMs: 15_000, pollMs: 25 };

const isRoot = process.getuid?.() === 0;
let mountPoint = '';

beforeAll(() => {
  if (!isRoot) return;
  mountPoint = mkdtempSync(join(tmpdir(), 'holdfast-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
});

afterAll(() => {
  if (mountPoint === '') return;
  execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const LONG = 'x'.repeat(100);

/** Writes a file that leaves `freeBytes` of the tmpfs free. */
function fillAllBut(path: string, freeBytes: number): void {
  const { bavail, bsize } = statfsSync(mountPoint);
  writeFileSync(path, Buffer.alloc(Math.max(0, bavail * bsize - freeBytes)));
}

describe.skipIf(!isRoot)('fail-stop on a real full disk (1 MiB tmpfs)', () => {
  it(
    'reserves and commits answered STORAGE_FAILED leave no ' + 'trace; acknowledged ones survive recovery and restart',
    async () => {
      const dataDir = join(mountPoint, 'data');
      const filler = join(mountPoint, 'filler');
      writeFileSync(filler, Buffer.alloc(256 * 1024));
      const options = {
        shards: 1,
        dataDir,
        fsync: 'always' as const,
        storageRetryIntervalMs: 50,
        snapshotEveryRecords: 1_000_000,
      };
      let engine = await createEngine(options);
      try {
        expectOk(await engine.receive({ sku: 'A', location: 'L1', qty: 1_000_000 }));
        const held: string[] = [];
        const failed: string[] = [];
        let sawDegraded = false;
        for (let round = 0; round < 2_000 && failed.length === 0; round++) {
          const ids = Array.from({ length: 40 }, (_, i) => `${LONG}-${round}-${i}`);
          const answers = await Promise.all(
            ids.map((id) => engine.reserve({ id, channel: 'web', ttlMs: 600_000, lines: [{ sku: 'A', qty: 1 }] })),
          );
          answers.forEach((answer, i) => {
            if (answer.ok) held.push(ids[i]);
            else {
              expect(answer.error.code).toBe('STORAGE_FAILED');
              failed.push(ids[i]);
            }
          });
          if (failed.length > 0) {
            const health = healthOf(engine, false);
            sawDegraded = health.status === 'degraded' && /ENOSPC/.test(JSON.stringify(health.shards));
          }
        }
        expect(failed.length, 'the disk filled up').toBeGreaterThan(0);
        expect(held.length).toBeGreaterThan(0);
        expect(sawDegraded, '/healthz degraded naming ENOSPC').toBe(true);
        // Still full: the shard cannot recover; once space is freed it does, by itself.
        rmSync(filler);
        await untilHealthy(engine, HEALTHY_WITHIN);
        // Commits on a disk filled again (all but 4 KiB): those answered STORAGE_FAILED stay held.
        fillAllBut(join(mountPoint, 'filler2'), 4 * 1024);
        const committed: string[] = [];
        const notCommitted: string[] = [];
        for (let start = 0; start < held.length && notCommitted.length === 0; start += 40) {
          const slice = held.slice(start, start + 40);
          const answers = await Promise.all(slice.map((id) => engine.commit(id)));
          answers.forEach((answer, i) => {
            if (answer.ok) committed.push(slice[i]);
            else {
              expect(answer.error.code).toBe('STORAGE_FAILED');
              notCommitted.push(slice[i]);
            }
          });
        }
        expect(notCommitted.length, 'a commit met the full disk').toBeGreaterThan(0);
        rmSync(join(mountPoint, 'filler2'));
        await untilHealthy(engine, HEALTHY_WITHIN);
        const check = async (where: string) => {
          for (const id of failed)
            expect((await engine.getReservation(id)).ok, `${where}: ${id.slice(-12)} answered STORAGE_FAILED`).toBe(
              false,
            );
          for (const id of committed)
            expect(expectOk(await engine.getReservation(id)).reservation.status, `${where}: committed`).toBe(
              'committed',
            );
          for (const id of notCommitted)
            expect(expectOk(await engine.getReservation(id)).reservation.status, `${where}: commit refused`).toBe(
              'held',
            );
          const position = await engine.get('A');
          expect(position).toMatchObject({
            ok: true,
            onHand: 1_000_000,
            reserved: held.length - committed.length,
            committed: committed.length,
          });
        };
        await check('after recovery');
        await engine.close();
        engine = await createEngine(options);
        await check('after restart');
      } finally {
        await engine.close();
      }
    },
    120_000,
  );
});
