import { defined } from '../../shared/invariant.js';
import { createLatencyHistogram, type LatencyHistogram } from '../load/histogram.js';

/** What every peer load counts (warm-up included, for the checks). */
export interface PeerCounts {
  reserveOk: number;
  /** Reserves refused for lack of stock (expected only in the hot cases). */
  reserveRefused: number;
  commitOk: number;
  releaseOk: number;
  /** A settle that found no hold, a duplicate id, a command error: always a failure. */
  anomalies: number;
  firstAnomaly: string;
}

function createPeerCounts(): PeerCounts {
  return { reserveOk: 0, reserveRefused: 0, commitOk: 0, releaseOk: 0, anomalies: 0, firstAnomaly: '' };
}

function noteAnomaly(counts: PeerCounts, text: string): void {
  counts.anomalies += 1;
  if (counts.firstAnomaly === '') counts.firstAnomaly = text.slice(0, 300);
}

/** A hold the driver has been granted and will settle later. */
export interface PeerHold {
  id: string;
  sku: number;
}

/** One call to a peer: reserve 1 unit of `hold.sku` under `hold.id` (`settle` null), or commit|release that hold. */
export interface PeerOp {
  hold: PeerHold;
  settle: 'commit' | 'release' | null;
}

/**
 * A peer's answer to one op: done (reserved, settled); sold out (a reserve only); anything else is an anomaly,
 * described.
 */
export type PeerReply = 'done' | 'sold-out' | { anomaly: string };

/**
 * A peer's connections as the drivers use them: `ops` sent on lane `lane`'s connection as one round trip, one reply per
 * op in order.
 */
export interface PeerLink {
  send(lane: number, ops: PeerOp[]): Promise<PeerReply[]>;
}

/** Shared state of a measured pass: ops done and their latency (µs). */
export interface PeerPass {
  ops: number;
  /** Reserves that held (new holds granted) in the pass. */
  reservesHeld: number;
  latency: LatencyHistogram;
}

function newPass(): PeerPass {
  return { ops: 0, reservesHeld: 0, latency: createLatencyHistogram() };
}

/** Runs `lanes` loops until each returns; resolves with the elapsed milliseconds. */
async function runLoops(lanes: number, loop: (lane: number) => Promise<void>): Promise<number> {
  const startMs = performance.now();
  await Promise.all(Array.from({ length: lanes }, (_, lane) => loop(lane)));
  return performance.now() - startMs;
}

function reserveOp(hold: PeerHold): PeerOp {
  return { hold, settle: null };
}

/** Commits or releases (50:50) a hold granted earlier. */
function settleOp(hold: PeerHold): PeerOp {
  return { hold, settle: Math.random() < 0.5 ? 'commit' : 'release' };
}

/** Counts one reply; true when it granted a new hold. */
function countReply(op: PeerOp, reply: PeerReply, counts: PeerCounts): boolean {
  if (typeof reply === 'object') noteAnomaly(counts, reply.anomaly);
  else if (op.settle === 'commit') counts.commitOk += 1;
  else if (op.settle === 'release') counts.releaseOk += 1;
  else if (reply === 'done') counts.reserveOk += 1;
  else counts.reserveRefused += 1;
  return op.settle === null && reply === 'done';
}

/**
 * One round trip: `ops` sent on the lane's connection, timed into `pass` once per op it carries
 * (not in warm-up: `pass` null), every reply counted. Resolves with the holds it granted; a
 * round trip that fails as a whole counts one anomaly and is not timed.
 */
async function roundTrip(
  link: PeerLink,
  lane: number,
  ops: PeerOp[],
  counts: PeerCounts,
  pass: PeerPass | null,
): Promise<PeerHold[]> {
  const sentMs = performance.now();
  let replies: PeerReply[];
  try {
    replies = await link.send(lane, ops);
  } catch (error) {
    noteAnomaly(counts, (error as Error).message);
    return [];
  }
  if (pass !== null) pass.latency.record((performance.now() - sentMs) * 1000, ops.length);
  const granted = ops
    .filter((op, index) => countReply(op, defined(replies[index], 'a reply per op'), counts))
    .map((op) => op.hold);
  if (pass !== null) {
    pass.ops += ops.length;
    pass.reservesHeld += granted.length;
  }
  return granted;
}

/** A lane of the uniform mix: the holds it has been granted and not yet settled, and its round trips so far. */
export interface MixLane {
  held: PeerHold[];
  rounds: number;
}

/**
 * A peer's way of running the mix: a lane's next round trip, from the holds it settles (taken out of `lane.held`) and
 * new holds.
 */
export type MixRound = (lane: MixLane, newHold: () => PeerHold) => PeerOp[];

/** Pipelined: every hold the lane has settled, then `reserves` new reserves, in one round trip. */
export function settleAllThenReserve(reserves: number): MixRound {
  return (lane, newHold) => {
    const ops = lane.held.map(settleOp);
    lane.held = [];
    for (let index = 0; index < reserves; index++) ops.push(reserveOp(newHold()));
    return ops;
  };
}

/** One op per round trip: every other one settles the lane's oldest hold (when it has one), the rest reserve. */
export const alternateSettleReserve: MixRound = (lane, newHold) => {
  if ((lane.rounds++ & 1) === 1 && lane.held.length > 0) return [settleOp(lane.held.shift() as PeerHold)];
  return [reserveOp(newHold())];
};

export interface PeerMixPlan {
  url: string;
  skus: number;
  unitsPerSku: number;
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface PeerRun {
  counts: PeerCounts;
  pass: PeerPass;
  elapsedMs: number;
}

/** The uniform mix's run: also the holds the driver still has, which the peer's stock must show reserved. */
export interface PeerMixRun extends PeerRun {
  heldUnits: number;
}

/**
 * The uniform mix (as engine-uniform) over `plan.skus` SKUs, one lane per connection: a warm-up,
 * then the measured pass. Holds of 1 unit of a uniform SKU; every call counts as one op.
 */
export async function runPeerMix(link: PeerLink, plan: PeerMixPlan, round: MixRound): Promise<PeerMixRun> {
  const counts = createPeerCounts();
  const lanes: MixLane[] = Array.from({ length: plan.connections }, () => ({ held: [], rounds: 0 }));
  let idCount = 0;
  const newHold = (): PeerHold => ({ id: `u${idCount++}`, sku: Math.floor(Math.random() * plan.skus) });
  const runFor = (durationMs: number, pass: PeerPass | null): Promise<number> => {
    const deadlineMs = performance.now() + durationMs;
    return runLoops(plan.connections, async (index) => {
      const lane = defined(lanes[index], 'a lane per connection');
      while (performance.now() < deadlineMs) {
        const granted = await roundTrip(link, index, round(lane, newHold), counts, pass);
        lane.held.push(...granted);
      }
    });
  };
  await runFor(plan.warmupMs, null);
  const pass = newPass();
  const elapsedMs = await runFor(plan.durationMs, pass);
  return { counts, pass, elapsedMs, heldUnits: lanes.reduce((sum, lane) => sum + lane.held.length, 0) };
}

export interface PeerHotPlan {
  url: string;
  units: number;
  attempts: number;
  connections: number;
}

/**
 * One hot SKU (index 0): `plan.attempts` reserves of 1 unit (unique ids), `attemptsPerRound` per round trip on each
 * connection.
 */
export async function runPeerHot(link: PeerLink, plan: PeerHotPlan, attemptsPerRound: number): Promise<PeerRun> {
  const counts = createPeerCounts();
  const pass = newPass();
  let issued = 0;
  const elapsedMs = await runLoops(plan.connections, async (lane) => {
    while (issued < plan.attempts) {
      const batch = Math.min(attemptsPerRound, plan.attempts - issued);
      const ops = Array.from({ length: batch }, () => reserveOp({ id: `h${issued++}`, sku: 0 }));
      await roundTrip(link, lane, ops, counts, pass);
    }
  });
  return { counts, pass, elapsedMs };
}
