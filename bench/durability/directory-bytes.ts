import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of every file below `directory` (the shards' journals and snapshots). */
export function directoryBytes(directory: string): number {
  let bytes = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    bytes += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return bytes;
}
