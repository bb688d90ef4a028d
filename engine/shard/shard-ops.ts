/**
 * The shard's operation table: for each opcode (engine/shard/protocol.ts OP), its name, the fields
 * after it in a micro-batch, whether it only reads, and how it applies to the ledger. The
 * micro-batch layout (OP_FIELDS), the apply loop, the journal's filtering and the router's op
 * counts all read this one table.
 */
import type { EngineError } from '../api/errors.js';
import type { FulfilLine, LineRequest, Policy, StrategyName } from '../api/types.js';
import { invariant } from '../../shared/invariant.js';
import { placementOf, WHOLE_HOLD, type HoldPart, type Ledger, type WholeFulfil } from '../ledger/ledger.js';
import { Hold } from '../ledger/hold.js';
import { OP, type Placement, type SplitPlacement } from './protocol.js';

export interface ShardOp {
  code: number;
  /** The name its operations are counted under in stats().shards[i].ops. */
  name: string;
  /** Fields after the opcode. */
  fields: number;
  /** It only reads (or only concerns the router's subscriptions): alone, it changes nothing. */
  readOnly: boolean;
  /** It may allocate (a hold, a SKU, a position, a transfer, a policy): the heap watermark admits it. */
  grows: boolean;
  /** Applies the operation whose fields start at `f[at]`; returns its result. */
  apply: (ledger: Ledger, f: readonly unknown[], at: number) => unknown;
}

const TICKED = { ok: true } as const;
const DEFAULT_PLACEMENT = placementOf(null, null, false);

/** Effects: 'read' changes nothing, 'write' may change the ledger, 'grow' may also allocate. */
type Effect = 'read' | 'write' | 'grow';

const op = (code: number, name: string, fields: number, effect: Effect, apply: ShardOp['apply']): ShardOp => ({
  code,
  name,
  fields,
  readOnly: effect === 'read',
  grows: effect === 'grow',
  apply,
});

const str = (f: readonly unknown[], at: number) => f[at] as string;
const num = (f: readonly unknown[], at: number) => f[at] as number;

/** Indexed by opcode. */
export const SHARD_OPS: readonly ShardOp[] = [
  op(OP.TICK, 'tick', 0, 'read', () => TICKED),
  op(OP.RECEIVE, 'receive', 3, 'grow', (l, f, at) => l.receive(str(f, at), str(f, at + 1), num(f, at + 2))),
  op(OP.ADJUST, 'adjust', 4, 'grow', (l, f, at) =>
    l.adjust(str(f, at), str(f, at + 1), num(f, at + 2), str(f, at + 3)),
  ),
  op(OP.RESERVE, 'reserve', 10, 'grow', applyReserve),
  op(OP.COMMIT, 'commit', 1, 'write', (l, f, at) => l.commit(str(f, at))),
  op(OP.RELEASE, 'release', 1, 'write', (l, f, at) => l.release(str(f, at))),
  op(OP.FULFIL, 'fulfil', 4, 'write', (l, f, at) =>
    l.fulfil(str(f, at), f[at + 1] as FulfilLine[] | null, num(f, at + 2), f[at + 3] as WholeFulfil | null),
  ),
  op(OP.GET_RESERVATION, 'getReservation', 1, 'read', (l, f, at) => l.getReservation(str(f, at))),
  op(OP.GET, 'get', 1, 'read', (l, f, at) => l.get(str(f, at))),
  op(OP.FREEZE, 'freeze', 2, 'write', (l, f, at) => l.freeze(str(f, at), str(f, at + 1))),
  op(OP.UNFREEZE, 'unfreeze', 1, 'write', (l, f, at) => l.unfreeze(str(f, at))),
  op(OP.WATCH, 'watch', 2, 'read', (l, f, at) => {
    l.watch(str(f, at), f[at + 1] as boolean);
    return TICKED;
  }),
  op(OP.EXPIRE_PART, 'expirePart', 1, 'write', (l, f, at) => l.expirePart(str(f, at))),
  op(OP.ABORT_PART, 'abortPart', 2, 'write', (l, f, at) => l.abortPart(str(f, at), f[at + 1] as EngineError | null)),
  op(OP.TRANSFER, 'transfer', 6, 'grow', (l, f, at) =>
    l.transfer(str(f, at), str(f, at + 1), str(f, at + 2), str(f, at + 3), num(f, at + 4), f[at + 5] as boolean),
  ),
  op(OP.RECEIVE_TRANSFER, 'receiveTransfer', 2, 'write', (l, f, at) => l.receiveTransfer(str(f, at), str(f, at + 1))),
  op(OP.RESTOCK, 'restock', 6, 'grow', (l, f, at) =>
    l.restock(
      str(f, at),
      str(f, at + 1),
      num(f, at + 2),
      f[at + 3] as boolean,
      (f[at + 4] as string | null) ?? undefined,
      num(f, at + 5),
    ),
  ),
  op(OP.SYNC, 'sync', 4, 'grow', (l, f, at) => l.sync(str(f, at), str(f, at + 1), num(f, at + 2), num(f, at + 3))),
  op(OP.SET_POLICY, 'setPolicy', 2, 'grow', (l, f, at) => l.setPolicy(str(f, at), f[at + 1] as Policy)),
  op(OP.LIST_HOLDS, 'listHolds', 0, 'read', (l) => l.holdSummaries()),
  op(OP.PART_STATE, 'partState', 1, 'read', (l, f, at) => l.partState(str(f, at))),
  op(OP.RESERVE_ONE, 'reserve', 5, 'grow', applyReserveOne),
];

for (const [code, entry] of SHARD_OPS.entries()) invariant(entry.code === code, `SHARD_OPS[${code}] is opcode ${code}`);
invariant(SHARD_OPS.length === Object.keys(OP).length, 'every opcode has an entry in SHARD_OPS');

/** Fields after the opcode, per opcode. */
export const OP_FIELDS: readonly number[] = SHARD_OPS.map((entry) => entry.fields);

/** Each opcode's name in stats().shards[i].ops. */
export const OP_NAMES: readonly string[] = SHARD_OPS.map((entry) => entry.name);

/** A plain single-line reserve: exactly OP.RESERVE with one { sku, qty } line and every default. */
function applyReserveOne(ledger: Ledger, f: readonly unknown[], at: number): unknown {
  const lines: LineRequest[] = [{ sku: f[at + 3] as string, qty: f[at + 4] as number }];
  const outcome = ledger.reserve(f[at] as string, f[at + 1] as string, f[at + 2] as number, lines, DEFAULT_PLACEMENT);
  return outcome instanceof Hold ? placementReply(outcome) : outcome;
}

function applyReserve(ledger: Ledger, f: readonly unknown[], at: number): unknown {
  const outcome = ledger.reserve(
    f[at] as string,
    f[at + 1] as string,
    f[at + 2] as number,
    f[at + 3] as LineRequest[],
    placementOf(f[at + 7] as StrategyName | null, f[at + 8] as string | null, f[at + 9] as boolean),
    partOf(f[at + 4] as number, f[at + 5] as number, f[at + 6] as number[] | null),
  );
  return outcome instanceof Hold ? placementReply(outcome) : outcome;
}

function partOf(count: number, expiresAt: number, lineIndexes: number[] | null): HoldPart {
  return count === 1 ? WHOLE_HOLD : { count, expiresAt, lineIndexes };
}

/** The hold's original placement: a location per request line, or a SplitPlacement for a split or backordered one. */
function placementReply(hold: Hold): Placement {
  const placement: Placement = [hold.expiresAt];
  const lines = hold.lines;
  for (let at = 0; at < lines.length;) {
    const first = lines[at]!;
    let end = at + 1;
    while (end < lines.length && lines[end]!.line === first.line) end++;
    if (end === at + 1 && first.backorderedAtReserve === 0) {
      placement.push(first.location);
    } else {
      const split: SplitPlacement = [];
      for (let i = at; i < end; i++) {
        const line = lines[i]!;
        split.push(line.location, line.qty, line.backorderedAtReserve);
      }
      placement.push(split);
    }
    at = end;
  }
  return placement;
}
