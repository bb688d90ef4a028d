import type { Hold } from './hold.js';
import { RefusalRecord } from './refusal-record.js';

/**
 * What a retained outcome is counted as against retainedOutcomeBytesPerShard: an upper estimate
 * of the heap it keeps alive, calibrated on Node 20 (x64) by measuring heapUsed after gc() over
 * thousands of records (docs/api.md, Options: measured against estimated).
 *
 * - OUTCOME_FIXED_BYTES: the hold object, its entry in the ledger's id map, its slots in the
 *   retention queues, and for a refusal record its digest string (43 characters, when not shared).
 * - OUTCOME_ERROR_BYTES for a refusal's error object (its message may be a rope of pieces).
 * - 2 bytes per character of the id and of the error message (a string's worst case; the SKU
 *   and location strings a hold line points at are the SKU's own, shared, and not counted).
 * - OUTCOME_LINE_BYTES per hold line kept (a released, expired or fulfilled hold keeps its lines;
 *   a refusal record keeps none) and OUTCOME_PART_LINE_BYTES per line index a refused part keeps.
 */
export const OUTCOME_FIXED_BYTES = 320;
export const OUTCOME_ERROR_BYTES = 160;
export const OUTCOME_LINE_BYTES = 100;
export const OUTCOME_PART_LINE_BYTES = 8;
export const STRING_BYTES_PER_CHAR = 2;

export function retainedBytesOf(hold: Hold): number {
  const error = hold.error === null ? 0 : OUTCOME_ERROR_BYTES + hold.error.message.length * STRING_BYTES_PER_CHAR;
  const partLines = hold instanceof RefusalRecord && hold.partLines !== null ? hold.partLines.length : 0;
  return (
    OUTCOME_FIXED_BYTES +
    hold.id.length * STRING_BYTES_PER_CHAR +
    error +
    hold.lines.length * OUTCOME_LINE_BYTES +
    partLines * OUTCOME_PART_LINE_BYTES
  );
}

/** retainedBytesOf() of a released or expired one-line hold with this id (a compact one: hold-table.ts). */
export function oneLineRetainedBytes(id: string): number {
  return OUTCOME_FIXED_BYTES + id.length * STRING_BYTES_PER_CHAR + OUTCOME_LINE_BYTES;
}
