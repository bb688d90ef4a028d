/**
 * Injected storage faults, for tests and chaos drills: after `after` successful calls of `op` in
 * a shard, the next `times` calls fail with an error carrying `code` (ENOSPC, EIO, EMFILE, …), as
 * the real call would. Counted per shard's worker thread, across its in-place recoveries.
 */
import { storageFaultProblem, type StorageFault, type StorageFaultOp } from '../api/storage-options.js';
import { invalidArgument } from './errors.js';

export type { StorageFault, StorageFaultOp };

export class StorageFaults {
  private readonly calls = new Map<StorageFaultOp, number>();

  constructor(private readonly faults: readonly StorageFault[]) {
    for (const fault of faults) assertFault(fault);
  }

  /** Counts one call of `op`; throws the injected error when a fault covers it. */
  check(op: StorageFaultOp): void {
    if (this.faults.length === 0) return;
    const call = this.calls.get(op) ?? 0;
    this.calls.set(op, call + 1);
    for (const fault of this.faults) {
      if (fault.op === op && call >= fault.after && call < fault.after + fault.times) {
        throw Object.assign(new Error(`${fault.code}: injected ${op} failure (call ${call + 1})`), {
          code: fault.code,
        });
      }
    }
  }
}

export const NO_STORAGE_FAULTS = new StorageFaults([]);

function assertFault(fault: StorageFault): void {
  const problem = storageFaultProblem(fault);
  if (problem !== null) throw invalidArgument(problem);
}
