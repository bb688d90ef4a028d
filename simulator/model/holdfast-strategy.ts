import type { ChangeEvent } from '../../engine/api/types.js';
import type { Refusal } from '../../engine/api/errors.js';
import { LIMITS } from '../../engine/api/limits.js';
import { defined } from '../../shared/invariant.js';
import { positionOf, type RunCatalogue } from './catalogue.js';
import type { EngineLink } from './engine-link.js';
import type { Shelf } from './shelf.js';
import type { CheckoutOutcome, PickLine, PositionCount, ReceivedReturn, Strategy } from './strategy.js';
import type { Order } from './traffic.js';
import type { AllocationApi } from './types.js';

const SKU = 'a SKU of the catalogue';
const LOCATION = 'a location of the catalogue';

/** Refusals of a commit or release when the hold lapsed (expired) first. */
const LAPSED = new Set(['NOT_FOUND', 'INVALID_STATE']);

/** Refusals a checkout can meet under load, which are not a fault of the run. */
const EXPECTED_UNDER_LOAD = new Set(['OVERLOADED', 'UNAVAILABLE', 'LIMIT_REACHED']);

export interface HoldfastStrategyOptions {
  api: AllocationApi;
  link: EngineLink;
  catalogue: RunCatalogue;
  shelf: Shelf;
  holdTtlMs: number;
  /** The engine clock's reading at the run's time 0 (ms): counts and returns carry times on it. */
  originMs: number;
  /**
   * Every change the engine makes (embedded engines): the view the sampler reads is kept from it.
   * Null (a remote engine, whose pushes carry SKU totals only): refresh() polls `get` instead.
   */
  watch: ((listener: (event: ChangeEvent) => void) => () => void) | null;
}

/** Atomic reservations at checkout: the engine decides every commitment (issue 6 §3, `holdfast`). */
export class HoldfastStrategy implements Strategy {
  readonly name = 'holdfast' as const;
  private readonly picks = new Map<number, PickLine[]>();
  private readonly availableBySku: Float64Array;
  private available = 0;
  private refusedUnexpectedly = 0;
  private readonly unwatch: () => void;

  constructor(private readonly options: HoldfastStrategyOptions) {
    this.availableBySku = new Float64Array(options.catalogue.skus.length);
    this.unwatch = options.watch === null ? () => {} : options.watch((event) => this.observe(event));
  }

  async start(): Promise<void> {
    const { api, catalogue } = this.options;
    for (const sku of catalogue.skus) {
      for (const [locationIndex, qty] of sku.openingUnits.entries()) {
        if (qty === 0) continue;
        const request = { sku: sku.sku, location: defined(catalogue.locations[locationIndex], LOCATION), qty };
        this.options.link.record('receive', request);
        expectOk(await api.receive(request), 'receive');
      }
    }
  }

  checkout(order: Order, answer: (outcome: CheckoutOutcome) => void): void {
    const request = {
      id: order.id,
      channel: order.channel,
      ttlMs: this.options.holdTtlMs,
      lines: order.lines.map((line) => ({ sku: line.sku.sku, qty: line.qty })),
      allowSplit: true,
    };
    const skus = request.lines.map((line) => line.sku);
    this.options.link.call(
      skus,
      'reserve',
      request,
      () => this.options.api.reserve(request),
      (result) => {
        if (result.ok) {
          this.picks.set(order.index, this.picksOf(result.reservation.lines));
          answer('accepted');
          return;
        }
        if (result.error.code === 'INSUFFICIENT_STOCK') return answer('stockout');
        if (!EXPECTED_UNDER_LOAD.has(result.error.code)) this.refusedUnexpectedly++;
        answer('shed');
      },
    );
  }

  abandon(order: Order): void {
    this.picks.delete(order.index);
  }

  /** The hold is released; one that lapsed meanwhile is gone already (NOT_FOUND, INVALID_STATE: fine). */
  paymentFailed(order: Order): void {
    this.picks.delete(order.index);
    this.send(
      order,
      'release',
      { id: order.id },
      () => this.options.api.release(order.id),
      (result) => {
        if (!result.ok && !LAPSED.has(result.error.code)) this.refusedUnexpectedly++;
      },
    );
  }

  /** Commit; a refusal other than OVERLOADED (retried) means the hold lapsed before payment. */
  pay(order: Order, ready: (picks: PickLine[] | null) => void): void {
    this.send(
      order,
      'commit',
      { id: order.id },
      () => this.options.api.commit(order.id),
      (result) => {
        const picks = this.picks.get(order.index) ?? null;
        this.picks.delete(order.index);
        if (!result.ok && !LAPSED.has(result.error.code)) this.refusedUnexpectedly++;
        ready(result.ok ? picks : null);
      },
    );
  }

  ship(order: Order, _picks: PickLine[], take: () => void): void {
    this.send(
      order,
      'fulfil',
      { id: order.id },
      () => this.options.api.fulfil(order.id),
      (result) => {
        if (!result.ok) this.refusedUnexpectedly++;
      },
      take,
    );
  }

  cancelled(order: Order): void {
    this.send(
      order,
      'release',
      { id: order.id },
      () => this.options.api.release(order.id),
      (result) => {
        if (!result.ok) this.refusedUnexpectedly++;
      },
    );
  }

  returned(received: ReceivedReturn, reconciled: (atUs: number) => void): void {
    const { catalogue, api, originMs } = this.options;
    const { pick } = received;
    const request = {
      sku: defined(catalogue.skus[pick.skuIndex], SKU).sku,
      location: defined(catalogue.locations[pick.locationIndex], LOCATION),
      qty: pick.qty,
      condition: received.damaged ? ('damaged' as const) : ('sellable' as const),
      reservationId: received.order.id,
      receivedAt: Math.floor(received.receivedAtUs / 1000),
    };
    const call = () => api.restock({ ...request, receivedAt: originMs + request.receivedAt });
    this.options.link.call(
      [request.sku],
      'restock',
      request,
      call,
      (result, appliedAtUs) => {
        if (!result.ok) this.refusedUnexpectedly++;
        reconciled(appliedAtUs);
      },
      { retryOverloaded: true },
    );
  }

  counted(counts: PositionCount[], asOfUs: number): void {
    const { catalogue } = this.options;
    const requests = counts.map((count) => ({
      sku: defined(catalogue.skus[count.skuIndex], SKU).sku,
      location: defined(catalogue.locations[count.locationIndex], LOCATION),
      onHand: count.units,
      asOf: Math.floor(asOfUs / 1000),
    }));
    for (let start = 0; start < requests.length; start += LIMITS.syncManyMax)
      this.syncChunk(requests.slice(start, start + LIMITS.syncManyMax));
  }

  queueDepth(): number {
    return this.options.link.depth;
  }

  shardQueueDepthMax(): number | null {
    return this.options.link.shardQueueDepthMax;
  }

  queueDepthMax(): number {
    return this.options.link.deepestDepth;
  }

  availableUnits(): number {
    return this.available;
  }

  unexpectedRefusals(): number {
    return this.refusedUnexpectedly;
  }

  async finish(): Promise<void> {
    this.unwatch();
    if (this.options.watch === null) await Promise.all(this.options.catalogue.skus.map((sku) => this.poll(sku.sku)));
  }

  /** Without change events, asks the engine for every SKU (the answers update the view as they come). */
  refresh(): void {
    if (this.options.watch !== null) return;
    for (const sku of this.options.catalogue.skus) void this.poll(sku.sku);
  }

  private async poll(sku: string): Promise<void> {
    const view = await this.options.api.get(sku);
    if (view.ok)
      this.observe({
        ...view,
        positions: Object.entries(view.locations).map(([location, position]) => ({ ...position, location })),
      });
  }

  private syncChunk(requests: { sku: string; location: string; onHand: number; asOf: number }[]): void {
    const { api, originMs, link } = this.options;
    const call = () =>
      syncAll(
        api,
        requests.map((r) => ({ ...r, asOf: originMs + r.asOf })),
      );
    link.call(
      requests.map((r) => r.sku),
      'syncMany',
      { requests },
      call,
      (result) => {
        if (!result.ok) this.refusedUnexpectedly += requests.length;
        else this.refusedUnexpectedly += result.refused;
      },
      { retryOverloaded: true },
    );
  }

  /** A call about an order's hold that must not be dropped: sent again while the engine sheds load. */
  private send<T>(
    order: Order,
    op: string,
    request: object,
    call: () => Promise<T | Refusal>,
    answer: (result: T | Refusal) => void,
    applied?: () => void,
  ): void {
    this.options.link.call(
      order.lines.map((line) => line.sku.sku),
      op,
      request,
      call,
      answer,
      { retryOverloaded: true, applied },
    );
  }

  private picksOf(lines: { line: number; sku: string; location: string; qty: number }[]): PickLine[] {
    const { catalogue } = this.options;
    return lines.map((line) => {
      const skuIndex = catalogue.skuIndexOf.get(line.sku)!;
      const locationIndex = catalogue.locationIndexOf.get(line.location)!;
      return {
        line: line.line,
        skuIndex,
        locationIndex,
        position: positionOf(catalogue, skuIndex, locationIndex),
        qty: line.qty,
      };
    });
  }

  /** Keeps the engine's view (on hand per position, available per SKU) from its change events. */
  private observe(event: Pick<ChangeEvent, 'sku' | 'available' | 'positions'>): void {
    const { catalogue, shelf } = this.options;
    const skuIndex = catalogue.skuIndexOf.get(event.sku);
    if (skuIndex === undefined) return;
    this.available += event.available - defined(this.availableBySku[skuIndex], SKU);
    this.availableBySku[skuIndex] = event.available;
    for (const change of event.positions) {
      const locationIndex = catalogue.locationIndexOf.get(change.location);
      if (locationIndex !== undefined) shelf.record(positionOf(catalogue, skuIndex, locationIndex), change.onHand);
    }
  }
}

/**
 * syncMany, with the refusals among its answers counted (one promise level, like every engine
 * call). STALE_SYNC is no fault: a count overtaken on its way by a newer one is rightly ignored.
 */
function syncAll(
  api: AllocationApi,
  requests: { sku: string; location: string; onHand: number; asOf: number }[],
): Promise<{ ok: true; refused: number } | Refusal> {
  return api.syncMany(requests).then((answer) =>
    answer.ok
      ? {
          ok: true as const,
          refused: answer.results.filter((result) => !result.ok && result.error.code !== 'STALE_SYNC').length,
        }
      : answer,
  );
}

function expectOk(result: { ok: boolean }, op: string): void {
  if (!result.ok)
    throw new Error(`holdfast simulate: ${op} of the opening stock was refused: ${JSON.stringify(result)}`);
}
