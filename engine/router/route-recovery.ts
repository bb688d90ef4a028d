import type { EngineError } from '../api/errors.js';
import { FINAL_YES, type HoldSummary } from '../ledger/ledger.js';
import { OP } from '../shard/protocol.js';

/** A cross-shard hold as the shards' records show it after a restart. */
export interface RecoveredMulti {
  id: string;
  /** The shard of each request line; -1 for a line whose part no shard remembers. */
  lineShards: number[];
  /** Shards that keep a part. */
  shards: number[];
  expiresAt: number;
  /** Still held once the fixes are applied (its deadline is the router's to enforce). */
  held: boolean;
}

export interface RecoveredRoutes {
  singles: Array<[id: string, shard: number]>;
  multis: RecoveredMulti[];
  /** Operations that bring a hold's parts back into agreement, to send before serving. */
  fixes: Array<[shard: number, fields: unknown[]]>;
}

interface Part {
  shard: number;
  partCount: number;
  status: string;
  lines: number[];
  expiresAt: number;
  error: EngineError | null;
}

/** How far along a hold's parts can be: a part behind the others missed the operation the router sent them all. */
const PROGRESS = ['held', 'committed', 'expired', 'released', 'fulfilled', 'refused'];

/**
 * Rebuilds the router's hold index from what each shard recovered. A cross-shard hold is
 * recovered whole or not at all: a live part whose siblings no shard has never got its reserve
 * acknowledged (the router answers only once every part is durable), so it is aborted; parts
 * that disagree (a crash between the shards' journals) are moved forward to the furthest one,
 * which is the operation the router had sent to all of them.
 */
export function recoverRoutes(summariesByShard: readonly HoldSummary[][]): RecoveredRoutes {
  const recovered: RecoveredRoutes = { singles: [], multis: [], fixes: [] };
  const parts = new Map<string, Part[]>();
  summariesByShard.forEach((summaries, shard) => {
    for (const [id, partCount, status, lines, expiresAt, error] of summaries) {
      if (partCount === 1) {
        recovered.singles.push([id, shard]);
        continue;
      }
      const known = parts.get(id) ?? [];
      known.push({ shard, partCount, status, lines, expiresAt, error });
      parts.set(id, known);
    }
  });
  for (const [id, group] of parts) recoverMulti(id, group, recovered);
  return recovered;
}

function recoverMulti(id: string, group: Part[], recovered: RecoveredRoutes): void {
  const lineCount = Math.max(...group.map((part) => Math.max(-1, ...part.lines))) + 1;
  const complete = group.length === group[0].partCount;
  if (!complete) {
    const held = group.filter((part) => part.status === 'held');
    for (const part of held) recovered.fixes.push([part.shard, [OP.ABORT_PART, id, null]]);
    const rest = group.filter((part) => part.status !== 'held');
    if (rest.length > 0) recovered.multis.push(multiOf(id, rest, lineCount, false));
    return;
  }
  const { fixes, status } = agreement(id, group);
  recovered.fixes.push(...fixes);
  recovered.multis.push(multiOf(id, group, lineCount, status === 'held'));
}

/** A part of a cross-shard hold as its shard reports it. */
export interface PartState {
  shard: number;
  status: string;
  error: EngineError | null;
}

/**
 * The operations that bring every part of one hold to the furthest part's status (the operation
 * the router had sent them all), and that status.
 */
export function agreement(id: string, parts: readonly PartState[]): { fixes: Array<[shard: number, fields: unknown[]]>; status: string } {
  const target = parts.reduce((far, part) => (PROGRESS.indexOf(part.status) > PROGRESS.indexOf(far.status) ? part : far));
  const fixes: Array<[number, unknown[]]> = [];
  for (const part of parts) for (const fields of catchUp(id, part.status, target)) fixes.push([part.shard, fields]);
  return { fixes, status: target.status };
}

/** The operations that take a part from `status` to the target part's status. */
function catchUp(id: string, status: string, target: PartState): unknown[][] {
  if (status === target.status) return [];
  switch (target.status) {
    case 'committed': return [[OP.COMMIT, id]];
    case 'expired': return [[OP.EXPIRE_PART, id]];
    case 'released': return [[OP.RELEASE, id]];
    case 'fulfilled': return status === 'held' ? [[OP.COMMIT, id], [OP.FULFIL, id, null, FINAL_YES]] : [[OP.FULFIL, id, null, FINAL_YES]];
    case 'refused': return status === 'held' ? [[OP.ABORT_PART, id, target.error]] : [];
    default: return [];
  }
}

function multiOf(id: string, group: Part[], lineCount: number, held: boolean): RecoveredMulti {
  const lineShards = Array.from({ length: lineCount }, () => -1);
  for (const part of group) for (const line of part.lines) lineShards[line] = part.shard;
  return { id, lineShards, shards: group.map((part) => part.shard), expiresAt: group[0].expiresAt, held };
}
