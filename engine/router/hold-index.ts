import type { EngineError } from '../api/errors.js';
import { isRecordedRefusal } from '../ledger/refusal-record.js';
import { MultiRoute } from './multi-route.js';

/**
 * Which shard holds each reservation id: the router's global registry, so that an id is unique
 * across shards (a reused id on another shard is a CONFLICT, not a second hold) and so that
 * commit/release/fulfil by id go straight to the right shard. Cross-shard holds map to their
 * MultiRoute.
 */
export class SingleRoute {
  /** Reserves of this id sent and not yet answered. */
  inFlight = 1;
  /** The shard keeps a record of this id (a hold or a refusal). */
  recorded = false;

  constructor(readonly shard: number) {}
}

/** Refusals the shard records for idempotent replay (the rest are transient): the ledger's own rule. */
export { isRecordedRefusal };

export class HoldIndex {
  private readonly routes = new Map<string, SingleRoute | MultiRoute>();

  /** The shard of a single-shard id, its MultiRoute, or undefined when unknown. */
  lookup(id: string): number | MultiRoute | undefined {
    const route = this.routes.get(id);
    return route instanceof SingleRoute ? route.shard : route;
  }

  /** Claims `id` for a reserve on `shard`; null when the id lives elsewhere (CONFLICT). */
  beginReserve(id: string, shard: number): SingleRoute | null {
    const route = this.routes.get(id);
    if (route === undefined) {
      const claimed = new SingleRoute(shard);
      this.routes.set(id, claimed);
      return claimed;
    }
    if (!(route instanceof SingleRoute) || route.shard !== shard) return null;
    route.inFlight++;
    return route;
  }

  endReserve(id: string, route: SingleRoute, result: { ok: boolean; error?: EngineError }): void {
    route.inFlight--;
    if (result.ok || isRecordedRefusal(result.error as EngineError)) route.recorded = true;
    this.dropIfUnused(id, route);
  }

  /** The shard dropped its record of `id` (retention): forget it unless a reserve is in flight. */
  forget(id: string, shard: number): void {
    const route = this.routes.get(id);
    if (route instanceof MultiRoute) {
      route.forgetPart(shard);
      if (route.isEmpty()) this.routes.delete(id);
    } else if (route !== undefined && route.shard === shard) {
      route.recorded = false;
      this.dropIfUnused(id, route);
    }
  }

  /** A single-shard hold or refusal recovered from a shard's records after a restart. */
  recordSingle(id: string, shard: number): void {
    const route = new SingleRoute(shard);
    route.inFlight = 0;
    route.recorded = true;
    this.routes.set(id, route);
  }

  setMulti(id: string, route: MultiRoute): void {
    this.routes.set(id, route);
  }

  deleteMulti(id: string, route: MultiRoute): void {
    if (this.routes.get(id) === route) this.routes.delete(id);
  }

  private dropIfUnused(id: string, route: SingleRoute): void {
    if (route.inFlight === 0 && !route.recorded && this.routes.get(id) === route) this.routes.delete(id);
  }
}
