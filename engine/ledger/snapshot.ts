import type { EngineError } from '../api/errors.js';
import type { FulfilLine, Policy } from '../api/types.js';
import { COMMITTED, HELD, REFUSED } from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import { BackorderQueue } from './backorder-queue.js';
import { ChannelPolicy, countChannelUse } from './channel-policy.js';
import { bodyDigest, lineIndexesOf, requestLinesOf } from './body-digest.js';
import { Hold, HoldLine } from './hold.js';
import type { PlacementRequest, WholeFulfil } from './ledger-types.js';
import { type MovementLog } from './movement-log.js';
import type { Position } from './position.js';
import { RefusalRecord } from './refusal-record.js';
import { retainedBytesOf } from './outcome-bytes.js';
import type { Retention } from './retention.js';
import { SkuState } from './sku-state.js';
import { TransferRecord, type TransferBook } from './transfers.js';

/**
 * Bumped when the layout below changes; a snapshot of a version not in READABLE_VERSIONS is
 * refused. Version 2: a refused reserve is a compact record (SavedRefusal, no lines); a
 * version 1 refusal, saved with its lines, is read into one.
 */
export const SNAPSHOT_VERSION = 2;
/** Exported for recovery, which refuses another version with a coded error naming the file. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

/** The ledger's counters that a snapshot carries (the rest are recounted). */
export interface LedgerScalars {
  nowMs: number;
  holdOrder: number;
  shippedWithoutStock: number;
  returnsRestocked: number;
  returnsReconcileMsTotal: number;
  returnsReconcileMsMax: number;
}

/** What snapshot.ts reads and rebuilds of a ledger: its collections, and its counters by value. */
export interface LedgerInternals {
  skus: Map<string, SkuState>;
  /** id → Hold, or a compact hold's slot number (hold-table.ts); a restore puts Hold objects in. */
  holds: Map<string, Hold | number>;
  /** Every hold and refusal record as an object (compact holds as copies), in the id map's order. */
  holdList: () => Hold[];
  /** Queues a restored held hold for its deadline. */
  queueDeadline: (hold: Hold) => void;
  retention: Retention<Hold | number>;
  /** The retained outcomes' ids, oldest first. */
  retainedIds: () => string[];
  transfers: TransferBook;
  partFulfils: Map<string, WholeFulfil>;
  intern: (channel: string) => string;
  rank: (location: string) => number;
  movementLog: () => MovementLog;
  scalars: LedgerScalars;
  restored: (scalars: LedgerScalars, liveHolds: number, positions: number) => void;
}

type SavedMovements = ReturnType<MovementLog['save']>;
type SavedPosition = [
  location: string,
  onHand: number,
  reserved: number,
  committed: number,
  inbound: number,
  quarantined: number,
  backordered: number,
  lastSyncAsOf: number,
  movements: SavedMovements | null,
];
type SavedSku = [sku: string, seq: number, mode: number, policy: Policy | null, positions: SavedPosition[]];
type SavedLine = [
  sku: string,
  requested: string | null,
  qty: number,
  location: string | null,
  line: number,
  fulfilled: number,
  backordered: number,
  backorderedAtReserve: number,
];
/** What a refusal record keeps instead of lines: its body's digest, and a part's whole-hold line indexes. */
type SavedRefusal = [digest: string, partLines: number[] | null];
type SavedHold = [
  id: string,
  channel: string,
  ttlMs: number,
  expiresAt: number,
  partCount: number,
  placement: PlacementRequest,
  status: number,
  order: number,
  terminalAtMs: number,
  error: EngineError | null,
  lines: SavedLine[],
  refusal?: SavedRefusal | null,
];
type SavedTransfer = [
  id: string,
  sku: string,
  from: string,
  to: string,
  qty: number,
  inTransit: boolean,
  status: TransferRecord['status'],
  seq: number,
  receivedSeq: number,
];

/** A ledger's whole state as plain data (msgpack-able). */
export interface LedgerSnapshot {
  version: number;
  scalars: LedgerScalars;
  skus: SavedSku[];
  holds: SavedHold[];
  /** Ids of the retained outcomes, oldest first. */
  retention: string[];
  /** The bytes each was counted as against retainedOutcomeBytes (version 2; version 1: estimated again). */
  retentionBytes?: number[];
  /** Per SKU, its waiting backorders in fill order: [hold id, index of the line in the hold]. */
  backorders: Array<[sku: string, entries: Array<[holdId: string, lineIndex: number]>]>;
  transfers: SavedTransfer[];
  /** Parts' last fulfils as the whole hold saw them: [hold id, fulfil number, lines | null]. */
  partFulfils: Array<[id: string, no: number, lines: FulfilLine[] | null]>;
}

export function takeSnapshot(ledger: LedgerInternals): LedgerSnapshot {
  const holds = ledger.holdList();
  return {
    version: SNAPSHOT_VERSION,
    scalars: { ...ledger.scalars },
    skus: [...ledger.skus.values()].map(saveSku),
    holds: holds.map(saveHold),
    retention: ledger.retainedIds(),
    retentionBytes: ledger.retention.sizesBytes(),
    backorders: saveBackorders(holds),
    transfers: ledger.transfers.toArray().map(saveTransfer),
    partFulfils: [...ledger.partFulfils].map(([id, { no, lines }]) => [id, no, lines]),
  };
}

function saveSku(state: SkuState): SavedSku {
  const positions = state.ordered.map((p): SavedPosition => [
    p.location,
    p.onHand,
    p.reserved,
    p.committed,
    p.inbound,
    p.quarantined,
    p.backordered,
    p.lastSyncAsOf,
    p.movements === null ? null : p.movements.save(),
  ]);
  return [state.sku, state.seq, state.mode, state.policy?.policy ?? null, positions];
}

function saveHold(hold: Hold): SavedHold {
  if (hold instanceof RefusalRecord) {
    return [
      hold.id,
      hold.channel,
      hold.ttlMs,
      hold.expiresAt,
      hold.partCount,
      hold.placement,
      hold.status,
      hold.order,
      hold.terminalAtMs,
      hold.error,
      [],
      [hold.digest, hold.partLines === null ? null : [...hold.partLines]],
    ];
  }
  invariant(hold.status !== REFUSED, `snapshot: refused ${hold.id} is not a compact refusal record`);
  const lines = hold.lines.map((line): SavedLine => [
    line.sku,
    line.requested ?? null,
    line.qty,
    line.position === null ? null : line.location,
    line.line,
    line.fulfilled,
    line.backordered,
    line.backorderedAtReserve,
  ]);
  return [
    hold.id,
    hold.channel,
    hold.ttlMs,
    hold.expiresAt,
    hold.partCount,
    hold.placement,
    hold.status,
    hold.order,
    hold.terminalAtMs,
    hold.error,
    lines,
  ];
}

/** The backorder queues, recovered from the holds in fill order (a queue's order is its holds' order). */
function saveBackorders(holds: readonly Hold[]): LedgerSnapshot['backorders'] {
  const bySku = new Map<string, Array<[string, number, number]>>();
  for (const hold of holds) {
    hold.lines.forEach((line, index) => {
      if (line.backordered === 0 || (hold.status !== HELD && hold.status !== COMMITTED)) return;
      const entries = bySku.get(line.sku) ?? [];
      entries.push([hold.id, index, hold.order]);
      bySku.set(line.sku, entries);
    });
  }
  return [...bySku].map(([sku, entries]) => [
    sku,
    entries.sort((a, b) => a[2] - b[2]).map(([id, index]) => [id, index]),
  ]);
}

function saveTransfer(record: TransferRecord): SavedTransfer {
  return [
    record.id,
    record.sku,
    record.from.location,
    record.to.location,
    record.qty,
    record.inTransit,
    record.status,
    record.seq,
    record.receivedSeq,
  ];
}

/** Rebuilds a fresh ledger's state from a snapshot. */
export function restoreSnapshot(ledger: LedgerInternals, snapshot: LedgerSnapshot): void {
  invariant(
    READABLE_VERSIONS.includes(snapshot.version),
    `snapshot version ${snapshot.version} is not one of ${READABLE_VERSIONS.join(', ')}`,
  );
  invariant(ledger.skus.size === 0 && ledger.holds.size === 0, 'a snapshot restores into an empty ledger');
  let positions = 0;
  for (const saved of snapshot.skus) positions += restoreSku(ledger, saved);
  let liveHolds = 0;
  for (const saved of snapshot.holds) {
    const hold = restoreHold(ledger, saved);
    ledger.holds.set(hold.id, hold);
    if (hold.status === HELD || hold.status === COMMITTED) liveHolds++;
    if (hold.status === HELD && hold.partCount === 1) ledger.queueDeadline(hold);
  }
  restoreRetention(ledger, snapshot.retention, snapshot.retentionBytes);
  restoreBackorders(ledger, snapshot.backorders);
  for (const saved of snapshot.transfers) ledger.transfers.restore(restoreTransfer(ledger, saved));
  for (const [id, no, lines] of snapshot.partFulfils) ledger.partFulfils.set(id, { no, lines });
  const holds = ledger.holdList();
  for (const state of ledger.skus.values()) if (state.policy !== null) countChannelUse(holds, state.sku, state.policy);
  ledger.restored(snapshot.scalars, liveHolds, positions);
}

function restoreSku(ledger: LedgerInternals, [sku, seq, mode, policy, positions]: SavedSku): number {
  const state = new SkuState(sku);
  state.seq = seq;
  state.mode = mode;
  state.policy = policy === null ? null : new ChannelPolicy(policy);
  for (const [
    location,
    onHand,
    reserved,
    committed,
    inbound,
    quarantined,
    backordered,
    lastSyncAsOf,
    movements,
  ] of positions) {
    const position = state.addPosition(location, ledger.rank(location));
    Object.assign(position, { onHand, reserved, committed, inbound, quarantined, backordered, lastSyncAsOf });
    if (movements !== null) {
      position.movements = ledger.movementLog();
      position.movements.load(movements);
    }
  }
  state.recountTotals();
  ledger.skus.set(sku, state);
  return positions.length;
}

function restoreHold(ledger: LedgerInternals, saved: SavedHold): Hold {
  const [id, channel, ttlMs, expiresAt, partCount, placement, status, order, terminalAtMs, error, lines, refusal] =
    saved;
  if (status === REFUSED) return restoreRefusal(ledger, saved, refusal ?? null);
  const held = lines.map(([sku, requested, qty, location, line, fulfilled, backordered, backorderedAtReserve]) => {
    const position = location === null ? null : positionOf(ledger, sku, location);
    const restored = new HoldLine(position?.state.sku ?? sku, requested ?? undefined, qty, position, line);
    Object.assign(restored, { fulfilled, backordered, backorderedAtReserve });
    return restored;
  });
  const hold = new Hold(id, ledger.intern(channel), ttlMs, expiresAt, held, partCount, placement);
  Object.assign(hold, { status, order, terminalAtMs, error });
  return hold;
}

/** A refusal record; from a version 1 snapshot, its digest and part lines come from the lines it kept. */
function restoreRefusal(ledger: LedgerInternals, saved: SavedHold, refusal: SavedRefusal | null): Hold {
  const [id, channel, ttlMs, expiresAt, partCount, placement, , order, terminalAtMs, error, lines] = saved;
  invariant(error !== null, `snapshot: refused ${id} has no error`);
  let [digest, partLines] = refusal ?? ['', null];
  if (refusal === null) {
    const unplaced = lines.map(
      ([sku, requested, qty, , line]) => new HoldLine(sku, requested ?? undefined, qty, null, line),
    );
    digest = bodyDigest(channel, ttlMs, partCount, placement, requestLinesOf(unplaced));
    partLines = partCount === 1 ? null : lineIndexesOf(unplaced);
  }
  const record = new RefusalRecord(
    id,
    ledger.intern(channel),
    ttlMs,
    expiresAt,
    partCount,
    digest,
    partLines,
    error,
    terminalAtMs,
  );
  record.order = order;
  return record;
}

function positionOf(ledger: LedgerInternals, sku: string, location: string): Position {
  const position = ledger.skus.get(sku)?.position(location);
  invariant(position !== undefined, `snapshot: a hold line names ${sku}@${location}, which the snapshot lacks`);
  return position;
}

/**
 * The retained outcomes, oldest first. Past the bounds (an operator lowered them since the
 * snapshot), the oldest are dropped, as they would have been had the bounds been lower then.
 */
function restoreRetention(
  ledger: LedgerInternals,
  ids: readonly string[],
  sizesBytes: readonly number[] | undefined,
): void {
  invariant(sizesBytes === undefined || sizesBytes.length === ids.length, 'snapshot: a retained outcome has no size');
  const evicted: Array<Hold | number> = [];
  ids.forEach((id, index) => {
    const hold = ledger.holds.get(id);
    invariant(hold instanceof Hold, `snapshot: retained outcome ${id} is not among its holds`);
    ledger.retention.add(hold, evicted, sizesBytes === undefined ? retainedBytesOf(hold) : sizesBytes[index]!);
  });
  for (const hold of evicted) ledger.holds.delete((hold as Hold).id);
}

function restoreBackorders(ledger: LedgerInternals, backorders: LedgerSnapshot['backorders']): void {
  for (const [sku, entries] of backorders) {
    const state = ledger.skus.get(sku) as SkuState;
    state.backorders = new BackorderQueue();
    for (const [holdId, lineIndex] of entries) {
      const hold = ledger.holds.get(holdId) as Hold;
      const line = hold.lines[lineIndex];
      invariant(line !== undefined, `a saved backorder names line ${lineIndex} of hold ${holdId}, which it lacks`);
      state.backorders.add(hold, line);
    }
  }
}

function restoreTransfer(ledger: LedgerInternals, saved: SavedTransfer): TransferRecord {
  const [id, sku, from, to, qty, inTransit, status, seq, receivedSeq] = saved;
  const record = new TransferRecord(
    id,
    sku,
    positionOf(ledger, sku, from),
    positionOf(ledger, sku, to),
    qty,
    inTransit,
  );
  Object.assign(record, { status, seq, receivedSeq });
  return record;
}
