import { OP, createCodec } from '../../engine/shard/protocol.js';
import { ensureShardDirectory, journalPath, JournalWriter } from '../../engine/journal/index.js';

/**
 * Writes shard 0's journal directly: `records` batches of one receive each (the worst case for
 * recovery: no batching at all), as the router would have sent them.
 */
export async function writeSyntheticJournal(
  dataDir: string,
  records: number,
  skus: readonly string[],
): Promise<number> {
  ensureShardDirectory(dataDir, 0);
  const writer = new JournalWriter(journalPath(dataDir, 0, 0), {
    fsync: 'off',
    intervalMs: 1000,
    file: { shard: 0, generation: 0 },
  });
  const codec = createCodec();
  const startMs = 1_000_000;
  for (let seq = 0; seq < records; seq++) {
    writer.append(codec.pack([seq, startMs + seq, OP.RECEIVE, skus[seq % skus.length], 'WH-1', 1]));
  }
  await writer.close();
  return writer.bytes;
}
