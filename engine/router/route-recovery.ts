import type { EngineError } from '../api/errors.js';
import type { FulfilLine } from '../api/types.js';
import { FINAL_NO, FINAL_YES, type HoldSummary } from '../ledger/ledger.js';
import { OP } from '../shard/protocol.js';
import { invariant } from '../../shared/invariant.js';

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

interface Part extends PartAtShard {
  partCount: number;
  lines: number[];
  expiresAt: number;
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
export function recoverRoutes(
  summariesByShard: readonly HoldSummary[][],
  shardOf: (sku: string) => number,
): RecoveredRoutes {
  const recovered: RecoveredRoutes = { singles: [], multis: [], fixes: [] };
  const parts = new Map<string, Part[]>();
  summariesByShard.forEach((summaries, shard) => {
    for (const [id, partCount, status, lines, expiresAt, error, fulfils, lastFulfil] of summaries) {
      if (partCount === 1) {
        recovered.singles.push([id, shard]);
        continue;
      }
      const known = parts.get(id) ?? [];
      known.push({ shard, partCount, status, lines, expiresAt, error, fulfils, lastFulfil });
      parts.set(id, known);
    }
  });
  for (const [id, group] of parts) recoverMulti(id, group, recovered, shardOf);
  return recovered;
}

function recoverMulti(id: string, group: Part[], recovered: RecoveredRoutes, shardOf: (sku: string) => number): void {
  const lineCount = Math.max(...group.map((part) => Math.max(-1, ...part.lines))) + 1;
  const first = group[0];
  invariant(first !== undefined, `recovered reservation '${id}' has no parts`);
  const complete = group.length === first.partCount;
  if (!complete) {
    const held = group.filter((part) => part.status === 'held');
    for (const part of held) recovered.fixes.push([part.shard, [OP.ABORT_PART, id, null]]);
    // A refused reserve whose other parts never reached a journal is forgotten: a retry asks every
    // shard again, and the part that recorded the refusal answers it (the original outcome).
    const rest = group.filter((part) => part.status !== 'held' && part.status !== 'refused');
    if (rest.length > 0) recovered.multis.push(multiOf(id, rest, lineCount, false));
    return;
  }
  const { fixes, status } = agreement(id, group, shardOf);
  recovered.fixes.push(...fixes);
  recovered.multis.push(multiOf(id, group, lineCount, status === 'held'));
}

/** A part of a cross-shard hold as reconciliation compares it: its shard's report, tagged with the shard. */
export interface PartAtShard {
  shard: number;
  status: string;
  error: EngineError | null;
  /** Fulfils applied to the part, and the last one's lines as the whole hold saw them. */
  fulfils: number;
  lastFulfil: FulfilLine[] | null;
}

/**
 * The operations that bring every part of one hold to the furthest part (the operation the
 * router had sent them all), and the status they agree on. A fulfil comes first: a part one
 * fulfil behind applies the leader's last fulfil (its own lines of it); then the statuses.
 */
export function agreement(
  id: string,
  parts: readonly PartAtShard[],
  shardOf: (sku: string) => number,
): { fixes: Array<[shard: number, fields: unknown[]]>; status: string } {
  const fixes: Array<[number, unknown[]]> = [];
  const leader = parts.reduce((most, part) => (part.fulfils > most.fulfils ? part : most));
  const states = parts.map((part) => {
    if (part.fulfils !== leader.fulfils - 1 || part.status !== 'committed') return part;
    const lines =
      leader.lastFulfil === null ? null : leader.lastFulfil.filter((line) => shardOf(line.sku) === part.shard);
    const final = leader.status === 'fulfilled' ? FINAL_YES : FINAL_NO;
    fixes.push([part.shard, [OP.FULFIL, id, lines, final, { no: leader.fulfils, lines: leader.lastFulfil }]]);
    return { ...part, fulfils: leader.fulfils, status: leader.status === 'fulfilled' ? 'fulfilled' : part.status };
  });
  const target = states.reduce((far, part) =>
    PROGRESS.indexOf(part.status) > PROGRESS.indexOf(far.status) ? part : far,
  );
  for (const part of states) for (const fields of catchUp(id, part.status, target)) fixes.push([part.shard, fields]);
  return { fixes, status: target.status };
}

/** The operations that take a part from `status` to the target part's status. */
function catchUp(id: string, status: string, target: PartAtShard): unknown[][] {
  if (status === target.status) return [];
  switch (target.status) {
    case 'committed':
      return [[OP.COMMIT, id]];
    case 'expired':
      return [[OP.EXPIRE_PART, id]];
    case 'released':
      return [[OP.RELEASE, id]];
    case 'fulfilled':
      return status === 'held'
        ? [
            [OP.COMMIT, id],
            [OP.FULFIL, id, null, FINAL_YES, null],
          ]
        : [[OP.FULFIL, id, null, FINAL_YES, null]];
    case 'refused':
      return status === 'held' ? [[OP.ABORT_PART, id, target.error]] : [];
    default:
      return [];
  }
}

function multiOf(id: string, group: Part[], lineCount: number, held: boolean): RecoveredMulti {
  const lineShards = Array.from({ length: lineCount }, () => -1);
  for (const part of group) for (const line of part.lines) lineShards[line] = part.shard;
  const first = group[0];
  invariant(first !== undefined, `recovered reservation '${id}' has no parts`);
  return { id, lineShards, shards: group.map((part) => part.shard), expiresAt: first.expiresAt, held };
}
