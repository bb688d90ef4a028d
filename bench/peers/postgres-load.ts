import pg from 'pg';
import { check, opsPerSecond, type CaseResult } from '../case-result.js';
import { summarizeLatencyUs } from '../histogram.js';
import { countsDetails } from './redis-load.js';
import { createPeerCounts, newPass, noteAnomaly, runLoops, type PeerCounts, type PeerHold, type PeerPass } from './peer-load.js';

const STOCK = 'holdfast_bench_stock';
const HOLDS = 'holdfast_bench_holds';

/** The row-lock reserve: the conditional UPDATE takes the row lock and checks stock; the hold row goes in the same statement. */
const RESERVE = {
  name: 'holdfast-bench-reserve',
  text: `WITH s AS (UPDATE ${STOCK} SET available = available - $2, reserved = reserved + $2 WHERE sku = $1 AND available >= $2 RETURNING sku)
         INSERT INTO ${HOLDS} (id, sku, qty) SELECT $3, sku, $2 FROM s`,
};
const COMMIT = {
  name: 'holdfast-bench-commit',
  text: `WITH h AS (DELETE FROM ${HOLDS} WHERE id = $1 RETURNING sku, qty)
         UPDATE ${STOCK} s SET reserved = s.reserved - h.qty, committed = s.committed + h.qty FROM h WHERE s.sku = h.sku`,
};
const RELEASE = {
  name: 'holdfast-bench-release',
  text: `WITH h AS (DELETE FROM ${HOLDS} WHERE id = $1 RETURNING sku, qty)
         UPDATE ${STOCK} s SET reserved = s.reserved - h.qty, available = s.available + h.qty FROM h WHERE s.sku = h.sku`,
};

function skuName(sku: number): string {
  return `SKU-${String(sku).padStart(5, '0')}`;
}

async function openClients(url: string, count: number): Promise<pg.Client[]> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

/** Fresh tables with `skus` SKUs of `units` units each. */
async function createTables(client: pg.Client, skus: number, units: number): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HOLDS}, ${STOCK}`);
  await client.query(`CREATE TABLE ${STOCK} (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0), reserved integer NOT NULL, committed integer NOT NULL)`);
  await client.query(`CREATE TABLE ${HOLDS} (id text PRIMARY KEY, sku text NOT NULL, qty integer NOT NULL)`);
  await client.query(`INSERT INTO ${STOCK} SELECT 'SKU-' || lpad(i::text, 5, '0'), $1, 0, 0 FROM generate_series(0, $2 - 1) AS i`, [units, skus]);
  await client.query(`VACUUM ANALYZE ${STOCK}`);
}

async function dropTables(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HOLDS}, ${STOCK}`);
}

async function totals(client: pg.Client): Promise<{ available: number; reserved: number; holds: number }> {
  const stock = await client.query(`SELECT coalesce(sum(available), 0)::bigint AS available, coalesce(sum(reserved), 0)::bigint AS reserved FROM ${STOCK}`);
  const holds = await client.query(`SELECT count(*)::bigint AS holds FROM ${HOLDS}`);
  return { available: Number(stock.rows[0].available), reserved: Number(stock.rows[0].reserved), holds: Number(holds.rows[0].holds) };
}

async function settings(client: pg.Client): Promise<string> {
  const version = await client.query('SHOW server_version');
  const fsync = await client.query('SHOW fsync');
  const synchronous = await client.query('SHOW synchronous_commit');
  return `PostgreSQL ${version.rows[0].server_version}, fsync ${fsync.rows[0].fsync}, synchronous_commit ${synchronous.rows[0].synchronous_commit}`;
}

async function timed<T>(pass: PeerPass | null, run: () => Promise<T>): Promise<T> {
  const startMs = performance.now();
  const result = await run();
  if (pass !== null) {
    pass.latency.record((performance.now() - startMs) * 1000, 1);
    pass.ops += 1;
  }
  return result;
}

/** One client's next op: settle its oldest hold (commit|release 50:50) on every other op, else reserve 1 unit of a uniform SKU. */
async function mixOp(client: pg.Client, held: PeerHold[], opIndex: number, skus: number, nextId: () => string, counts: PeerCounts, pass: PeerPass | null): Promise<void> {
  if ((opIndex & 1) === 1 && held.length > 0) {
    const hold = held.shift() as PeerHold;
    const commit = Math.random() < 0.5;
    const result = await timed(pass, () => client.query({ ...(commit ? COMMIT : RELEASE), values: [hold.id] }));
    if (result.rowCount !== 1) noteAnomaly(counts, `settle ${hold.id}: ${result.rowCount} rows`);
    else if (commit) counts.commitOk += 1;
    else counts.releaseOk += 1;
    return;
  }
  const hold = { id: nextId(), sku: Math.floor(Math.random() * skus) };
  const result = await timed(pass, () => client.query({ ...RESERVE, values: [skuName(hold.sku), 1, hold.id] }));
  if (result.rowCount === 1) {
    counts.reserveOk += 1;
    held.push(hold);
  } else counts.reserveRefused += 1;
}

export interface PostgresMixPlan {
  url: string;
  skus: number;
  unitsPerSku: number;
  clients: number;
  warmupMs: number;
  durationMs: number;
}

/** PostgreSQL, the uniform mix (as engine-uniform): `clients` connections, one statement in flight each. */
export async function runPostgresUniform(plan: PostgresMixPlan): Promise<CaseResult> {
  const clients = await openClients(plan.url, plan.clients);
  try {
    await createTables(clients[0], plan.skus, plan.unitsPerSku);
    const counts = createPeerCounts();
    const heldByClient: PeerHold[][] = clients.map(() => []);
    const opIndexes = clients.map(() => 0);
    let idCount = 0;
    const nextId = (): string => `u${idCount++}`;
    const runFor = (durationMs: number, pass: PeerPass | null): Promise<number> => {
      const deadlineMs = performance.now() + durationMs;
      return runLoops(plan.clients, async (index) => {
        while (performance.now() < deadlineMs) {
          await mixOp(clients[index], heldByClient[index], opIndexes[index]++, plan.skus, nextId, counts, pass).catch((error: Error) => noteAnomaly(counts, error.message));
        }
      });
    };
    await runFor(plan.warmupMs, null);
    const pass = newPass(plan.durationMs);
    const elapsedMs = await runFor(plan.durationMs, pass);
    const held = heldByClient.reduce((sum, holds) => sum + holds.length, 0);
    const state = await totals(clients[0]);
    const server = await settings(clients[0]);
    await dropTables(clients[0]);
    return {
      name: 'peer-postgres-uniform',
      description: `${server}: row-lock reserve (UPDATE … WHERE available >= qty + INSERT hold) and commit|release, ${plan.clients} connections, ${plan.skus} SKUs`,
      ops: pass.ops,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(pass.ops, elapsedMs),
      latencyMeasures: 'one statement (its own transaction), sent → result, every op timed, measured pass only',
      latencyUs: summarizeLatencyUs(pass.latency),
      checks: [
        check('errors and settles that found no hold', 0, counts.anomalies),
        check('reserves refused (stock far above demand)', 0, counts.reserveRefused),
        check('units reserved, all SKUs vs driver', held, state.reserved),
        check('hold rows vs driver', held, state.holds),
      ],
      targets: [],
      details: { ...countsDetails(counts), clients: plan.clients, skus: plan.skus, server },
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

export interface PostgresHotPlan {
  url: string;
  units: number;
  attempts: number;
  clients: number;
}

/** PostgreSQL on one hot SKU: every reserve waits for the row lock of the one stock row. */
export async function runPostgresHot(plan: PostgresHotPlan): Promise<CaseResult> {
  const clients = await openClients(plan.url, plan.clients);
  try {
    await createTables(clients[0], 1, plan.units);
    const counts = createPeerCounts();
    const pass = newPass(Number.POSITIVE_INFINITY);
    let issued = 0;
    const elapsedMs = await runLoops(plan.clients, async (index) => {
      while (issued < plan.attempts) {
        const id = `h${issued++}`;
        try {
          const result = await timed(pass, () => clients[index].query({ ...RESERVE, values: [skuName(0), 1, id] }));
          if (result.rowCount === 1) counts.reserveOk += 1;
          else counts.reserveRefused += 1;
        } catch (error) {
          noteAnomaly(counts, (error as Error).message);
        }
      }
    });
    const state = await totals(clients[0]);
    const server = await settings(clients[0]);
    await dropTables(clients[0]);
    return {
      name: 'peer-postgres-hot',
      description: `${server}: row-lock reserve on one hot SKU, ${plan.units} units, ${plan.attempts} attempts of 1 unit, ${plan.clients} connections`,
      ops: pass.ops,
      durationMs: Math.round(elapsedMs),
      opsPerSecond: opsPerSecond(pass.ops, elapsedMs),
      latencyMeasures: 'one statement (its own transaction), sent → result, every attempt timed',
      latencyUs: summarizeLatencyUs(pass.latency),
      checks: [
        check('attempts answered', plan.attempts, pass.ops),
        check('accepted', plan.units, counts.reserveOk),
        check('reserved (SELECT)', plan.units, state.reserved),
        check('available left (SELECT)', 0, state.available),
        check('errors', 0, counts.anomalies),
      ],
      targets: [],
      details: { ...countsDetails(counts), clients: plan.clients, server },
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}
