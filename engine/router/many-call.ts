import { refuse, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import { invariant } from '../../shared/invariant.js';

/**
 * A many-call's list, checked whole: not an array, or longer than LIMITS.manyOpsMax, and the call
 * is refused before anything runs. Each entry is then checked on its own by the single call's rules.
 */
export function checkManyList(value: unknown, field: string, what: string): Refusal | null {
  if (!Array.isArray(value)) return refuse.invalidArgument(field, `must be an array of ${what}`);
  if (value.length > LIMITS.manyOpsMax)
    return refuse.invalidArgument(field, `must have at most ${LIMITS.manyOpsMax} entries, got ${value.length}`);
  return null;
}

/**
 * The answers of a many-call, gathered into one array by slot, resolved once when the last slot
 * is filled: one promise per call, not one per operation.
 */
export class Gather<T> {
  readonly results: T[];
  readonly promise: Promise<T[]>;
  /** Slots not yet filled, plus one until every operation was handed out (seal). */
  private pending: number;
  private resolve: ((results: T[]) => void) | null = null;

  constructor(count: number) {
    this.results = new Array<T>(count);
    this.pending = count + 1;
    this.promise = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Fills one slot; each slot exactly once. */
  set(slot: number, result: T): void {
    invariant(this.results[slot] === undefined, 'a slot of a many-call answered twice');
    this.results[slot] = result;
    this.done();
  }

  /** Every operation has been handed out: the answer resolves once the last of them is in. */
  seal(): Promise<T[]> {
    this.done();
    return this.promise;
  }

  private done(): void {
    this.pending--;
    invariant(this.pending >= 0, 'a many-call resolved more answers than it has slots');
    if (this.pending === 0) (this.resolve as (results: T[]) => void)(this.results);
  }
}
