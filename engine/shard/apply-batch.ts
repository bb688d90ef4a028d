import { refuse, type EngineError } from '../api/errors.js';
import type { FulfilLine, LineRequest } from '../api/types.js';
import { invariant } from '../ledger/assert.js';
import type { Ledger } from '../ledger/ledger.js';
import { Hold } from '../ledger/hold.js';
import { BATCH_HEADER_FIELDS, OP, OP_FIELDS, type Placement } from './protocol.js';

const TICKED = { ok: true } as const;

function placementOf(hold: Hold): Placement {
  const placement: Placement = [hold.expiresAt];
  for (const line of hold.lines) placement.push(line.location);
  return placement;
}

/** Applies one decoded batch to the ledger, in order; returns one result per op. */
export function applyBatch(ledger: Ledger, batch: unknown[]): unknown[] {
  ledger.advance(batch[1] as number);
  const results: unknown[] = [];
  let at = BATCH_HEADER_FIELDS;
  while (at < batch.length) {
    const op = batch[at] as number;
    invariant(op >= 0 && op < OP_FIELDS.length, `unknown opcode ${op} at field ${at}`);
    results.push(applyOp(ledger, op, batch, at + 1));
    at += 1 + OP_FIELDS[op];
  }
  invariant(at === batch.length, 'batch ends inside an operation');
  return results;
}

function applyOp(ledger: Ledger, op: number, f: unknown[], at: number): unknown {
  switch (op) {
    case OP.TICK: return TICKED;
    case OP.RECEIVE: return ledger.receive(f[at] as string, f[at + 1] as string, f[at + 2] as number);
    case OP.ADJUST: return ledger.adjust(f[at] as string, f[at + 1] as string, f[at + 2] as number, f[at + 3] as string);
    case OP.RESERVE: {
      const outcome = ledger.reserve(f[at] as string, f[at + 1] as string, f[at + 2] as number, f[at + 3] as LineRequest[],
        f[at + 4] as number, f[at + 5] as number, f[at + 6] as number[] | null);
      return outcome instanceof Hold ? placementOf(outcome) : outcome;
    }
    case OP.COMMIT: return ledger.commit(f[at] as string);
    case OP.RELEASE: return ledger.release(f[at] as string);
    case OP.FULFIL: return ledger.fulfil(f[at] as string, f[at + 1] as FulfilLine[] | null, f[at + 2] as number);
    case OP.GET_RESERVATION: return ledger.getReservation(f[at] as string);
    case OP.GET: return ledger.get(f[at] as string);
    case OP.FREEZE: return ledger.freeze(f[at] as string, f[at + 1] as string);
    case OP.UNFREEZE: return ledger.unfreeze(f[at] as string);
    case OP.WATCH:
      ledger.watch(f[at] as string, f[at + 1] as boolean);
      return TICKED;
    case OP.EXPIRE_PART: return ledger.expirePart(f[at] as string);
    case OP.ABORT_PART: return ledger.abortPart(f[at] as string, f[at + 1] as EngineError | null);
    default: return refuse.invalidArgument('op', `unknown opcode ${op}`);
  }
}
