/**
 * Crash test: `holdfast serve --shards 2 --fsync always` runs as a child process on
 * a journal; a driver sends reserves (single-SKU, and multi-line holds whose SKUs span both
 * shards), commits, fulfilments (with and without lines), releases, receives and replays over
 * the gateway, many calls in flight at once, and kills the process with SIGKILL at a random
 * moment (a few seeded milliseconds after a seeded number of acknowledged operations), round after
 * round, restarting it on the same data directory each time (a new port each time; each restart
 * picks --snapshot-every among a few values, so snapshots and generation rotation are crashed into
 * too, as are long journals). After every restart it checks, against what the driver was
 * told (the acknowledged answers; calls in flight at the kill resolve UNAVAILABLE and count as
 * unknown, to be resolved by reading back):
 *
 *  (1) every acknowledged operation is there: each acknowledged reserve's hold reads back exactly
 *      as the last acknowledged answer about it left it (status, lines, fulfilled units,
 *      expiresAt), or — when an operation on it was in flight at the kill — as it was before
 *      that operation or as the whole operation leaves it; an acknowledged refusal stays NOT_FOUND;
 *  (2) nothing is half-applied: a hold whose reserve was in flight reads back whole (every
 *      request line, every unit) or NOT_FOUND; an operation in flight on a cross-shard hold
 *      (a fulfil with lines on both shards) is applied on all its parts or none; each SKU's (and
 *      position's) reserved and committed are exactly the sums of the holds read back;
 *  (3) replays answer the original outcome: a sample of acknowledged reserves re-sent with the
 *      same body answers deep-equal to the first answer; every reserve that was in flight at the
 *      kill is re-sent and answers its original outcome (when it had been applied) or a fresh
 *      decision (when not), never CONFLICT and never a second hold (reserved is checked again);
 *  (4) the ledger: onHand + shortfall = available + reserved + committed, nothing negative,
 *      no shortfall (no counts or adjustments are sent, so nothing may be oversold:
 *      reserved + committed <= onHand), and units are conserved per position:
 *      received (acknowledged, plus at most the receives in flight) − shipped = onHand, and
 *      onHand never exceeds what was received minus what acknowledged fulfils shipped.
 *
 * The seed is printed; HOLDFAST_CRASH_SEED=<seed> replays the same choices (timing still varies).
 *
 * From issue 5 §5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../dist/engine/client/index.js';
import type {
  FulfilLine,
  PositionView,
  Reservation,
  ReserveRequest,
  ReserveResult,
  ReservationResult,
} from '../../dist/engine/index.js';
import { shardOfSku } from '../../dist/engine/router/hash.js';
import { Random } from '../../dist/simulator/kernel/random.js';
import { sleep } from '../engine/support/helpers.js';
import {
  applyOp,
  describeOp,
  killServer,
  sampleOf,
  startServer,
  wholeHoldProblems,
  withDeadline,
  type HoldOp,
  type ServerHandle,
} from './support/crash-helpers.js';

const TOKEN = 'Sc7Drk_WXmIw5TbZmIU69Myb-DZzuAzg';
const LOCATIONS = ['WH-A', 'WH-B'];
/** Six SKUs on each shard (FNV-1a, checked below), and one scarce SKU on each, to provoke refusals. */
const PLENTIFUL = Array.from({ length: 12 }, (_, i) => `SKU-${String(i).padStart(2, '0')}`);
const SCARCE = ['SCARCE-1', 'SCARCE-2'];
const SKUS = [...PLENTIFUL, ...SCARCE];
const TTL_MS = 3_600_000;

/** Kill rounds at most, and the time after which no new round starts (the suite's budget is ~40 s). */
const ROUNDS_MAX = 12;
const ROUNDS_BUDGET_MS = 24_000;
/** Concurrent driver loops: each keeps one call in flight. */
const LANES = 40;
/** Acknowledged operations in a round before the kill: a seeded number in this range. */
const KILL_AFTER_ACKS: [number, number] = [40, 450];
/** If the acks do not come (a very slow machine), kill anyway after this long. */
const KILL_FALLBACK_MS = 8_000;
/** Snapshot intervals a restart picks from: snapshots and generation rotation under crashes, and long journals. */
const SNAPSHOT_EVERY = [20, 150, 100_000];
/** Acknowledged reserves re-sent after each restart. */
const REPLAY_SAMPLE = 40;

const SEED =
  process.env.HOLDFAST_CRASH_SEED !== undefined && process.env.HOLDFAST_CRASH_SEED !== ''
    ? Number(process.env.HOLDFAST_CRASH_SEED) >>> 0
    : (Date.now() ^ (process.pid << 8)) >>> 0;

/** Everything the driver knows about one reservation id. */
interface Tracked {
  id: string;
  /** The exact request body, as sent. */
  body: ReserveRequest;
  /** Its lines live on both shards. */
  crossShard: boolean;
  /** 'acked': an answer came back (a hold or a recorded refusal); 'unknown': in flight at a kill. */
  reserve: 'acked' | 'unknown';
  /** The first acknowledged answer to the reserve: every replay must deep-equal it. */
  first: ReserveResult | null;
  /** The hold after the last acknowledged operation on it; null for a refused reserve. */
  state: Reservation | null;
  /** An operation whose answer never came (the kill): applied whole or not at all. */
  pending: HoldOp | null;
  /** An operation on it is in flight, or its outcome is unknown until the next restart's check. */
  busy: boolean;
  /** What happened to it, for failure messages. */
  history: string[];
}

interface RoundFigures {
  round: number;
  snapshotEvery: number;
  startupMs: number;
  checkMs: number;
  acked: number;
  inFlightAtKill: number;
  unknown: number;
  killedBy: 'acks' | 'timer' | '-';
  resolved: string;
  tornTails: number;
}

const resources: { server: ServerHandle | null; client: Client | null; dir: string | null } = {
  server: null,
  client: null,
  dir: null,
};

afterEach(async (context) => {
  const { server, client, dir } = resources;
  resources.server = null;
  resources.client = null;
  resources.dir = null;
  if (client !== null) await withDeadline(client.close(), 10_000, 'client.close()').catch(() => undefined);
  if (server !== null) await killServer(server);
  if (dir === null) return;
  // HOLDFAST_CRASH_KEEP=1 keeps the data directory of a failed run, to look into its journals.
  if (process.env.HOLDFAST_CRASH_KEEP === '1' && context.task.result?.state === 'fail')
    console.info(`crash-recovery: kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

function isUnknown(answer: { ok: boolean; error?: { code: string } }): boolean {
  // UNAVAILABLE: the connection dropped (the kill); OVERLOADED/CLOSED change nothing, but the
  // conservative reading costs nothing: the next check resolves it by reading back.
  return !answer.ok && ['UNAVAILABLE', 'OVERLOADED', 'CLOSED'].includes((answer.error as { code: string }).code);
}

/** The shard whose lines alone a fulfil applied (seen is the fulfil restricted to that shard's lines), or null. */
function halfApplied(state: Reservation, op: HoldOp, seen: Reservation): number | null {
  if (op.kind !== 'fulfil' || op.lines === undefined) return null;
  const lines = op.lines;
  for (const shard of [0, 1]) {
    const part = lines.filter((line) => shardOfSku(line.sku, 2) === shard);
    if (
      part.length > 0 &&
      part.length < lines.length &&
      isDeepStrictEqual(seen, applyOp(state, { kind: 'fulfil', lines: part }))
    )
      return shard;
  }
  return null;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

describe('crash recovery: SIGKILL holdfast serve mid-flight, restart on the same journal', () => {
  it(
    'acknowledged operations survive, holds are whole, ' + 'replays answer the original outcome, the ledger balances',
    async () => {
      console.info(`crash-recovery: seed ${SEED} (HOLDFAST_CRASH_SEED=${SEED} replays the same choices)`);
      const shardsOf = (skus: readonly string[]) => skus.map((sku) => shardOfSku(sku, 2));
      const shard0 = PLENTIFUL.filter((sku) => shardOfSku(sku, 2) === 0);
      const shard1 = PLENTIFUL.filter((sku) => shardOfSku(sku, 2) === 1);
      expect([shard0.length, shard1.length], 'the plentiful SKUs cover both shards evenly').toEqual([6, 6]);
      expect(new Set(shardsOf(SCARCE)), 'the scarce SKUs cover both shards').toEqual(new Set([0, 1]));

      const rng = new Random(SEED);
      const startedAt = Date.now();
      const dir = mkdtempSync(join(tmpdir(), 'holdfast-crash-'));
      resources.dir = dir;

      const tracked: Tracked[] = [];
      /** Units received per `${sku}@${location}`: acknowledged, and sent but unknown (in flight at a kill). */
      const receivedAcked = new Map<string, number>();
      const receivedUnknown = new Map<string, number>();
      const violations: string[] = [];
      const figures: RoundFigures[] = [];
      const totals = {
        acked: 0,
        inFlightAtKill: 0,
        unknown: 0,
        appliedUnknown: 0,
        notAppliedUnknown: 0,
        replays: 0,
        freshRetries: 0,
      };
      let nextId = 0;
      let round = 0;

      const violate = (what: string) => {
        if (violations.length < 50) violations.push(`round ${round}: ${what}`);
      };
      const add = (map: Map<string, number>, key: string, units: number) => map.set(key, (map.get(key) ?? 0) + units);
      const failIfViolations = (when: string) => {
        expect(violations, `seed ${SEED}: violations ${when} (HOLDFAST_CRASH_SEED=${SEED} to replay)`).toEqual([]);
      };

      // ---------------------------------------------------------------------------------------
      // Workload generation
      // ---------------------------------------------------------------------------------------

      const singleBody = (id: string): ReserveRequest => {
        const sku = rng.chance(0.15) ? rng.pick(SCARCE) : rng.pick(PLENTIFUL);
        const line: { sku: string; qty: number; location?: string } = { sku, qty: rng.int(1, 4) };
        const body: ReserveRequest = { id, channel: rng.pick(['web', 'app', 'pos']), ttlMs: TTL_MS, lines: [line] };
        if (rng.chance(0.2)) line.location = rng.pick(LOCATIONS);
        else {
          if (rng.chance(0.2)) body.allowSplit = true;
        }
        return body;
      };

      /** 6 to 8 plentiful SKUs, three or four on each shard (and sometimes a scarce one): both shards are hit. */
      const multiBody = (id: string): ReserveRequest => {
        const skus = [...sampleOf(rng, shard0, rng.int(3, 4)), ...sampleOf(rng, shard1, rng.int(3, 4))];
        if (rng.chance(0.35)) skus.push(rng.pick(SCARCE));
        const lines = sampleOf(rng, skus, skus.length).map((sku) => ({ sku, qty: rng.int(1, 3) }));
        const body: ReserveRequest = { id, channel: rng.pick(['web', 'marketplace']), ttlMs: TTL_MS, lines };
        if (rng.chance(0.2)) body.allowSplit = true;
        return body;
      };

      const newTracked = (body: ReserveRequest): Tracked => {
        const shards = new Set(shardsOf(body.lines.map((line) => line.sku)));
        const entry: Tracked = {
          id: body.id,
          body: structuredClone(body),
          crossShard: shards.size > 1,
          reserve: 'unknown',
          first: null,
          state: null,
          pending: null,
          busy: true,
          history: [],
        };
        tracked.push(entry);
        return entry;
      };

      /** A hold the driver may operate on now: acknowledged, not busy, held or committed. */
      const pickLive = (): Tracked | undefined => {
        if (tracked.length === 0) return undefined;
        for (let attempt = 0; attempt < 16; attempt++) {
          const from = rng.chance(0.6) ? Math.max(0, tracked.length - 300) : 0;
          const candidate = tracked[rng.int(from, tracked.length - 1)];
          if (candidate === undefined || candidate.busy || candidate.state === null) continue;
          if (candidate.state.status === 'held' || candidate.state.status === 'committed') return candidate;
        }
        return undefined;
      };

      const pickAcked = (): Tracked | undefined => {
        if (tracked.length === 0) return undefined;
        for (let attempt = 0; attempt < 16; attempt++) {
          const candidate = tracked[rng.int(0, tracked.length - 1)];
          if (candidate !== undefined && !candidate.busy && candidate.reserve === 'acked') return candidate;
        }
        return undefined;
      };

      /**
       * Fulfil lines: 1 to 3 of the hold's lines with units left, at random (a cross-shard hold's
       * may span both shards).
       */
      const fulfilLines = (state: Reservation): FulfilLine[] | undefined => {
        const open = state.lines.filter((line) => line.qty - line.fulfilled - line.backordered > 0);
        if (open.length === 0) return undefined;
        return sampleOf(rng, open, rng.int(1, Math.min(3, open.length))).map((line) => ({
          sku: line.sku,
          location: line.location,
          qty: rng.int(1, line.qty - line.fulfilled - line.backordered),
        }));
      };

      // ---------------------------------------------------------------------------------------
      // One round of traffic: LANES loops, each with one call in flight, until the kill
      // ---------------------------------------------------------------------------------------

      const drive = async (client: Client, server: ServerHandle, figure: RoundFigures): Promise<void> => {
        const killAfter = rng.int(KILL_AFTER_ACKS[0], KILL_AFTER_ACKS[1]);
        let killed = false;
        let inFlight = 0;
        let acked = 0;
        let unknown = 0;
        const kill = (by: 'acks' | 'timer') => {
          if (killed) return;
          killed = true;
          server.child.kill('SIGKILL');
          figure.killedBy = by;
          figure.inFlightAtKill = inFlight;
        };
        const fallback = setTimeout(() => kill('timer'), KILL_FALLBACK_MS);
        // The kill comes a few (seeded) milliseconds after the ack threshold, while the loops keep
        // sending: killing inside an answer's continuation would land between two lockstep frames.
        const killDelayMs = rng.int(0, 25);
        let armed = false;
        const acknowledged = () => {
          acked++;
          if (acked < killAfter || armed) return;
          armed = true;
          setTimeout(() => kill('acks'), killDelayMs);
        };
        /** Every call goes through here: counts what is in flight. */
        const call = async <T>(send: () => Promise<T>): Promise<T> => {
          inFlight++;
          try {
            return await send();
          } finally {
            inFlight--;
          }
        };

        const reserveNew = async () => {
          const id = `h${round}-${nextId++}`;
          const body = rng.chance(0.45) ? multiBody(id) : singleBody(id);
          const entry = newTracked(body);
          const answer = await call(() => client.reserve(body));
          if (isUnknown(answer)) {
            unknown++;
            entry.history.push(`r${round} reserve: unknown (${(answer as { error: { code: string } }).error.code})`);
            return; // stays busy: resolved after the restart
          }
          entry.reserve = 'acked';
          entry.first = answer;
          entry.history.push(`r${round} reserve: ${answer.ok ? 'held' : answer.error.code}`);
          if (answer.ok) {
            const problems = wholeHoldProblems(answer.reservation, body);
            if (answer.reservation.status !== 'held' || problems.length > 0) {
              violate(
                `reserve ${id} answered a hold that is not whole and held: ${problems.join('; ')} ${show(answer)}`,
              );
            }
            entry.state = answer.reservation;
          } else if (answer.error.code !== 'INSUFFICIENT_STOCK') {
            violate(`reserve ${id} answered ${show(answer)}`);
          }
          entry.busy = false;
          acknowledged();
        };

        const operate = async (entry: Tracked, op: HoldOp) => {
          entry.busy = true;
          const state = entry.state as Reservation;
          const answer = await call((): Promise<ReservationResult> => {
            if (op.kind === 'commit') return client.commit(entry.id);
            if (op.kind === 'release') return client.release(entry.id);
            return client.fulfil(entry.id, op.lines);
          });
          if (isUnknown(answer)) {
            unknown++;
            entry.pending = op;
            entry.history.push(`r${round} ${describeOp(op)}: unknown`);
            return; // stays busy until the restart's check says whether it applied
          }
          entry.history.push(
            `r${round} ${describeOp(op)}: ${answer.ok ? answer.reservation.status : answer.error.code}`,
          );
          const expected = applyOp(state, op);
          if (!answer.ok || !isDeepStrictEqual(answer.reservation, expected)) {
            violate(
              `${describeOp(op)} of ${entry.id} (was ${show(state)}) ` +
                `answered ${show(answer)}; expected ${show(expected)}`,
            );
          }
          if (answer.ok) entry.state = answer.reservation;
          entry.busy = false;
          acknowledged();
        };

        const replay = async (entry: Tracked) => {
          entry.busy = true;
          const answer = await call(() => client.reserve(entry.body));
          entry.busy = false;
          if (isUnknown(answer)) return; // a replay changes nothing either way
          totals.replays++;
          if (!isDeepStrictEqual(answer, entry.first)) {
            violate(`replay of ${entry.id} answered ${show(answer)}; the first answer was ${show(entry.first)}`);
          }
          acknowledged();
        };

        const receive = async () => {
          const sku = rng.chance(0.3) ? rng.pick(SCARCE) : rng.pick(PLENTIFUL);
          const location = rng.pick(LOCATIONS);
          const qty = SCARCE.includes(sku) ? rng.int(1, 4) : rng.int(5, 30);
          const key = `${sku}@${location}`;
          const answer = await call(() => client.receive({ sku, location, qty }));
          if (isUnknown(answer)) {
            unknown++;
            add(receivedUnknown, key, qty);
            return;
          }
          if (!answer.ok) violate(`receive ${qty} ${key} answered ${show(answer)}`);
          else add(receivedAcked, key, qty);
          acknowledged();
        };

        const step = async () => {
          const roll = rng.float();
          if (roll < 0.06) return receive();
          if (roll < 0.14) {
            const entry = pickAcked();
            if (entry !== undefined) return replay(entry);
          }
          if (roll < 0.6) {
            const entry = pickLive();
            if (entry !== undefined) {
              const state = entry.state as Reservation;
              const choice = rng.float();
              if (state.status === 'held') {
                if (choice < 0.6) return operate(entry, { kind: 'commit' });
                if (choice < 0.85) return operate(entry, { kind: 'release' });
                return replay(entry);
              }
              if (choice < 0.45) {
                const lines = fulfilLines(state);
                if (lines !== undefined) return operate(entry, { kind: 'fulfil', lines });
              }
              if (choice < 0.75) return operate(entry, { kind: 'fulfil' });
              if (choice < 0.95) return operate(entry, { kind: 'release' });
              return replay(entry);
            }
          }
          return reserveNew();
        };

        // A little seeded jitter, so the loops do not move in lockstep (one frame out, one frame
        // back): the calls spread over frames and shard batches, and the kill cuts anywhere.
        const jitter = () => sleep(rng.int(0, 3));
        // A loop stops at the kill, or when the connection is gone (a server that died by itself:
        // the exit check below reports it), never spinning on calls that resolve at once.
        const lane = async () => {
          while (!killed && client.connected) {
            if (rng.chance(0.3)) await jitter();
            if (killed || !client.connected) break;
            await step();
          }
        };
        try {
          await withDeadline(
            Promise.all(Array.from({ length: LANES }, lane)),
            60_000,
            'the driver loops ending after the kill',
          );
        } finally {
          clearTimeout(fallback);
        }
        figure.acked = acked;
        figure.unknown = unknown;
        totals.acked += acked;
        totals.unknown += unknown;
        totals.inFlightAtKill += figure.inFlightAtKill;
      };

      // ---------------------------------------------------------------------------------------
      // After a restart: read everything back and check
      // ---------------------------------------------------------------------------------------

      const expectOkAnswer = <T extends { ok: boolean }>(
        answer: T,
        what: string,
      ): answer is Extract<T, { ok: true }> => {
        if (!answer.ok) violate(`${what} answered ${show(answer)}`);
        return answer.ok;
      };

      /**
       * Checks every SKU against the holds read back (`holds`: reservation or null); returns each SKU's reserved units.
       */
      const checkLedger = async (
        client: Client,
        holds: Map<Tracked, Reservation | null>,
        shippedAcked: Map<string, number>,
        when: string,
        settleReceives: boolean,
      ): Promise<Map<string, number>> => {
        const reservedBySku = new Map<string, number>();
        const reserved = new Map<string, number>();
        const committed = new Map<string, number>();
        const shipped = new Map<string, number>();
        for (const reservation of holds.values()) {
          if (reservation === null) continue;
          for (const line of reservation.lines) {
            const key = `${line.sku}@${line.location}`;
            add(shipped, key, line.fulfilled);
            if (reservation.status === 'held') add(reserved, key, line.qty - line.backordered);
            if (reservation.status === 'committed') add(committed, key, line.qty - line.fulfilled - line.backordered);
          }
        }
        const views = await Promise.all(SKUS.map((sku) => client.get(sku)));
        views.forEach((view, index) => {
          const sku = SKUS[index];
          if (!expectOkAnswer(view, `${when}: get(${sku})`)) return;
          reservedBySku.set(sku, view.reserved);
          const levels: Array<[string, PositionView]> = [
            [sku, view],
            ...Object.entries(view.locations).map(
              ([location, position]) => [`${sku}@${location}`, position] as [string, PositionView],
            ),
          ];
          let sumReserved = 0;
          let sumCommitted = 0;
          for (const [where, q] of levels) {
            for (const field of ['onHand', 'reserved', 'committed', 'available', 'shortfall'] as const) {
              if (!(q[field] >= 0)) violate(`${when}: ${where}.${field} is ${q[field]}`);
            }
            if (q.onHand + q.shortfall !== q.available + q.reserved + q.committed) {
              violate(
                `${when}: ${where}: onHand ${q.onHand} + shortfall ${q.shortfall} != ` +
                  `available ${q.available} + reserved ${q.reserved} + committed ${q.committed}`,
              );
            }
            if (q.shortfall !== 0 || q.reserved + q.committed > q.onHand) {
              violate(
                `${when}: ${where} is oversold: reserved ${q.reserved} + committed ` +
                  `${q.committed} > onHand ${q.onHand} (shortfall ${q.shortfall})`,
              );
            }
          }
          for (const location of Object.keys(view.locations)) {
            if (!LOCATIONS.includes(location))
              violate(`${when}: ${sku} has a position at ${location}, where nothing was sent`);
          }
          for (const location of LOCATIONS) {
            const key = `${sku}@${location}`;
            const position = view.locations[location] ?? { onHand: 0, reserved: 0, committed: 0 };
            sumReserved += reserved.get(key) ?? 0;
            sumCommitted += committed.get(key) ?? 0;
            if (position.reserved !== (reserved.get(key) ?? 0)) {
              violate(
                `${when}: ${key}: reserved ${position.reserved}, but ` +
                  `the held holds read back hold ${reserved.get(key) ?? 0}`,
              );
            }
            if (position.committed !== (committed.get(key) ?? 0)) {
              violate(
                `${when}: ${key}: committed ${position.committed}, but the ` +
                  `committed holds read back keep ${committed.get(key) ?? 0}`,
              );
            }
            const out = shipped.get(key) ?? 0;
            const low = (receivedAcked.get(key) ?? 0) - out;
            const high = (receivedAcked.get(key) ?? 0) + (receivedUnknown.get(key) ?? 0) - out;
            if (position.onHand < low || position.onHand > high) {
              violate(
                `${when}: ${key}: onHand ${position.onHand} is not received ` +
                  `− shipped (received ${receivedAcked.get(key) ?? 0} ` +
                  `acknowledged + up to ${receivedUnknown.get(key) ?? 0} in flight, shipped ${out})`,
              );
            }
            const ackedOut = shippedAcked.get(key) ?? 0;
            if (position.onHand > (receivedAcked.get(key) ?? 0) + (receivedUnknown.get(key) ?? 0) - ackedOut) {
              violate(
                `${when}: ${key}: onHand ${position.onHand} exceeds what was ` +
                  `received minus what acknowledged fulfils shipped (${ackedOut})`,
              );
            }
            if (settleReceives) {
              // The receives in flight at the kill are now known: onHand + shipped is what arrived.
              receivedAcked.set(key, position.onHand + out);
              receivedUnknown.set(key, 0);
            }
          }
          if (view.reserved !== sumReserved)
            violate(`${when}: ${sku}: reserved ${view.reserved}, but the held holds read back hold ${sumReserved}`);
          if (view.committed !== sumCommitted)
            violate(
              `${when}: ${sku}: committed ${view.committed}, but the committed holds read back keep ${sumCommitted}`,
            );
        });
        return reservedBySku;
      };

      const check = async (client: Client, figure: RoundFigures): Promise<void> => {
        const checkStartedAt = Date.now();
        let applied = 0;
        let notApplied = 0;
        // Units acknowledged as shipped, before anything is read back.
        const shippedAcked = new Map<string, number>();
        for (const entry of tracked) {
          if (entry.state === null) continue;
          for (const line of entry.state.lines) add(shippedAcked, `${line.sku}@${line.location}`, line.fulfilled);
        }

        // (1) and (2): every id read back.
        const answers = await Promise.all(tracked.map((entry) => client.getReservation(entry.id)));
        const holds = new Map<Tracked, Reservation | null>();
        const inFlightReserves: Array<[Tracked, Reservation | null]> = [];
        answers.forEach((answer, index) => {
          const entry = tracked[index];
          if (!answer.ok && answer.error.code !== 'NOT_FOUND') {
            violate(`getReservation(${entry.id}) answered ${show(answer)}`);
            return;
          }
          const seen = answer.ok ? answer.reservation : null;
          const story = `history: ${entry.history.join(' | ')}`;
          if (entry.reserve === 'unknown') {
            // Its reserve was in flight at the kill: the hold is there whole, or not at all.
            if (seen !== null) {
              const problems = wholeHoldProblems(seen, entry.body);
              if (problems.length > 0) {
                violate(
                  `HALF-APPLIED hold ${entry.id} (${entry.crossShard ? 'cross-shard' : 'one shard'}): ` +
                    `${problems.join('; ')}; read back ${show(seen)}; body ${show(entry.body)}`,
                );
              }
              if (seen.status !== 'held' || seen.lines.some((line) => line.fulfilled !== 0)) {
                violate(
                  `hold ${entry.id} was never acknowledged, nothing ` +
                    `else was sent on it, yet it reads back ${show(seen)}`,
                );
              }
              applied++;
            } else {
              notApplied++;
            }
            inFlightReserves.push([entry, seen]);
            holds.set(entry, seen);
            return;
          }
          if (entry.state === null) {
            if (seen !== null)
              violate(`reserve ${entry.id} was refused (${show(entry.first)}), yet a hold reads back: ${show(seen)}`);
            holds.set(entry, null);
            return;
          }
          if (seen === null) {
            violate(
              `LOST: acknowledged hold ${entry.id} reads back NOT_FOUND; ` +
                `last acknowledged ${show(entry.state)}; ${story}`,
            );
            holds.set(entry, entry.state);
            return;
          }
          if (entry.pending === null) {
            if (!isDeepStrictEqual(seen, entry.state)) {
              violate(
                `acknowledged hold ${entry.id} reads back ${show(seen)}; ` +
                  `last acknowledged ${show(entry.state)}; ${story}`,
              );
            }
          } else {
            const after = applyOp(entry.state, entry.pending);
            if (isDeepStrictEqual(seen, entry.state)) notApplied++;
            else if (isDeepStrictEqual(seen, after)) applied++;
            else if (halfApplied(entry.state, entry.pending, seen) !== null) {
              violate(
                `HALF-APPLIED ${describeOp(entry.pending)} of cross-shard hold ` +
                  `${entry.id} (in flight at the kill): only the lines on shard ` +
                  (`${halfApplied(entry.state, entry.pending, seen)} were applied; ` +
                    `read back ${show(seen)}; before ${show(entry.state)}; ${story}`),
              );
            } else {
              violate(
                `${describeOp(entry.pending)} of ${entry.id} was in flight at the kill and is neither applied ` +
                  `nor not: read back ${show(seen)}; before ${show(entry.state)}; whole ${show(after)}; ${story}`,
              );
            }
            entry.history.push(`r${round} check: ${isDeepStrictEqual(seen, entry.state) ? 'not applied' : 'applied'}`);
            entry.pending = null;
            entry.busy = false;
          }
          entry.state = seen;
          holds.set(entry, seen);
        });
        totals.appliedUnknown += applied;
        totals.notAppliedUnknown += notApplied;

        // (2) and (4): the ledger against the holds read back.
        const reservedBefore = await checkLedger(client, holds, shippedAcked, 'after the restart', true);

        // (3): replays. A sample of acknowledged reserves answers as the first time; every reserve
        // that was in flight answers its original outcome (it was applied) or a fresh decision.
        const sample = sampleOf(
          rng,
          tracked.filter((entry) => entry.reserve === 'acked'),
          REPLAY_SAMPLE,
        );
        const [sampled, retried] = await Promise.all([
          Promise.all(sample.map((entry) => client.reserve(entry.body))),
          Promise.all(inFlightReserves.map(([entry]) => client.reserve(entry.body))),
        ]);
        sample.forEach((entry, index) => {
          totals.replays++;
          if (!isDeepStrictEqual(sampled[index], entry.first)) {
            violate(
              `REPLAY after the restart: reserve ${entry.id} answered ${show(sampled[index])}; ` +
                `the first answer was ${show(entry.first)}; history: ${entry.history.join(' | ')}`,
            );
          }
        });
        let fresh = 0;
        const freshUnits = new Map<string, number>();
        inFlightReserves.forEach(([entry, seen], index) => {
          const answer = retried[index];
          if (isUnknown(answer)) {
            violate(`RETRY of ${entry.id} during the check answered ${show(answer)}`);
            return;
          }
          if (seen !== null) {
            // Applied before the kill: the retry answers that original outcome (the hold is still held).
            if (!isDeepStrictEqual(answer, { ok: true, reservation: seen })) {
              violate(
                `RETRY of ${entry.id} (applied before the kill) answered ${show(answer)}; ` +
                  `its original outcome is ${show({ ok: true, reservation: seen })}`,
              );
            }
          } else if (answer.ok) {
            fresh++;
            for (const line of answer.reservation.lines) add(freshUnits, line.sku, line.qty - line.backordered);
            const problems = wholeHoldProblems(answer.reservation, entry.body);
            if (answer.reservation.status !== 'held' || problems.length > 0)
              violate(
                `RETRY of ${entry.id} (not applied) answered a broken hold: ${problems.join('; ')} ${show(answer)}`,
              );
          } else if (answer.error.code !== 'INSUFFICIENT_STOCK') {
            violate(
              `RETRY of ${entry.id} (in flight at the kill, not applied: ` +
                `${entry.crossShard ? 'cross-shard' : 'one shard'}) ` +
                `answered ${show(answer)}: neither its original outcome nor a fresh decision; body ${show(entry.body)}`,
            );
          }
          entry.reserve = 'acked';
          entry.first = answer;
          entry.state = answer.ok ? answer.reservation : null;
          entry.busy = isUnknown(answer);
          entry.history.push(`r${round} retry: ${answer.ok ? 'held' : answer.error.code}`);
          holds.set(entry, entry.state);
        });
        totals.freshRetries += fresh;

        // Never a second hold: the ledger again, with the retries' holds.
        const reservedAfter = await checkLedger(client, holds, shippedAcked, 'after the replays', false);
        for (const sku of SKUS) {
          const expected = (reservedBefore.get(sku) ?? 0) + (freshUnits.get(sku) ?? 0);
          if (reservedAfter.get(sku) !== expected) {
            violate(
              `SECOND HOLD? ${sku}: reserved ${reservedAfter.get(sku)} after the replays and retries, ` +
                `expected ${reservedBefore.get(sku)} + ${freshUnits.get(sku) ?? 0} (fresh holds of retried ids)`,
            );
          }
        }
        figure.resolved = `${applied} applied, ${notApplied} not, ${fresh} fresh retries`;
        figure.checkMs = Date.now() - checkStartedAt;
      };

      // ---------------------------------------------------------------------------------------
      // The rounds
      // ---------------------------------------------------------------------------------------

      for (round = 1; ; round++) {
        const snapshotEvery = rng.pick(SNAPSHOT_EVERY);
        const figure: RoundFigures = {
          round,
          snapshotEvery,
          startupMs: 0,
          checkMs: 0,
          acked: 0,
          inFlightAtKill: 0,
          unknown: 0,
          killedBy: '-',
          resolved: '-',
          tornTails: 0,
        };
        const startingAt = Date.now();
        const server = await startServer({ dataDir: dir, token: TOKEN, snapshotEvery, startupTimeoutMs: 30_000 });
        resources.server = server;
        const client = await connect({
          url: server.url,
          token: TOKEN,
          encoding: 'msgpack',
          reconnect: false,
          requestTimeoutMs: 30_000,
        });
        resources.client = client;
        figure.startupMs = Date.now() - startingAt;

        if (round === 1) {
          const stock = SKUS.flatMap((sku) =>
            LOCATIONS.map((location) => ({
              sku,
              location,
              qty: SCARCE.includes(sku) ? 5 : location === 'WH-A' ? 200 : 80,
            })),
          );
          const received = await Promise.all(stock.map((request) => client.receive(request)));
          received.forEach((answer, index) => {
            expect(answer.ok, `setup receive ${show(stock[index])}: ${show(answer)}`).toBe(true);
            add(receivedAcked, `${stock[index].sku}@${stock[index].location}`, stock[index].qty);
          });
        } else {
          await check(client, figure);
        }
        figure.tornTails = (server.stderr().match(/torn tail/g) ?? []).length;
        failIfViolations(`after restart ${round}`);

        const last = round > ROUNDS_MAX || Date.now() - startedAt > ROUNDS_BUDGET_MS;
        if (last) {
          figures.push(figure);
          console.info(
            `crash-recovery final restart ${round}: snapshot-every ${snapshotEvery}, ` +
              `startup ${figure.startupMs} ms, check ${figure.checkMs} ms ` +
              (`(in flight at the last kill: ` +
                `${figure.resolved})${figure.tornTails > 0 ? `, ${figure.tornTails} torn tail(s) cut at start` : ''}`),
          );
          await client.close();
          resources.client = null;
          await killServer(server);
          resources.server = null;
          break;
        }
        await drive(client, server, figure);
        await withDeadline(client.close(), 10_000, 'client.close() after the kill');
        resources.client = null;
        const exit = await withDeadline(server.exited, 15_000, 'the killed server exiting');
        resources.server = null;
        expect(
          exit.signal,
          `the server died of our SIGKILL, not of something else (stderr: ${server.stderr().slice(-2000)})`,
        ).toBe('SIGKILL');
        figures.push(figure);
        console.info(
          `crash-recovery round ${round}: snapshot-every ${snapshotEvery}, ` +
            `startup ${figure.startupMs} ms, check ${figure.checkMs} ms` +
            (`${round > 1 ? ` (in flight at the last kill: ${figure.resolved})` : ''}; ` +
              `${figure.acked} acknowledged, killed by ${figure.killedBy} `) +
            (`with ${figure.inFlightAtKill} calls in flight (${figure.unknown} answered ` +
              `UNAVAILABLE)${figure.tornTails > 0 ? `, ${figure.tornTails} torn tail(s) cut at start` : ''}`),
        );
      }

      const kills = figures.filter((figure) => figure.killedBy !== '-').length;
      const holdsTotal = tracked.length;
      const crossShard = tracked.filter((entry) => entry.crossShard).length;
      console.info(
        `crash-recovery: seed ${SEED}: ${kills} kills in ` +
          `${((Date.now() - startedAt) / 1000).toFixed(1)} s; ${totals.acked} operations acknowledged; ` +
          (`${totals.inFlightAtKill} calls in flight at the kills (${totals.unknown} ` +
            `UNAVAILABLE: ${totals.appliedUnknown} applied, ${totals.notAppliedUnknown} not); `) +
          (`${holdsTotal} reservation ids (${crossShard} cross-shard); ${totals.replays} ` +
            `replays checked; ${totals.freshRetries} in-flight reserves retried fresh; `) +
          `torn tails cut: ${figures.reduce((sum, figure) => sum + figure.tornTails, 0)}`,
      );
      failIfViolations('at the end');
      expect(kills, 'at least one kill happened').toBeGreaterThan(0);
      expect(totals.inFlightAtKill, 'the kills landed with calls in flight').toBeGreaterThan(0);
    },
    180_000,
  );
});
