/**
 * Model-based test: random command sequences run against the engine and against a small
 * reference model written here (plain maps of positions and holds, independent of the engine's
 * code). After every command the engine's view must equal the model's, and the ledger
 * identities must hold. Runs for shards 0 and shards 2 with a manual clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import {
  assertInvariants,
  expectOk,
  expectRefused,
  manualClock,
  type Engine,
  type ManualClock,
} from './support/helpers.js';

const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'] as const;
const LOCATION_ORDER = ['WH-1', 'WH-2'];
/** STORE-X is not in locationOrder: it is tried after the known locations. */
const LOCATIONS = ['WH-1', 'WH-2', 'STORE-X'] as const;
const START_MS = 1_000_000;

type Status = 'held' | 'committed' | 'fulfilled' | 'released' | 'expired';
interface LineRequest {
  sku: string;
  qty: number;
  location?: string;
}
interface Body {
  id: string;
  channel: string;
  ttlMs: number;
  lines: LineRequest[];
  allowSplit?: boolean;
}
interface Placed {
  line: number;
  sku: string;
  location: string;
  qty: number;
  fulfilled: number;
  backordered: number;
}
interface Hold {
  id: string;
  channel: string;
  status: Status;
  expiresAt: number;
  lines: Placed[];
}
interface Position {
  onHand: number;
  reserved: number;
  committed: number;
  inbound: number;
  quarantined: number;
  /** onHand movements [time, delta] (everything but sync), and the asOf of the last count applied. */
  movements: Array<[number, number]>;
  lastSyncAsOf: number;
  /** Units of live holds waiting here for stock. */
  backordered: number;
}
interface Policy {
  safetyStock: number;
  fences: Record<string, number>;
  caps: Record<string, number>;
  backorderLimit: number;
}
interface Transit {
  sku: string;
  to: string;
  qty: number;
  received: boolean;
}

interface Model {
  now: number;
  /** sku → location → position; Map insertion order is first-seen order. */
  positions: Map<string, Map<string, Position>>;
  holds: Map<string, Hold>;
  /** The first answer to each id that the engine records (successes and recorded refusals). */
  outcomes: Map<string, { body: Body; result: unknown }>;
  /** Last seq and view (quantities and mode) read per SKU: any change must come with a higher seq. */
  seqs: Map<string, { seq: number; view: string }>;
  nextId: number;
  /** Transfers the engine accepted in transit, by id. */
  transits: Map<string, Transit>;
  /** sku → its policy (absent: none). */
  policies: Map<string, Policy>;
}
interface Real {
  engine: Engine;
  clock: ManualClock;
}
type Cmd = fc.AsyncCommand<Model, Real>;

/** What the runs exercised; each must happen at least once, or the generators have gone blind. */
const seen = {
  heldPlaced: 0,
  refusedStock: 0,
  conflict: 0,
  replay: 0,
  committed: 0,
  partialFulfil: 0,
  fulfilled: 0,
  overship: 0,
  releasedCommitted: 0,
  expired: 0,
  shortfall: 0,
  adjustRefused: 0,
  unknownLocationPlacement: 0,
  transfer: 0,
  restock: 0,
  split: 0,
  synced: 0,
  syncRebased: 0,
  staleSync: 0,
  syncTooOld: 0,
  policySet: 0,
  refusedByPolicy: 0,
  backordered: 0,
  backorderFilled: 0,
};

/** How far back a count can be rebased in these runs (short, so SYNC_TOO_OLD happens). */
const SYNC_HORIZON_MS = 4_000;

// ---------- the reference model ----------

function available(p: Position): number {
  return Math.max(0, p.onHand - p.reserved - p.committed);
}

function positionView(p: Position) {
  return {
    onHand: p.onHand,
    reserved: p.reserved,
    committed: p.committed,
    available: available(p),
    shortfall: Math.max(0, p.reserved + p.committed - p.onHand),
    inbound: p.inbound,
    quarantined: p.quarantined,
    backordered: p.backordered,
  };
}

function holdView(h: Hold) {
  const backordered = h.lines.reduce((units, l) => units + l.backordered, 0);
  return {
    id: h.id,
    channel: h.channel,
    status: h.status,
    expiresAt: h.expiresAt,
    backordered,
    lines: h.lines.map((l) => ({ ...l })),
  };
}

/** Moves onHand by a fact (receive, adjust, shipment, restock, transfer) and remembers it for sync. */
function moveOnHand(m: Model, p: Position, delta: number): void {
  p.onHand += delta;
  if (delta !== 0) p.movements.push([m.now, delta]);
}

/** Units channel `channel` holds of `sku` from stock now (held, or committed and not shipped). */
function allocatedBy(m: Model, sku: string, channel: string): number {
  let units = 0;
  for (const hold of m.holds.values()) {
    if (hold.channel !== channel || (hold.status !== 'held' && hold.status !== 'committed')) continue;
    for (const line of hold.lines) if (line.sku === sku) units += inStock(line);
  }
  return units;
}

/** Units of a hold line taken from stock and not shipped (backordered ones are not in stock). */
function inStock(line: Placed): number {
  return line.qty - line.fulfilled - line.backordered;
}

function live(hold: Hold): boolean {
  return hold.status === 'held' || hold.status === 'committed';
}

/** Units waiting for stock: of one SKU (every location), or at one position. */
function waiting(m: Model, sku: string, location?: string): number {
  let units = 0;
  for (const hold of m.holds.values()) {
    if (!live(hold)) continue;
    for (const line of hold.lines)
      if (line.sku === sku && (location === undefined || line.location === location)) units += line.backordered;
  }
  return units;
}

/**
 * Fills backorders first-in first-out (hold creation order): each waiting line takes what its
 * location has free and its channel may take. The engine does this after every operation on the
 * SKU; no operation frees units without touching their SKU, so doing it for every SKU after
 * every command is the same.
 */
function fillBackorders(m: Model): number {
  let fills = 0;
  for (const hold of m.holds.values()) {
    if (!live(hold)) continue;
    for (const line of hold.lines) {
      if (line.backordered === 0) continue;
      const p = positionOf(m, line.sku, line.location)!;
      const take = Math.min(line.backordered, available(p), stockHeadroom(m, line.sku, hold.channel));
      if (take <= 0) continue;
      line.backordered -= take;
      p.backordered -= take;
      if (hold.status === 'held') p.reserved += take;
      else p.committed += take;
      fills++;
    }
  }
  return fills;
}

function skuAvailable(m: Model, sku: string): number {
  let units = 0;
  for (const p of m.positions.get(sku)?.values() ?? []) units += available(p);
  return units;
}

/** What `channel` may take of `sku` from stock: available less safety stock and the others' unused fences. */
function stockHeadroom(
  m: Model,
  sku: string,
  channel: string,
  availableUnits = skuAvailable(m, sku),
  extra?: Map<string, number>,
): number {
  const policy = m.policies.get(sku);
  if (!policy) return Number.POSITIVE_INFINITY;
  let blocked = policy.safetyStock;
  for (const [fenced, fence] of Object.entries(policy.fences)) {
    if (fenced !== channel) blocked += Math.max(0, fence - allocatedBy(m, sku, fenced) - (extra?.get(fenced) ?? 0));
  }
  return Math.max(0, availableUnits - blocked);
}

function capHeadroom(m: Model, sku: string, channel: string, extra = 0): number {
  const cap = m.policies.get(sku)?.caps[channel];
  if (cap === undefined) return Number.POSITIVE_INFINITY;
  let waitingUnits = 0;
  for (const hold of m.holds.values()) {
    if (hold.channel !== channel || !live(hold)) continue;
    for (const line of hold.lines) if (line.sku === sku) waitingUnits += line.backordered;
  }
  return cap - allocatedBy(m, sku, channel) - waitingUnits - extra;
}

function channelsView(m: Model, sku: string): Record<string, number> {
  const policy = m.policies.get(sku);
  if (!policy) return { '*': skuAvailable(m, sku) };
  const channels: Record<string, number> = {};
  for (const channel of new Set([...Object.keys(policy.fences), ...Object.keys(policy.caps)])) {
    channels[channel] = Math.max(0, Math.min(stockHeadroom(m, sku, channel), capHeadroom(m, sku, channel)));
  }
  channels['*'] = stockHeadroom(m, sku, '*');
  return channels;
}

function positionOf(m: Model, sku: string, location: string): Position | undefined {
  return m.positions.get(sku)?.get(location);
}

function ensurePosition(m: Model, sku: string, location: string): Position {
  let byLocation = m.positions.get(sku);
  if (!byLocation) m.positions.set(sku, (byLocation = new Map()));
  let p = byLocation.get(location);
  if (!p) {
    p = {
      onHand: 0,
      reserved: 0,
      committed: 0,
      inbound: 0,
      quarantined: 0,
      movements: [],
      lastSyncAsOf: Number.NEGATIVE_INFINITY,
      backordered: 0,
    };
    byLocation.set(location, p);
  }
  return p;
}

/** Locations to try for an unlocated line: locationOrder first, then the others in first-seen order. */
function candidates(m: Model, sku: string): string[] {
  const known = [...(m.positions.get(sku)?.keys() ?? [])];
  return [...LOCATION_ORDER.filter((l) => known.includes(l)), ...known.filter((l) => !LOCATION_ORDER.includes(l))];
}

/**
 * Places every line in order (earlier lines of the hold count), or returns null when one cannot
 * be placed, or 'policy' when the SKU's policy (a cap, safety stock, another channel's fence)
 * is what refused it. With allowSplit, a line no one location can serve takes what each has,
 * in priority order.
 */
function place(m: Model, body: Body): Placed[] | null | 'policy' {
  const taken = new Map<string, number>();
  const takenBySku = new Map<string, number>();
  const waitingBySku = new Map<string, number>();
  const free = (sku: string, location: string) => {
    const p = positionOf(m, sku, location);
    return p ? available(p) - (taken.get(`${sku}|${location}`) ?? 0) : -1;
  };
  const take = (sku: string, location: string, qty: number) => {
    taken.set(`${sku}|${location}`, (taken.get(`${sku}|${location}`) ?? 0) + qty);
    takenBySku.set(sku, (takenBySku.get(sku) ?? 0) + qty);
  };
  const placed: Placed[] = [];
  for (const [index, line] of body.lines.entries()) {
    const mine = takenBySku.get(line.sku) ?? 0;
    if (capHeadroom(m, line.sku, body.channel, mine + (waitingBySku.get(line.sku) ?? 0)) < line.qty) return 'policy';
    const extra = new Map([[body.channel, mine]]);
    const headroom = stockHeadroom(m, line.sku, body.channel, skuAvailable(m, line.sku) - mine, extra);
    const options = line.location !== undefined ? [line.location] : candidates(m, line.sku);
    const location = options.find((l) => free(line.sku, l) >= line.qty);
    if (location !== undefined && headroom >= line.qty) {
      take(line.sku, location, line.qty);
      placed.push({ line: index, sku: line.sku, location, qty: line.qty, fulfilled: 0, backordered: 0 });
      continue;
    }
    const total = options.reduce((units, l) => units + Math.max(0, free(line.sku, l)), 0);
    const physicallyPossible =
      location !== undefined || (body.allowSplit === true && line.location === undefined && total >= line.qty);
    if (!physicallyPossible || headroom < line.qty) {
      // A backorder: what its location has free (and the channel may take) now, the rest waits.
      const limit = m.policies.get(line.sku)?.backorderLimit ?? 0;
      const at = line.location ?? candidates(m, line.sku)[0];
      const now = Math.min(line.qty, Math.max(0, free(line.sku, at)), headroom);
      const rest = line.qty - now;
      const waitingBefore = waiting(m, line.sku) + (waitingBySku.get(line.sku) ?? 0);
      if (limit === 0 || waitingBefore + rest > limit) return physicallyPossible ? 'policy' : null;
      if (now > 0) take(line.sku, at, now);
      waitingBySku.set(line.sku, (waitingBySku.get(line.sku) ?? 0) + rest);
      placed.push({ line: index, sku: line.sku, location: at, qty: line.qty, fulfilled: 0, backordered: rest });
      continue;
    }
    let left = line.qty;
    for (const l of options) {
      const units = Math.min(left, free(line.sku, l));
      if (units <= 0) continue;
      take(line.sku, l, units);
      placed.push({ line: index, sku: line.sku, location: l, qty: units, fulfilled: 0, backordered: 0 });
      left -= units;
      if (left === 0) break;
    }
  }
  return placed;
}

/** A hold ends (released, expired): its units in stock come back, its waiting units are dropped. */
function returnUnits(m: Model, hold: Hold): void {
  for (const line of hold.lines) {
    const p = positionOf(m, line.sku, line.location)!;
    if (hold.status === 'held') p.reserved -= inStock(line);
    if (hold.status === 'committed') p.committed -= inStock(line);
    p.backordered -= line.backordered;
    line.backordered = 0;
  }
}

function sameBody(a: Body, b: Body): boolean {
  return (
    JSON.stringify([a.channel, a.ttlMs, a.lines, a.allowSplit === true]) ===
    JSON.stringify([b.channel, b.ttlMs, b.lines, b.allowSplit === true])
  );
}

function expireDue(m: Model): string[] {
  const expired: string[] = [];
  for (const hold of m.holds.values()) {
    if (hold.status !== 'held' || hold.expiresAt > m.now) continue;
    returnUnits(m, hold);
    hold.status = 'expired';
    expired.push(hold.id);
  }
  return expired;
}

/**
 * Resolves a generated pick to an id at run time: mostly a hold the model knows, sometimes a
 * refused id or one never used (NOT_FOUND paths).
 */
function pickId(m: Model, pick: number): string {
  const holds = [...m.holds.keys()];
  // Half the time one of the three newest holds, so commit → fulfil → release chains happen.
  if (holds.length > 0 && pick % 2 === 0)
    return holds[holds.length - 1 - (Math.floor(pick / 2) % Math.min(3, holds.length))];
  if (holds.length > 0 && pick % 5 !== 0) return holds[Math.floor(pick / 5) % holds.length];
  const others = [...m.outcomes.keys(), 'NEVER-USED'];
  return others[Math.floor(pick / 5) % others.length];
}

// ---------- checks after every command ----------

async function checkAgainstModel(m: Model, r: Real, label: string): Promise<void> {
  seen.backorderFilled += fillBackorders(m);
  for (const sku of SKUS) {
    const result = await r.engine.get(sku);
    const byLocation = m.positions.get(sku);
    if (!byLocation) {
      expectRefused(result, 'NOT_FOUND', `${label}: get(${sku})`);
      continue;
    }
    const view = expectOk(result, `${label}: get(${sku})`);
    const locations = Object.fromEntries([...byLocation].map(([l, p]) => [l, positionView(p)]));
    const totals = { onHand: 0, reserved: 0, committed: 0, available: 0, shortfall: 0 };
    for (const p of Object.values(locations))
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += p[k];
    expect(view.locations, `${label}: ${sku} positions`).toEqual(locations);
    expect(
      {
        onHand: view.onHand,
        reserved: view.reserved,
        committed: view.committed,
        available: view.available,
        shortfall: view.shortfall,
      },
      `${label}: ${sku} totals`,
    ).toEqual(totals);
    expect(view.mode, `${label}: ${sku} mode`).toBe(totals.available === 0 ? 'soldOut' : 'active');
    expect(view.channels, `${label}: ${sku} channel availability`).toEqual(channelsView(m, sku));
    expect(view.policy, `${label}: ${sku} policy`).toEqual(m.policies.get(sku) ?? null);
    if (totals.shortfall > 0) seen.shortfall++;

    // reserved = the live held holds' units; committed = the committed holds' unshipped units.
    let heldUnits = 0;
    let committedUnits = 0;
    for (const hold of m.holds.values()) {
      for (const line of hold.lines) {
        if (line.sku !== sku) continue;
        if (hold.status === 'held') heldUnits += inStock(line);
        if (hold.status === 'committed') committedUnits += inStock(line);
      }
    }
    expect(view.reserved, `${label}: ${sku} reserved === sum of live held holds`).toBe(heldUnits);
    expect(view.committed, `${label}: ${sku} committed === sum of committed holds' unshipped units`).toBe(
      committedUnits,
    );

    const now = JSON.stringify([view.mode, view.locations]);
    const last = m.seqs.get(sku);
    if (last !== undefined) {
      expect(view.seq, `${label}: ${sku} seq never goes back`).toBeGreaterThanOrEqual(last.seq);
      if (last.view !== now) expect(view.seq, `${label}: ${sku} changed, so its seq moved`).toBeGreaterThan(last.seq);
    }
    m.seqs.set(sku, { seq: view.seq, view: now });
  }
  await assertInvariants(r.engine, SKUS, LOCATIONS);
}

// ---------- commands ----------

class Receive implements Cmd {
  constructor(
    readonly sku: string,
    readonly location: string,
    readonly qty: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const result = expectOk(
      await r.engine.receive({ sku: this.sku, location: this.location, qty: this.qty }),
      this.toString(),
    );
    const p = ensurePosition(m, this.sku, this.location);
    moveOnHand(m, p, this.qty);
    seen.backorderFilled += fillBackorders(m);
    expect(result.position, this.toString()).toEqual(positionView(p));
    await checkAgainstModel(m, r, this.toString());
  }
  toString() {
    return `receive(${this.sku}@${this.location} +${this.qty})`;
  }
}

class Adjust implements Cmd {
  constructor(
    readonly sku: string,
    readonly location: string,
    readonly delta: number,
  ) {}
  check = (m: Readonly<Model>) => positionOf(m as Model, this.sku, this.location) !== undefined;
  async run(m: Model, r: Real) {
    const result = await r.engine.adjust({
      sku: this.sku,
      location: this.location,
      delta: this.delta,
      reason: 'count',
    });
    const p = positionOf(m, this.sku, this.location)!;
    if (p.onHand + this.delta < 0) {
      seen.adjustRefused++;
      expectRefused(result, 'INSUFFICIENT_STOCK', this.toString());
    } else {
      const ok = expectOk(result, this.toString());
      moveOnHand(m, p, this.delta);
      seen.backorderFilled += fillBackorders(m);
      expect(ok.position, this.toString()).toEqual(positionView(p));
    }
    await checkAgainstModel(m, r, this.toString());
  }
  toString() {
    return `adjust(${this.sku}@${this.location} ${this.delta > 0 ? '+' : ''}${this.delta})`;
  }
}

class Reserve implements Cmd {
  private body: Body;
  /** reuse: null for a fresh id, else a pick among the ids already answered (replay or CONFLICT). */
  constructor(
    readonly request: Omit<Body, 'id'>,
    readonly reuse: number | null,
  ) {
    this.body = { id: '?', ...request };
  }
  check = () => true;
  async run(m: Model, r: Real) {
    const used = [...m.outcomes.keys()];
    const id = this.reuse !== null && used.length > 0 ? used[this.reuse % used.length] : `H${m.nextId++}`;
    this.body = { id, ...this.request };
    const label = this.toString();
    const result = await r.engine.reserve(structuredClone(this.body));
    const prior = m.outcomes.get(this.body.id);
    if (prior) {
      if (sameBody(prior.body, this.body))
        expect(result, `${label}: replay answers the original`).toEqual(prior.result);
      else {
        seen.conflict++;
        expectRefused(result, 'CONFLICT', label);
      }
    } else {
      const placed = place(m, this.body);
      if (placed === null || placed === 'policy') {
        if (placed === 'policy') seen.refusedByPolicy++;
        else seen.refusedStock++;
        expectRefused(result, 'INSUFFICIENT_STOCK', label);
      } else {
        seen.heldPlaced++;
        if (placed.length > this.body.lines.length) seen.split++;
        if (placed.some((l) => !LOCATION_ORDER.includes(l.location))) seen.unknownLocationPlacement++;
        const hold: Hold = {
          id: this.body.id,
          channel: this.body.channel,
          status: 'held',
          expiresAt: m.now + this.body.ttlMs,
          lines: placed,
        };
        const ok = expectOk(result, label);
        expect(ok.reservation, `${label}: reservation`).toEqual(holdView(hold));
        for (const line of placed) {
          const p = ensurePosition(m, line.sku, line.location);
          p.reserved += inStock(line);
          p.backordered += line.backordered;
        }
        if (placed.some((l) => l.backordered > 0)) seen.backordered++;
        m.holds.set(hold.id, hold);
      }
      m.outcomes.set(this.body.id, { body: structuredClone(this.body), result: structuredClone(result) });
      expect(await r.engine.reserve(structuredClone(this.body)), `${label}: immediate replay`).toEqual(result);
    }
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `reserve(${this.reuse === null ? '' : `reuse #${this.reuse}: `}${JSON.stringify(this.body)})`;
  }
}

/** Replays an id's original body, at any later point (after commit, release, expiry...). */
class Replay implements Cmd {
  private id = '?';
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.outcomes.size > 0;
  async run(m: Model, r: Real) {
    const used = [...m.outcomes.keys()];
    this.id = used[this.pick % used.length];
    const prior = m.outcomes.get(this.id)!;
    seen.replay++;
    expect(await r.engine.reserve(structuredClone(prior.body)), this.toString()).toEqual(prior.result);
    await checkAgainstModel(m, r, this.toString());
  }
  toString() {
    return `replay(#${this.pick}→${this.id})`;
  }
}

class Commit implements Cmd {
  private id = '?';
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    this.id = pickId(m, this.pick);
    const label = this.toString();
    const result = await r.engine.commit(this.id);
    const hold = m.holds.get(this.id);
    if (!hold) expectRefused(result, 'NOT_FOUND', label);
    else if (hold.status === 'held' || hold.status === 'committed') {
      if (hold.status === 'held') {
        for (const line of hold.lines) {
          const p = positionOf(m, line.sku, line.location)!;
          p.reserved -= inStock(line);
          p.committed += inStock(line);
        }
        hold.status = 'committed';
        seen.committed++;
      }
      expect(expectOk(result, label).reservation, label).toEqual(holdView(hold));
    } else expectRefused(result, 'INVALID_STATE', label);
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `commit(#${this.pick}→${this.id})`;
  }
}

/** Positions that exactly one line of the hold occupies: a fulfil line names them unambiguously. */
function uniqueLines(hold: Hold): Placed[] {
  const count = new Map<string, number>();
  for (const l of hold.lines) count.set(`${l.sku}|${l.location}`, (count.get(`${l.sku}|${l.location}`) ?? 0) + 1);
  return hold.lines.filter((l) => count.get(`${l.sku}|${l.location}`) === 1);
}

class Fulfil implements Cmd {
  private id = '?';
  constructor(
    readonly pick: number,
    readonly mode: 'all' | 'partial' | 'over',
    readonly mask: number,
    readonly percent: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    this.id = pickId(m, this.pick);
    const label = this.toString();
    const hold = m.holds.get(this.id);
    if (!hold || hold.status !== 'committed') {
      const result = await r.engine.fulfil(this.id);
      expectRefused(result, hold ? 'INVALID_STATE' : 'NOT_FOUND', label);
      await checkAgainstModel(m, r, label);
      return;
    }
    const eligible = uniqueLines(hold).filter((l) => this.mode === 'over' || inStock(l) > 0);
    const mode = eligible.length === 0 ? 'all' : this.mode;
    if (mode === 'over') {
      const line = eligible[this.mask % eligible.length];
      const result = await r.engine.fulfil(this.id, [
        { sku: line.sku, location: line.location, qty: inStock(line) + 1 },
      ]);
      seen.overship++;
      expectRefused(result, 'INVALID_ARGUMENT', `${label} over ${line.sku}@${line.location}`);
      await checkAgainstModel(m, r, label);
      return;
    }
    // What ships: [line, qty] pairs.
    let shipping: Array<[Placed, number]>;
    let call: Promise<unknown>;
    if (mode === 'all') {
      shipping = hold.lines.filter((l) => inStock(l) > 0).map((l) => [l, inStock(l)]);
      call = r.engine.fulfil(this.id);
    } else {
      let chosen = eligible.filter((_, i) => (this.mask >> i) & 1);
      if (chosen.length === 0) chosen = [eligible[0]];
      shipping = chosen.map((l) => [l, Math.max(1, Math.ceil((inStock(l) * this.percent) / 100))]);
      call = r.engine.fulfil(
        this.id,
        shipping.map(([l, q]) => ({ sku: l.sku, location: l.location, qty: q })),
      );
    }
    const result = (await call) as { ok: boolean };
    // Shipping is a fact: committed −= q and onHand −= q, but onHand never goes below 0.
    for (const [l, q] of shipping) {
      const p = positionOf(m, l.sku, l.location)!;
      p.committed -= q;
      moveOnHand(m, p, Math.max(0, p.onHand - q) - p.onHand);
      l.fulfilled += q;
    }
    if (hold.lines.every((l) => l.fulfilled === l.qty)) {
      hold.status = 'fulfilled';
      seen.fulfilled++;
    } else seen.partialFulfil++;
    expect((expectOk(result as never, label) as { reservation: unknown }).reservation, label).toEqual(holdView(hold));
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `fulfil(#${this.pick}→${this.id}, ${this.mode}, mask=${this.mask}, ${this.percent}%)`;
  }
}

class Release implements Cmd {
  private id = '?';
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    this.id = pickId(m, this.pick);
    const label = this.toString();
    const result = await r.engine.release(this.id);
    const hold = m.holds.get(this.id);
    if (!hold) expectRefused(result, 'NOT_FOUND', label);
    else if (hold.status === 'held' || hold.status === 'committed' || hold.status === 'released') {
      returnUnits(m, hold);
      if (hold.status === 'committed') seen.releasedCommitted++;
      hold.status = 'released';
      expect(expectOk(result, label).reservation, label).toEqual(holdView(hold));
    } else expectRefused(result, 'INVALID_STATE', label);
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `release(#${this.pick}→${this.id})`;
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const label = this.toString();
    m.now += this.ms;
    r.clock.set(m.now);
    expect(await r.engine.expireDue(), label).toEqual({ ok: true });
    const expired = expireDue(m);
    seen.expired += expired.length;
    for (const id of expired) {
      const view = expectOk(await r.engine.getReservation(id), `${label}: getReservation(${id})`);
      expect(view.reservation.status, `${label}: ${id} expired and returned its units`).toBe('expired');
    }
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `advance(${this.ms}ms)`;
  }
}

class GetReservation implements Cmd {
  private id = '?';
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    this.id = pickId(m, this.pick);
    const result = await r.engine.getReservation(this.id);
    const hold = m.holds.get(this.id);
    if (!hold) expectRefused(result, 'NOT_FOUND', this.toString());
    else expect(expectOk(result, this.toString()).reservation, this.toString()).toEqual(holdView(hold));
  }
  toString() {
    return `getReservation(#${this.pick}→${this.id})`;
  }
}

/** transfer: only available units move; in transit they are inbound at `to` until received. */
class Transfer implements Cmd {
  constructor(
    readonly sku: string,
    readonly from: string,
    readonly to: string,
    readonly qty: number,
    readonly inTransit: boolean,
  ) {}
  check = (m: Readonly<Model>) => this.from !== this.to && positionOf(m as Model, this.sku, this.from) !== undefined;
  async run(m: Model, r: Real) {
    const label = this.toString();
    const id = `t${m.nextId++}`;
    const result = await r.engine.transfer({
      id,
      sku: this.sku,
      from: this.from,
      to: this.to,
      qty: this.qty,
      inTransit: this.inTransit,
    });
    const source = positionOf(m, this.sku, this.from)!;
    if (available(source) < this.qty) {
      expectRefused(result, 'INSUFFICIENT_STOCK', label);
    } else {
      expect(expectOk(result, label).transfer.status, label).toBe(this.inTransit ? 'inTransit' : 'received');
      seen.transfer++;
      moveOnHand(m, source, -this.qty);
      const target = ensurePosition(m, this.sku, this.to);
      if (this.inTransit) {
        target.inbound += this.qty;
        m.transits.set(id, { sku: this.sku, to: this.to, qty: this.qty, received: false });
      } else {
        moveOnHand(m, target, this.qty);
      }
    }
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `transfer(${this.sku} ${this.from}→${this.to} ${this.qty}${this.inTransit ? ' in transit' : ''})`;
  }
}

class ReceiveTransfer implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.transits.size > 0;
  async run(m: Model, r: Real) {
    const ids = [...m.transits.keys()];
    const id = ids[this.pick % ids.length];
    const transit = m.transits.get(id)!;
    const result = expectOk(await r.engine.receiveTransfer({ sku: transit.sku, id }), this.toString());
    expect(result.transfer.status).toBe('received');
    if (!transit.received) {
      const target = positionOf(m, transit.sku, transit.to)!;
      target.inbound -= transit.qty;
      moveOnHand(m, target, transit.qty);
      transit.received = true;
    }
    await checkAgainstModel(m, r, this.toString());
  }
  toString() {
    return `receiveTransfer(#${this.pick})`;
  }
}

/** restock: sellable units are on hand (and available) at once; damaged ones are quarantined. */
class Restock implements Cmd {
  constructor(
    readonly sku: string,
    readonly location: string,
    readonly qty: number,
    readonly sellable: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const label = this.toString();
    const result = expectOk(
      await r.engine.restock({
        sku: this.sku,
        location: this.location,
        qty: this.qty,
        condition: this.sellable ? 'sellable' : 'damaged',
      }),
      label,
    );
    const p = ensurePosition(m, this.sku, this.location);
    if (this.sellable) moveOnHand(m, p, this.qty);
    else p.quarantined += this.qty;
    seen.backorderFilled += fillBackorders(m);
    seen.restock++;
    expect(result.position, label).toEqual(positionView(p));
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `restock(${this.sku}@${this.location} +${this.qty} ${this.sellable ? 'sellable' : 'damaged'})`;
  }
}

/**
 * sync: a count taken `ageMs` ago. onHand = count + the movements after asOf (a sync is not a
 * movement); older than the last count → STALE_SYNC, older than the horizon → SYNC_TOO_OLD.
 */
class Sync implements Cmd {
  constructor(
    readonly sku: string,
    readonly location: string,
    readonly counted: number,
    readonly ageMs: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const label = this.toString();
    const asOf = m.now - this.ageMs;
    const result = await r.engine.sync({ sku: this.sku, location: this.location, onHand: this.counted, asOf });
    const existing = positionOf(m, this.sku, this.location);
    if (existing !== undefined && asOf < existing.lastSyncAsOf) {
      seen.staleSync++;
      expectRefused(result, 'STALE_SYNC', label);
    } else if (asOf < m.now - SYNC_HORIZON_MS) {
      seen.syncTooOld++;
      expectRefused(result, 'SYNC_TOO_OLD', label);
    } else {
      const p = ensurePosition(m, this.sku, this.location);
      const rebasedBy = p.movements.filter(([at]) => at > asOf).reduce((sum, [, delta]) => sum + delta, 0);
      const onHand = Math.max(0, this.counted + rebasedBy);
      const ok = expectOk(result, label);
      expect({ rebasedBy: ok.rebasedBy, delta: ok.delta }, label).toEqual({ rebasedBy, delta: onHand - p.onHand });
      p.onHand = onHand;
      p.lastSyncAsOf = asOf;
      seen.backorderFilled += fillBackorders(m);
      seen.synced++;
      if (rebasedBy !== 0) seen.syncRebased++;
      expect(ok.position, label).toEqual(positionView(p));
    }
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `sync(${this.sku}@${this.location} =${this.counted} ${this.ageMs}ms ago)`;
  }
}

/** setPolicy: replaces the SKU's safety stock, fences, caps and backorder limit. */
class SetPolicy implements Cmd {
  constructor(
    readonly sku: string,
    readonly policy: Policy,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const label = this.toString();
    const ok = expectOk(await r.engine.setPolicy({ sku: this.sku, ...structuredClone(this.policy) }), label);
    const policy: Policy = structuredClone(this.policy);
    const empty =
      policy.safetyStock === 0 &&
      policy.backorderLimit === 0 &&
      Object.keys(policy.fences).length === 0 &&
      Object.keys(policy.caps).length === 0;
    if (empty) m.policies.delete(this.sku);
    else m.policies.set(this.sku, policy);
    seen.policySet++;
    seen.backorderFilled += fillBackorders(m);
    expect(ok.policy, label).toEqual(empty ? null : policy);
    expect(ok.channels, label).toEqual(channelsView(m, this.sku));
    await checkAgainstModel(m, r, label);
  }
  toString() {
    return `setPolicy(${this.sku} ${JSON.stringify(this.policy)})`;
  }
}

/** A full read of every SKU against the model (the same check every command ends with). */
class Get implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    await checkAgainstModel(m, r, this.toString());
  }
  toString() {
    return 'get(*)';
  }
}

// ---------- generators ----------

const skuArb = fc.constantFrom(...SKUS);
const locationArb = fc.constantFrom(...LOCATIONS);
const pickArb = fc.nat(1_000);
const reuseArb = fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(1_000) });

const lineArb = fc
  .record(
    { sku: skuArb, qty: fc.integer({ min: 1, max: 6 }), location: fc.option(locationArb, { nil: undefined, freq: 4 }) },
    { requiredKeys: ['sku', 'qty'] },
  )
  .map((line) => {
    const clean: LineRequest = { sku: line.sku, qty: line.qty };
    if (line.location !== undefined) clean.location = line.location;
    return clean;
  });

/** Lines are unique by (sku, location) and in a canonical order, so two bodies differ only in substance. */
const linesArb = fc
  .uniqueArray(lineArb, { minLength: 1, maxLength: 3, selector: (l) => `${l.sku}|${l.location ?? ''}` })
  .map((lines) =>
    [...lines].sort((a, b) => `${a.sku}|${a.location ?? ''}`.localeCompare(`${b.sku}|${b.location ?? ''}`)),
  );

const CHANNELS = ['web', 'app', 'marketplace'] as const;
const reserveArb = fc
  .tuple(
    fc.record({
      channel: fc.constantFrom(...CHANNELS),
      ttlMs: fc.constantFrom(500, 1_000, 3_000),
      lines: linesArb,
      allowSplit: fc.boolean(),
    }),
    reuseArb,
  )
  .map(([{ allowSplit, ...request }, reuse]) => new Reserve(allowSplit ? { ...request, allowSplit } : request, reuse));
/** One large line: more than one location holds, often more than the SKU has (splits, backorders). */
const bigReserveArb = fc
  .record({
    channel: fc.constantFrom(...CHANNELS),
    ttlMs: fc.constantFrom(1_000, 3_000),
    lines: fc.tuple(skuArb, fc.integer({ min: 5, max: 16 })).map(([sku, qty]) => [{ sku, qty }]),
    allowSplit: fc.boolean(),
  })
  .map(({ allowSplit, ...request }) => new Reserve(allowSplit ? { ...request, allowSplit } : request, null));
const channelUnitsArb = fc.dictionary(fc.constantFrom(...CHANNELS), fc.integer({ min: 0, max: 8 }), { maxKeys: 2 });
const setPolicyArb = fc
  .tuple(
    skuArb,
    fc.record({
      safetyStock: fc.integer({ min: 0, max: 5 }),
      fences: channelUnitsArb,
      caps: channelUnitsArb,
      backorderLimit: fc.constantFrom(0, 4, 12, 12),
    }),
  )
  .map(([sku, policy]) => new SetPolicy(sku, policy));
const syncArb = fc
  .tuple(skuArb, locationArb, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 5_000 }))
  .map(([sku, location, counted, ageMs]) => new Sync(sku, location, counted, ageMs));
const receiveArb = fc
  .tuple(skuArb, locationArb, fc.integer({ min: 1, max: 12 }))
  .map(([s, l, q]) => new Receive(s, l, q));
/** Receive and reserve appear twice: stock and holds are what the other commands act on. */
const adjustArb = fc
  .tuple(
    skuArb,
    locationArb,
    fc.integer({ min: -12, max: 6 }).filter((d) => d !== 0),
  )
  .map(([s, l, d]) => new Adjust(s, l, d));
const commitArb = pickArb.map((pick) => new Commit(pick));
const fulfilArb = fc
  .tuple(
    pickArb,
    fc.constantFrom('all', 'partial', 'partial', 'over') as fc.Arbitrary<'all' | 'partial' | 'over'>,
    fc.nat(7),
    fc.integer({ min: 1, max: 100 }),
  )
  .map(([pick, mode, mask, percent]) => new Fulfil(pick, mode, mask, percent));
const releaseArb = pickArb.map((pick) => new Release(pick));

/** Repetition weights the choice: stock, holds and their transitions are what matter most. */
const commandArbs = [
  receiveArb,
  receiveArb,
  adjustArb,
  adjustArb,
  reserveArb,
  reserveArb,
  reserveArb,
  pickArb.map((pick) => new Replay(pick)),
  commitArb,
  commitArb,
  commitArb,
  fulfilArb,
  fulfilArb,
  fulfilArb,
  releaseArb,
  releaseArb,
  fc.integer({ min: 1, max: 2_500 }).map((ms) => new Advance(ms)),
  pickArb.map((pick) => new GetReservation(pick)),
  fc.constant(new Get()),
  fc
    .tuple(skuArb, locationArb, locationArb, fc.integer({ min: 1, max: 6 }), fc.boolean())
    .map(([s, f, t, q, transit]) => new Transfer(s, f, t, q, transit)),
  pickArb.map((pick) => new ReceiveTransfer(pick)),
  fc
    .tuple(skuArb, locationArb, fc.integer({ min: 1, max: 4 }), fc.boolean())
    .map(([s, l, q, sellable]) => new Restock(s, l, q, sellable)),
  syncArb,
  syncArb,
  setPolicyArb,
  setPolicyArb,
  bigReserveArb,
];

// ---------- a scripted sequence that reaches every rare state ----------

/**
 * Runs first (as an explicit example): partial fulfilment, an over-shipment refusal, a shortfall
 * shipped down to onHand 0, placement at a location outside locationOrder, release of a committed
 * hold, a recorded refusal, CONFLICT, a late replay, and an expiry. Picks of 0 mean the newest hold.
 */
function scripted(): Cmd[] {
  return [
    new Reserve({ channel: 'web', ttlMs: 3_000, lines: [{ sku: 'SKU-A', qty: 3 }] }, null), // H0 @ WH-1
    new Commit(0),
    new Fulfil(0, 'partial', 1, 50), // ships 2 of 3
    new Fulfil(0, 'over', 0, 1), // asks for 2 of the 1 left: INVALID_ARGUMENT
    new Adjust('SKU-A', 'WH-1', -2), // onHand 0, committed 1: shortfall 1
    new Fulfil(0, 'all', 0, 1), // ships the last unit; onHand stays 0
    new Receive('SKU-B', 'STORE-X', 10),
    new Reserve({ channel: 'app', ttlMs: 3_000, lines: [{ sku: 'SKU-B', qty: 9 }] }, null), // H1 @ STORE-X
    new Commit(0),
    new Release(0), // releases a committed hold
    new Reserve({ channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-C', qty: 20 }] }, null), // H2 refused, recorded
    new Reserve({ channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-A', qty: 1 }] }, 0), // reuses H0: CONFLICT
    new Replay(1), // H1's original answer, though it is released
    new Reserve({ channel: 'web', ttlMs: 500, lines: [{ sku: 'SKU-C', qty: 1 }] }, null), // H3
    new Advance(500), // H3 expires
    new Adjust('SKU-C', 'WH-1', -12), // would go below zero
    new Replay(2), // H2's recorded refusal
    new Transfer('SKU-B', 'STORE-X', 'WH-1', 1, true), // in transit: inbound at WH-1
    new ReceiveTransfer(0),
    new Transfer('SKU-B', 'WH-1', 'STORE-X', 1, false),
    new Restock('SKU-A', 'WH-1', 2, false), // quarantined
    // split WH-1 + WH-2
    new Reserve({ channel: 'web', ttlMs: 3_000, lines: [{ sku: 'SKU-C', qty: 11 }], allowSplit: true }, null),
    new Sync('SKU-C', 'WH-2', 5, 2_000), // taken before the opening receive: rebased by it
    new Sync('SKU-C', 'WH-2', 5, 3_000), // older than the last count: STALE_SYNC
    new Sync('SKU-B', 'WH-2', 5, 4_500), // beyond the horizon: SYNC_TOO_OLD
    new SetPolicy('SKU-B', { safetyStock: 2, fences: { marketplace: 6 }, caps: { app: 1 }, backorderLimit: 0 }),
    new Reserve({ channel: 'app', ttlMs: 3_000, lines: [{ sku: 'SKU-B', qty: 2 }] }, null), // over the app cap
    new SetPolicy('SKU-B', { safetyStock: 0, fences: {}, caps: {}, backorderLimit: 0 }), // cleared
    new SetPolicy('SKU-A', { safetyStock: 0, fences: {}, caps: {}, backorderLimit: 20 }),
    // takes what WH-2 has
    new Reserve({ channel: 'web', ttlMs: 3_000, lines: [{ sku: 'SKU-A', qty: 6, location: 'WH-2' }] }, null),
    // waits whole
    new Reserve({ channel: 'app', ttlMs: 3_000, lines: [{ sku: 'SKU-A', qty: 5, location: 'WH-2' }] }, null),
    new Commit(1), // commits the first backorder
    new Receive('SKU-A', 'WH-2', 4), // fills the first backorder first
    new Receive('SKU-A', 'WH-2', 9), // the rest of the first, then the second
    new Get(),
  ];
}

/** Kinds that random generation alone must reach in every test run (the rarer ones come from the script). */
const COMMON: (keyof typeof seen)[] = ['heldPlaced', 'refusedStock', 'committed', 'replay'];

// ---------- the properties ----------

describe.each([
  { title: 'shards 0', shards: 0, numRuns: 60 },
  { title: 'shards 2', shards: 2, numRuns: 30 },
])('model-based: engine agrees with the reference model ($title)', ({ shards, numRuns }) => {
  it('every command sequence keeps the engine equal to the model', async () => {
    for (const key of Object.keys(seen) as (keyof typeof seen)[]) seen[key] = 0;
    let runs = 0;
    let afterScript: typeof seen | undefined;
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 40, size: 'max' }), async (cmds) => {
        if (runs++ === 1) afterScript = { ...seen };
        const clock = manualClock(START_MS);
        const engine = await createEngine({
          shards,
          clock,
          locationOrder: LOCATION_ORDER,
          syncHorizonMs: SYNC_HORIZON_MS,
        });
        try {
          const model: Model = {
            now: START_MS,
            positions: new Map(),
            holds: new Map(),
            outcomes: new Map(),
            seqs: new Map(),
            nextId: 0,
            transits: new Map(),
            policies: new Map(),
          };
          // Opening stock, so that holds have something to take from the first command on.
          for (const sku of SKUS) {
            for (const [location, qty] of [
              ['WH-2', 8],
              ['WH-1', 4],
            ] as const) {
              expectOk(await engine.receive({ sku, location, qty }));
              moveOnHand(model, ensurePosition(model, sku, location), qty);
            }
          }
          await fc.asyncModelRun(() => ({ model, real: { engine, clock } }), cmds);
        } finally {
          await engine.close();
        }
      }),
      { numRuns, examples: [[scripted()]], interruptAfterTimeLimit: 50_000, markInterruptAsFailure: false },
    );
    if (process.env.MODEL_DEBUG) console.log(JSON.stringify({ runs, seen, afterScript }));
    for (const [what, count] of Object.entries(seen)) expect(count, `the runs exercised ${what}`).toBeGreaterThan(0);
    expect(afterScript, 'random runs happened after the script').toBeDefined();
    for (const what of COMMON) {
      expect(seen[what] - afterScript![what], `random runs exercised ${what}`).toBeGreaterThan(0);
    }
  }, 90_000);
});
