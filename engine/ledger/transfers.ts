import type { Transfer } from '../api/types.js';
import { Fifo } from '../../shared/fifo.js';
import type { Position } from './position.js';

/** One transfer of a SKU's units between two of its locations. */
export class TransferRecord {
  status: Transfer['status'];
  /** The SKU's seq right after the transfer was made: part of its original answer. */
  seq = 0;
  /** The SKU's seq right after the units arrived (for one made at once, `seq`): receiveTransfer's answer. */
  receivedSeq = 0;

  constructor(
    readonly id: string,
    readonly sku: string,
    readonly from: Position,
    readonly to: Position,
    readonly qty: number,
    readonly inTransit: boolean,
  ) {
    this.status = inTransit ? 'inTransit' : 'received';
  }
}

export function transferOf(record: TransferRecord, status: Transfer['status'] = record.status): Transfer {
  return {
    id: record.id,
    sku: record.sku,
    from: record.from.location,
    to: record.to.location,
    qty: record.qty,
    status,
  };
}

/**
 * The transfers a ledger knows, by SKU and id: every one still in transit, and the most recent
 * `retainedMax` received ones (so that a retried transfer is answered, not moved twice).
 */
export class TransferBook {
  private readonly records = new Map<string, TransferRecord>();
  private readonly received = new Fifo<TransferRecord>();
  inTransit = 0;

  constructor(private readonly retainedMax: number) {}

  /** Every record (in transit, then received ones oldest first: the order add() rebuilds them in). */
  toArray(): TransferRecord[] {
    const inTransit = [...this.records.values()].filter((record) => record.status === 'inTransit');
    return [...inTransit, ...this.received.toArray()];
  }

  get(sku: string, id: string): TransferRecord | undefined {
    return this.records.get(keyOf(sku, id));
  }

  add(record: TransferRecord): void {
    this.records.set(keyOf(record.sku, record.id), record);
    if (record.inTransit) this.inTransit++;
    else this.retain(record);
  }

  /** Puts back a record from a snapshot, as it stood (in transit, or received and retained). */
  restore(record: TransferRecord): void {
    this.records.set(keyOf(record.sku, record.id), record);
    if (record.status === 'inTransit') this.inTransit++;
    else this.retain(record);
  }

  markReceived(record: TransferRecord): void {
    record.status = 'received';
    this.inTransit--;
    this.retain(record);
  }

  private retain(record: TransferRecord): void {
    this.received.push(record);
    while (this.received.size > this.retainedMax) {
      const oldest = this.received.shift() as TransferRecord;
      this.records.delete(keyOf(oldest.sku, oldest.id));
    }
  }
}

function keyOf(sku: string, id: string): string {
  return `${sku}\u0000${id}`;
}
