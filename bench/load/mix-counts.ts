import type { Refusal, ReservationResult } from '../../engine/index.js';

/** What the uniform mix counts, on the engine and on the ledger loop alike. */
export interface MixCounts {
  reserve: number;
  /** Reserves that held (reserve calls less their refusals). */
  reserveHeld: number;
  commit: number;
  release: number;
  /** Refused ops, warm-up included (nothing should be refused). */
  refused: number;
  firstRefusal: string;
}

export function createMixCounts(): MixCounts {
  return { reserve: 0, reserveHeld: 0, commit: 0, release: 0, refused: 0, firstRefusal: '' };
}

/**
 * Before the measured pass: the op counts start again; refusals keep counting (checked over warm-up and measured pass).
 */
export function resetOpCounts(counts: MixCounts): void {
  counts.reserve = 0;
  counts.reserveHeld = 0;
  counts.commit = 0;
  counts.release = 0;
}

function countRefusal(counts: MixCounts, refusal: Refusal): void {
  counts.refused += 1;
  if (counts.firstRefusal === '') counts.firstRefusal = `${refusal.error.code}: ${refusal.error.message}`;
}

/** Counts a reserve (`refusal` null: it holds); true when it holds. */
export function countReserve(counts: MixCounts, refusal: Refusal | null): boolean {
  counts.reserve += 1;
  if (refusal !== null) countRefusal(counts, refusal);
  else counts.reserveHeld += 1;
  return refusal === null;
}

/** The mix settles each hold by a commit or a release, 50:50. */
export function drawCommit(): boolean {
  return Math.random() < 0.5;
}

export function countSettle(counts: MixCounts, commit: boolean, result: ReservationResult): void {
  if (!result.ok) countRefusal(counts, result);
  if (commit) counts.commit += 1;
  else counts.release += 1;
}

export function opCountDetails(counts: MixCounts): { reserveOps: number; commitOps: number; releaseOps: number } {
  return { reserveOps: counts.reserve, commitOps: counts.commit, releaseOps: counts.release };
}
