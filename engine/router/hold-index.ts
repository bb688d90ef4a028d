import type { EngineError } from '../api/errors.js';
import type { MultiRoute } from './multi-route.js';

/**
 * Which shard holds each reservation id: the router's global registry, so that an id is unique
 * across shards (a reused id on another shard is a CONFLICT, not a second hold) and so that
 * commit/release/fulfil by id go straight to the right shard.
 *
 * A single-shard entry is one number: shard | RECORDED | inFlight × IN_FLIGHT_STEP, where
 * RECORDED says the shard keeps a record (hold or refusal) and inFlight counts reserves
 * of this id not yet answered. Cross-shard holds map to their MultiRoute.
 */
const SHARD_BITS = 0x3f;
const RECORDED = 0x40;
const IN_FLIGHT_STEP = 0x80;

/** Refusals the shard records for idempotent replay (the rest are transient). */
export function isRecordedRefusal(error: EngineError): boolean {
  return error.code === 'INSUFFICIENT_STOCK' || error.code === 'SKU_FROZEN' || error.code === 'CONFLICT';
}

export class HoldIndex {
  private readonly routes = new Map<string, number | MultiRoute>();

  get size(): number {
    return this.routes.size;
  }

  /** The shard of a single-shard id, its MultiRoute, or undefined when unknown. */
  lookup(id: string): number | MultiRoute | undefined {
    const route = this.routes.get(id);
    return typeof route === 'number' ? route & SHARD_BITS : route;
  }

  /** Claims `id` for a reserve on `shard`; false when the id lives elsewhere (CONFLICT). */
  beginReserve(id: string, shard: number): boolean {
    const route = this.routes.get(id);
    if (route === undefined) {
      this.routes.set(id, shard + IN_FLIGHT_STEP);
      return true;
    }
    if (typeof route !== 'number' || (route & SHARD_BITS) !== shard) return false;
    this.routes.set(id, route + IN_FLIGHT_STEP);
    return true;
  }

  endReserve(id: string, result: { ok: boolean; error?: EngineError }): void {
    const route = this.routes.get(id);
    if (typeof route !== 'number') return;
    let next = route - IN_FLIGHT_STEP;
    if (result.ok || isRecordedRefusal(result.error as EngineError)) next |= RECORDED;
    this.store(id, next);
  }

  /** The shard dropped its record of `id` (retention): forget it unless a reserve is in flight. */
  forget(id: string, shard: number): void {
    const route = this.routes.get(id);
    if (route === undefined) return;
    if (typeof route !== 'number') {
      route.forgetPart(shard);
      if (route.isEmpty()) this.routes.delete(id);
      return;
    }
    if ((route & SHARD_BITS) === shard) this.store(id, route & ~RECORDED);
  }

  setMulti(id: string, route: MultiRoute): void {
    this.routes.set(id, route);
  }

  deleteMulti(id: string, route: MultiRoute): void {
    if (this.routes.get(id) === route) this.routes.delete(id);
  }

  private store(id: string, route: number): void {
    if (route < IN_FLIGHT_STEP && (route & RECORDED) === 0) this.routes.delete(id);
    else this.routes.set(id, route);
  }
}
