import { refuse, type Refusal } from '../api/errors.js';
import type { FulfilLine, Reservation, ReservationResult, ReserveRequest, ReserveResult } from '../api/types.js';
import { invariant } from '../../shared/invariant.js';
import { planFulfilment } from '../ledger/fulfilment-plan.js';
import { FINAL_NO, FINAL_YES, type PartReport } from '../ledger/ledger.js';
import { TtlQueue } from '../../shared/ttl-queue.js';
import { OP, type Placement } from '../shard/protocol.js';
import { heldAnswer } from './held-answer.js';
import { isRecordedRefusal, type HoldIndex } from './hold-index.js';
import { MultiRoute } from './multi-route.js';
import { agreement, type PartAtShard } from './route-recovery.js';
import type { ShardLink } from './shard-link.js';

type PartResult = { ok: true; reservation: Reservation } | Refusal;

export interface CrossShardDeps {
  links: ShardLink[];
  index: HoldIndex;
  nowMs: () => number;
  shardOf: (sku: string) => number;
}

/**
 * Holds whose lines live on several shards. Reserve holds every part at once and, if any part
 * is refused, gives back the others (their units were only ever held, never oversold). Every
 * later operation on the hold runs alone (MultiRoute.serialize) and reaches all its parts in the
 * same order; its deadline is the router's to enforce, so no part can expire while another commits.
 */
export class CrossShard {
  private readonly deadlines = new TtlQueue<MultiRoute>();
  private order = 0;

  constructor(private readonly deps: CrossShardDeps) {}

  reserve(request: ReserveRequest, lineShards: number[]): Promise<ReserveResult> {
    const known = this.deps.index.lookup(request.id);
    if (known !== undefined && (typeof known === 'number' || !known.sameShape(lineShards))) {
      return Promise.resolve(refuse.conflict(`reservation '${request.id}'`));
    }
    const route = known ?? new MultiRoute(request.id, lineShards);
    if (known === undefined) this.deps.index.setMulti(request.id, route);
    return route.serialize(() => this.reserveParts(request, route));
  }

  /**
   * After one of the hold's shards restarted: reads every part and, if they disagree (an
   * operation reached some parts' journals and not the others'), brings them into agreement.
   * Runs in the hold's queue, so no operation on the hold interleaves with it.
   */
  reconcile(route: MultiRoute): Promise<void> {
    return route.serialize(async () => {
      await this.agree(route, await this.partStates(route));
    });
  }

  /** The parts' states, or null when a shard cannot answer now. */
  private async partStates(
    route: MultiRoute,
  ): Promise<Array<PartAtShard & { reservation: Reservation | null }> | null> {
    const answers = (await this.submitAllUnchecked(
      route,
      route.shards.map(() => [OP.PART_STATE, route.id]),
    )) as unknown[];
    const states = [];
    for (const [i, answer] of answers.entries()) {
      const refusal = (answer as Refusal).ok === false ? (answer as Refusal) : null;
      if (refusal !== null && refusal.error.code !== 'NOT_FOUND') return null;
      const state = answer as PartReport;
      const shard = route.shards[i]!;
      states.push(
        refusal !== null
          ? { shard, status: 'missing', error: null, fulfils: 0, lastFulfil: null, reservation: null }
          : {
              shard,
              status: state.status,
              error: null,
              fulfils: state.fulfils,
              lastFulfil: state.lastFulfil,
              reservation: state.reservation,
            },
      );
    }
    return states;
  }

  /** Sends what brings the parts into agreement; returns whether they already agreed. */
  private async agree(
    route: MultiRoute,
    states: Array<PartAtShard & { reservation: Reservation | null }> | null,
  ): Promise<boolean> {
    if (states === null) return false;
    const first = states[0]!;
    const same = states.every((state) => state.status === first.status && state.fulfils === first.fulfils);
    if (same) return true;
    const present = states.filter((state) => state.status !== 'missing');
    const { fixes, status } =
      present.length === states.length
        ? agreement(route.id, present, this.deps.shardOf)
        : {
            fixes: present
              .filter((state) => state.status === 'held')
              .map((state): [number, unknown[]] => [state.shard, [OP.ABORT_PART, route.id, null]]),
            status: 'refused',
          };
    for (const [shard, fields] of fixes) await this.call(shard, fields);
    route.mayBeHeld = status === 'held';
    if (!route.mayBeHeld) this.deadlines.remove(route);
    return false;
  }

  /** Takes in a hold recovered from the shards' records after a restart (route-recovery.ts). */
  adopt(route: MultiRoute, expiresAt: number, held: boolean): void {
    route.recordedMask = maskOf(route.shards);
    route.expiresAt = expiresAt;
    route.mayBeHeld = held;
    this.deps.index.setMulti(route.id, route);
    if (!held) return;
    route.order = ++this.order;
    this.deadlines.push(route);
  }

  byId(
    route: MultiRoute,
    id: string,
    op: typeof OP.COMMIT | typeof OP.RELEASE | typeof OP.GET_RESERVATION,
  ): Promise<ReservationResult> {
    return route.serialize(async () => {
      this.expireIfDue(route);
      const parts = this.submitAll(
        route,
        route.shards.map(() => [op, id]),
      );
      return this.answerFromParts(route, id, await parts);
    });
  }

  /**
   * Plans the shipment on the merged reservation (the parts cannot see each other's lines), then
   * sends each part its lines, whether this completes the hold, and the whole fulfil (numbered):
   * if a crash lets it reach only some parts, reconciliation replays it on the others.
   */
  fulfil(route: MultiRoute, id: string, lines: FulfilLine[] | undefined): Promise<ReservationResult> {
    return route.serialize(async () => {
      this.expireIfDue(route);
      let states = await this.partStates(route);
      if (states !== null && !(await this.agree(route, states))) states = await this.partStates(route);
      if (states === null)
        return refuse.unavailable(route.shards[0]!, `a shard of reservation '${id}' cannot answer; retry`);
      const current = this.answerFromParts(
        route,
        id,
        states.map((state): PartResult =>
          state.reservation === null
            ? refuse.notFound(`reservation '${id}'`)
            : { ok: true, reservation: state.reservation },
        ),
      );
      if (!current.ok) return current;
      if (current.reservation.status !== 'committed') {
        return refuse.invalidState(`reservation '${id}' is ${current.reservation.status}; cannot fulfil`);
      }
      const plan = planFulfilment({ id, lines: current.reservation.lines }, lines ?? null);
      if (!Array.isArray(plan)) return plan;
      const final = plan.completes ? FINAL_YES : FINAL_NO;
      const whole = { no: Math.max(...states.map((state) => state.fulfils)) + 1, lines: lines ?? null };
      const fields = route.shards.map((shard) => [
        OP.FULFIL,
        id,
        lines === undefined ? null : route.linesOn(lines, shard, this.deps.shardOf),
        final,
        whole,
      ]);
      return this.answerFromParts(route, id, await this.submitAll(route, fields));
    });
  }

  /**
   * Expires every cross-shard hold whose deadline has passed, now: EXPIRE goes to all its parts
   * synchronously, ahead of whatever operation the caller is about to route, so that operation
   * (a get, a reserve of the same SKU) sees the units back, as with a single-shard hold. Safe
   * without the hold's queue: every part gets EXPIRE at the same place among its operations,
   * and EXPIRE changes only a held part. Costs nothing while no cross-shard hold is held.
   */
  expireDue(): void {
    if (this.deadlines.size === 0) return;
    const nowMs = this.deps.nowMs();
    for (let route = this.deadlines.peekDue(nowMs); route !== undefined; route = this.deadlines.peekDue(nowMs)) {
      this.deadlines.pop();
      if (route.mayBeHeld) this.sendExpire(route);
    }
  }

  private sendExpire(route: MultiRoute): void {
    for (const shard of route.shards) this.deps.links[shard]!.submitControl([OP.EXPIRE_PART, route.id]);
    route.mayBeHeld = false;
    this.deadlines.remove(route);
  }

  private async reserveParts(request: ReserveRequest, route: MultiRoute): Promise<ReserveResult> {
    const { id, channel, ttlMs, lines } = request;
    const expiresAt = this.deps.nowMs() + ttlMs;
    const parts = await Promise.all(
      route.shards.map((shard) => {
        const partLines = route.linesOn(lines, shard, this.deps.shardOf);
        const fields = [
          OP.RESERVE,
          id,
          channel,
          ttlMs,
          partLines,
          route.shards.length,
          expiresAt,
          route.lineIndexesOn(shard),
          request.strategy ?? null,
          request.destination ?? null,
          request.allowSplit ?? false,
        ];
        return this.call(shard, fields).then((reply) =>
          heldAnswer(id, channel, partLines, reply as unknown as Placement | Refusal, route.lineIndexesOn(shard)),
        );
      }),
    );
    const refused = firstRefusal(parts);
    if (refused === undefined) return this.held(route, id, parts);
    if (refused.error.code === 'CONFLICT') return refused;
    const recorded = isRecordedRefusal(refused.error);
    await this.submitAllUnchecked(
      route,
      route.shards.map(() => [OP.ABORT_PART, id, recorded ? refused.error : null]),
    );
    route.recordedMask = recorded ? maskOf(route.shards) : 0;
    if (!recorded && route.pending <= 1) this.deps.index.deleteMulti(id, route);
    return refused;
  }

  private held(route: MultiRoute, id: string, parts: PartResult[]): ReserveResult {
    const merged = this.merge(route, id, parts);
    if (!merged.ok) return merged;
    if (route.recordedMask === 0) {
      route.recordedMask = maskOf(route.shards);
      route.expiresAt = merged.reservation.expiresAt;
      route.order = ++this.order;
      route.mayBeHeld = true;
      this.deadlines.push(route);
    }
    return merged;
  }

  /** Sends EXPIRE to every part when the deadline has passed (before an operation on the hold runs). */
  private expireIfDue(route: MultiRoute): void {
    if (route.mayBeHeld && route.expiresAt <= this.deps.nowMs()) this.sendExpire(route);
  }

  /** Submits one op to every part, or none of them when any part's shard is full. */
  private submitAll(route: MultiRoute, fields: unknown[][]): Promise<PartResult[]> {
    const full = route.shards.find((shard) => !this.deps.links[shard]!.canTake());
    if (full !== undefined) {
      const overloaded = this.deps.links[full]!.overload();
      return Promise.resolve(route.shards.map(() => overloaded));
    }
    return this.submitAllUnchecked(route, fields);
  }

  private submitAllUnchecked(route: MultiRoute, fields: unknown[][]): Promise<PartResult[]> {
    return Promise.all(route.shards.map((shard, i) => this.call(shard, fields[i]!)));
  }

  private call(shard: number, fields: unknown[]): Promise<PartResult> {
    return new Promise((resolve) => this.deps.links[shard]!.submit(resolve, fields));
  }

  /** One answer from the parts' answers, and what it tells about the hold's state. */
  private answerFromParts(route: MultiRoute, id: string, parts: PartResult[]): ReservationResult {
    const merged = this.merge(route, id, parts);
    if (merged.ok) route.mayBeHeld = merged.reservation.status === 'held';
    if (!route.mayBeHeld) this.deadlines.remove(route);
    return merged;
  }

  /** Parts answer alike (they saw the same operations in the same order); their lines interleave back. */
  private merge(route: MultiRoute, id: string, parts: PartResult[]): ReservationResult {
    const refused = parts.find((part) => !part.ok) as Refusal | undefined;
    if (refused !== undefined) {
      const lost = refused.error.code === 'UNAVAILABLE' || refused.error.code === 'STORAGE_FAILED';
      invariant(parts.every((part) => !part.ok) || lost, `parts of '${id}' answered differently`);
      // Some parts applied it and a stopped shard did not: the parts are brought into agreement
      // (moved forward) once that shard recovers, so the outcome is not "nothing happened".
      if (refused.error.code === 'STORAGE_FAILED' && parts.some((part) => part.ok)) {
        return refuse.unavailable(
          route.shards[0]!,
          `a shard of reservation '${id}' failed to store it while the others did; retry with the same id`,
        );
      }
      return refused;
    }
    const reservations = parts.map((part) => (part as { reservation: Reservation }).reservation);
    const first = reservations[0]!;
    if (!reservations.every((r) => r.status === first.status)) {
      // Only after a worker died mid-operation (see reconcile): the parts are brought back into agreement.
      void this.reconcile(route);
      return refuse.unavailable(
        route.shards[0]!,
        `the parts of reservation '${id}' disagree after a shard restart; retry`,
      );
    }
    // Each part's lines are in request order; a stable sort by request line interleaves them back.
    const lines = reservations.flatMap((reservation) => reservation.lines).sort((a, b) => a.line - b.line);
    const backordered = reservations.reduce((units, reservation) => units + reservation.backordered, 0);
    return { ok: true, reservation: { ...first, backordered, lines } };
  }
}

/** The refusal a single ledger would have given: the one at the lowest line. */
function firstRefusal(parts: PartResult[]): Refusal | undefined {
  let first: Refusal | undefined;
  for (const part of parts) {
    if (part.ok) continue;
    if (first === undefined || (part.error.line ?? Infinity) < (first.error.line ?? Infinity)) first = part;
  }
  return first;
}

function maskOf(shards: readonly number[]): number {
  return shards.reduce((mask, shard) => mask | (1 << shard), 0);
}
