import { readFileSync } from 'node:fs';

/**
 * Descriptors kept out of the sockets' reach: the process's own (stdio, libuv's epoll and
 * pipes, about 30 with two shards), plus per shard its worker's and its journal's and
 * snapshot's files, with room for a worker being replaced.
 */
export const RESERVED_DESCRIPTORS = 64;
export const RESERVED_DESCRIPTORS_PER_SHARD = 8;

/** The soft limit on open files of this process (`ulimit -n`), from /proc/self/limits; null where unknown. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    const soft = line === undefined ? undefined : /^Max open files\s+(\S+)/.exec(line)?.[1];
    const value = soft === undefined ? Number.NaN : Number(soft);
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/**
 * The sockets the gateway may hold: maxConnections, capped so that sockets can never take the
 * descriptors the journal, the snapshots and the workers need (EMFILE there would stop a shard).
 */
export function socketLimit(maxConnections: number, shards: number, fileLimit: number | null): number {
  if (fileLimit === null) return maxConnections;
  const room = fileLimit - RESERVED_DESCRIPTORS - RESERVED_DESCRIPTORS_PER_SHARD * shards;
  return Math.max(1, Math.min(maxConnections, room));
}
