import type { Order } from './traffic.js';
import type { StrategyName } from './types.js';

/** Units of one order to pick at one position (a split request line has several). */
export interface PickLine {
  /** The order line this serves. */
  line: number;
  skuIndex: number;
  locationIndex: number;
  position: number;
  qty: number;
}

export type CheckoutOutcome = 'accepted' | 'stockout' | 'shed';

/** A return as the warehouse receives it. */
export interface ReceivedReturn {
  order: Order;
  pick: PickLine;
  damaged: boolean;
  receivedAtUs: number;
}

/** An ERP/WMS count of one position, taken at the count's `asOfUs`. */
export interface PositionCount {
  position: number;
  skuIndex: number;
  locationIndex: number;
  units: number;
}

/**
 * How an inventory system serves the customers of a run. The driver (run-strategy.ts) owns the
 * customers and the shelf; a strategy owns its records and tells the shelf what they say.
 */
export interface Strategy {
  readonly name: StrategyName;
  /** Loads the opening stock. */
  start(): Promise<void>;
  /** The customer checks out: `answer` gets the outcome when the channel knows it. */
  checkout(order: Order, answer: (outcome: CheckoutOutcome) => void): void;
  /** The customer left after checkout (a hold then lapses by its TTL). */
  abandon(order: Order): void;
  /** Payment failed. */
  paymentFailed(order: Order): void;
  /** Payment succeeded: `ready` gets what to pick once the order is in the system, or null when it lapsed. */
  pay(order: Order, ready: (picks: PickLine[] | null) => void): void;
  /**
   * The warehouse dispatches every pick: `take` moves the units off the shelf at the instant the
   * system records the shipment (holdfast: the dispatch scan is the engine's fulfil; naive: the
   * order system hears of it later).
   */
  ship(order: Order, picks: PickLine[], take: () => void): void;
  /** The warehouse could not ship: the order is cancelled. */
  cancelled(order: Order, picks: PickLine[]): void;
  /** A return reached the warehouse; `reconciled` runs when every channel's view has it. */
  returned(received: ReceivedReturn, reconciled: (atUs: number) => void): void;
  /** An ERP count taken at `asOfUs` arrives now. */
  counted(counts: PositionCount[], asOfUs: number): void;
  /** Messages between channels and the system not yet delivered, now and at most. */
  queueDepth(): number;
  queueDepthMax(): number;
  /** The deepest queue of one modelled engine shard; null where there is none (naive, live, shards 0). */
  shardQueueDepthMax(): number | null;
  /** Brings the view availableUnits() reads up to date, where it is not kept as changes happen. */
  refresh(): void;
  /** Units the system would sell now, over every SKU. */
  availableUnits(): number;
  /** Calls the system refused that it never should (a fulfil of a committed hold…): reported, expected 0. */
  unexpectedRefusals(): number;
  finish(): Promise<void>;
}
