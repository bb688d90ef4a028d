import type { EngineError } from '../api/errors.js';
import { isRecordedRefusal } from '../ledger/refusal-record.js';
import { MultiRoute } from './multi-route.js';
import { invariant } from '../../shared/invariant.js';

/**
 * Which shard holds each reservation id: the router's global registry, so that an id is unique
 * across shards (a reused id on another shard is a CONFLICT, not a second hold) and so that
 * commit/release/fulfil by id go straight to the right shard. Cross-shard holds map to their
 * MultiRoute. A single-shard id maps to one small integer (no object per hold, so the registry
 * costs the Map's entry only): its shard in the low bits, then whether the shard keeps a record
 * of it (a hold or a refusal), then how many reserves of it are in flight.
 */
const SHARD_BITS = 7;
const SHARD_MASK = (1 << SHARD_BITS) - 1;
const RECORDED = 1 << SHARD_BITS;
const IN_FLIGHT_ONE = RECORDED << 1;
/** Keeps the packed value a small integer (31 bits) for any in-flight count a shard can hold. */
const IN_FLIGHT_MAX = 2 ** 22;

/** Refusals the shard records for idempotent replay (the rest are transient): the ledger's own rule. */
export { isRecordedRefusal };

export class HoldIndex {
  private readonly routes = new Map<string, number | MultiRoute>();

  /** The shard of a single-shard id, its MultiRoute, or undefined when unknown. */
  lookup(id: string): number | MultiRoute | undefined {
    const route = this.routes.get(id);
    return typeof route === 'number' ? route & SHARD_MASK : route;
  }

  /** Claims `id` for a reserve on `shard`; false when the id lives elsewhere (CONFLICT). */
  beginReserve(id: string, shard: number): boolean {
    // Hot path: the invariants' messages are constants (a template would be built on every call).
    invariant(shard >= 0 && shard <= SHARD_MASK, 'the shard fits the hold index');
    const route = this.routes.get(id);
    if (route === undefined) {
      this.routes.set(id, shard | IN_FLIGHT_ONE);
      return true;
    }
    if (typeof route !== 'number' || (route & SHARD_MASK) !== shard) return false;
    invariant(route < IN_FLIGHT_MAX * IN_FLIGHT_ONE, 'the reserves of one id in flight fit the hold index');
    this.routes.set(id, route + IN_FLIGHT_ONE);
    return true;
  }

  /** A reserve claimed by beginReserve was answered: the shard now keeps a record of it, or not. */
  endReserve(id: string, result: { ok: boolean; error?: EngineError }): void {
    const route = this.routes.get(id);
    invariant(typeof route === 'number' && route >= IN_FLIGHT_ONE, 'an answered reserve was in flight');
    let next = route - IN_FLIGHT_ONE;
    if (result.ok || isRecordedRefusal(result.error as EngineError)) next |= RECORDED;
    this.keepOrDrop(id, next);
  }

  /** The shard dropped its record of `id` (retention): forget it unless a reserve is in flight. */
  forget(id: string, shard: number): void {
    const route = this.routes.get(id);
    if (route instanceof MultiRoute) {
      route.forgetPart(shard);
      if (route.isEmpty()) this.routes.delete(id);
    } else if (route !== undefined && (route & SHARD_MASK) === shard) {
      this.keepOrDrop(id, route & ~RECORDED);
    }
  }

  /** A single-shard hold or refusal recovered from a shard's records after a restart. */
  recordSingle(id: string, shard: number): void {
    invariant(shard >= 0 && shard <= SHARD_MASK, `shard ${shard} fits the hold index`);
    this.routes.set(id, shard | RECORDED);
  }

  setMulti(id: string, route: MultiRoute): void {
    this.routes.set(id, route);
  }

  deleteMulti(id: string, route: MultiRoute): void {
    if (this.routes.get(id) === route) this.routes.delete(id);
  }

  /** Ids with no reserve in flight and no record on their shard are not kept. */
  private keepOrDrop(id: string, route: number): void {
    if (route < IN_FLIGHT_ONE && (route & RECORDED) === 0) this.routes.delete(id);
    else this.routes.set(id, route);
  }
}
