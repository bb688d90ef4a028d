/**
 * A clean close leaves one generation: `engine.close()` waits for each shard to finish the last
 * snapshot's housekeeping (the previous journal's last sync and the old generation's deletion)
 * and to close its journal with a last sync, before the worker threads stop. Before, the workers
 * were stopped mid-housekeeping, so a loaded machine left two snapshots behind (recovery deleted
 * them, but a reader of the directory saw two).
 *
 * From issue 13 (a flaky test in test/engine/memory-bounds.test.ts traced here).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOk } from '../engine/support/helpers.js';
import { useEngineDirs } from './support/engine-dirs.js';

const ROUNDS = 8;
const RECEIVES = 5_000;

function generations(dir: string, shard: number): { snapshots: string[]; journals: string[] } {
  const names = readdirSync(join(dir, `shard-${shard}`));
  return {
    snapshots: names.filter((name) => name.endsWith('.snap')),
    journals: names.filter((name) => name.endsWith('.log')),
  };
}

describe('a clean close', () => {
  const { dataDir, open, close } = useEngineDirs('clean-close');

  it(
    `leaves exactly one snapshot and one journal per shard, ` + `closing right after a snapshot (${ROUNDS} rounds)`,
    async () => {
      const dir = dataDir();
      const options = {
        shards: 1,
        dataDir: dir,
        snapshotEveryRecords: 1,
        fsync: 'interval',
        fsyncIntervalMs: 60_000,
      } as const;
      for (let round = 0; round < ROUNDS; round++) {
        const engine = await open(options);
        // One large record the interval policy has not synced yet; the next operation finds a
        // snapshot due, so the previous journal's close (its last sync of those bytes) and the
        // deletion of its generation are under way when the engine closes.
        const receives = Array.from({ length: RECEIVES }, (_, i) => ({
          op: 'receive' as const,
          args: [{ sku: `S-${round}-${i}`, location: 'WH', qty: 1 }],
        }));
        expectOk(await engine.batch(receives));
        expectOk(await engine.receive({ sku: `T-${round}`, location: 'WH', qty: 1 }));
        await close(engine);
        const files = generations(dir, 0);
        expect(files.snapshots, `round ${round}`).toHaveLength(1);
        expect(files.journals, `round ${round}`).toHaveLength(1);
      }
      const engine = await open({ shards: 1, dataDir: dir });
      for (let round = 0; round < ROUNDS; round++) {
        expect(expectOk(await engine.get(`T-${round}`)).onHand, `T-${round}`).toBe(1);
        expect(expectOk(await engine.get(`S-${round}-${RECEIVES - 1}`)).onHand, `S-${round}-${RECEIVES - 1}`).toBe(1);
      }
    },
    60_000,
  );
});
