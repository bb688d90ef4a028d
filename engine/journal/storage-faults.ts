/**
 * Injected storage faults, for tests and chaos drills: after `after` successful calls of `op` in
 * a shard, the next `times` calls fail with an error carrying `code` (ENOSPC, EIO, EMFILE, …), as
 * the real call would. Counted per shard's worker thread, across its in-place recoveries.
 */
import { invalidArgument } from './errors.js';

export type StorageFaultOp = 'append' | 'sync' | 'snapshot';
export const STORAGE_FAULT_OPS: readonly StorageFaultOp[] = ['append', 'sync', 'snapshot'];

export interface StorageFault {
  op: StorageFaultOp;
  /** Successful calls before the first failing one. */
  after: number;
  /** How many calls fail, from then on. */
  times: number;
  /** The error code the failing call throws (e.g. ENOSPC). */
  code: string;
}

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
        throw Object.assign(new Error(`${fault.code}: injected ${op} failure (call ${call + 1})`), { code: fault.code });
      }
    }
  }
}

export const NO_STORAGE_FAULTS = new StorageFaults([]);

function assertFault(fault: StorageFault): void {
  if (!STORAGE_FAULT_OPS.includes(fault.op)) throw invalidArgument(`storage fault op must be one of ${STORAGE_FAULT_OPS.join(', ')}`);
  for (const field of ['after', 'times'] as const) {
    if (!Number.isSafeInteger(fault[field]) || fault[field] < 0) throw invalidArgument(`storage fault ${field} must be a whole number`);
  }
  if (typeof fault.code !== 'string' || !/^E[A-Z]{2,15}$/.test(fault.code)) throw invalidArgument('storage fault code must look like ENOSPC');
}
