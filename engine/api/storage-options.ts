/**
 * The storage vocabulary of the engine's options: how the journal syncs, and the storage faults a
 * test or chaos drill may inject. It lives here, below the journal, so that resolving options
 * never imports the layer that does the I/O (engine/journal/ reads these names from here).
 */

export type FsyncPolicy = 'always' | 'interval' | 'off';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'off'];

export type StorageFaultOp = 'append' | 'sync' | 'snapshot';
export const STORAGE_FAULT_OPS: readonly StorageFaultOp[] = ['append', 'sync', 'snapshot'];

/** After `after` successful calls of `op` in a shard, the next `times` calls fail with `code`. */
export interface StorageFault {
  op: StorageFaultOp;
  /** Successful calls before the first failing one. */
  after: number;
  /** How many calls fail, from then on. */
  times: number;
  /** The error code the failing call throws (e.g. ENOSPC). */
  code: string;
}

/** What is wrong with a fault description, or null when it is well formed. */
export function storageFaultProblem(fault: StorageFault): string | null {
  if (!STORAGE_FAULT_OPS.includes(fault.op)) return `storage fault op must be one of ${STORAGE_FAULT_OPS.join(', ')}`;
  for (const field of ['after', 'times'] as const) {
    if (!Number.isSafeInteger(fault[field]) || fault[field] < 0) return `storage fault ${field} must be a whole number`;
  }
  if (typeof fault.code !== 'string' || !/^E[A-Z]{2,15}$/.test(fault.code))
    return 'storage fault code must look like ENOSPC';
  return null;
}
