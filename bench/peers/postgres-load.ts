import { defined } from '../../shared/invariant.js';
import pg from 'pg';
import { check, type CaseResult } from '../harness/case-result.js';
import {
  alternateSettleReserve,
  runPeerHot,
  runPeerMix,
  type PeerHotPlan,
  type PeerLink,
  type PeerMixPlan,
  type PeerOp,
  type PeerReply,
} from './peer-load.js';
import { hotChecks, mixChecks, peerResult, type StockUnits } from './peer-result.js';

const STOCK = 'holdfast_bench_stock';
const HOLDS = 'holdfast_bench_holds';

/**
 * The row-lock reserve: the conditional UPDATE takes the row lock and checks stock; the hold row goes in the same
 * statement.
 */
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
  await dropTables(client);
  await client.query(
    `CREATE TABLE ${STOCK} (sku text PRIMARY KEY, available integer NOT NULL CHECK ` +
      `(available >= 0), reserved integer NOT NULL, committed integer NOT NULL)`,
  );
  await client.query(`CREATE TABLE ${HOLDS} (id text PRIMARY KEY, sku text NOT NULL, qty integer NOT NULL)`);
  await client.query(
    `INSERT INTO ${STOCK} SELECT 'SKU-' || lpad(i::text, 5, '0'), $1, 0, 0 FROM generate_series(0, $2 - 1) AS i`,
    [units, skus],
  );
  await client.query(`VACUUM ANALYZE ${STOCK}`);
}

async function dropTables(client: pg.Client): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${HOLDS}, ${STOCK}`);
}

interface TableTotals extends StockUnits {
  holds: number;
}

async function totals(client: pg.Client): Promise<TableTotals> {
  const stock = await client.query(
    `SELECT coalesce(sum(available), 0)::bigint AS available, ` +
      `coalesce(sum(reserved), 0)::bigint AS reserved FROM ${STOCK}`,
  );
  const holds = await client.query(`SELECT count(*)::bigint AS holds FROM ${HOLDS}`);
  return {
    availableUnits: Number(stock.rows[0].available),
    reservedUnits: Number(stock.rows[0].reserved),
    holds: Number(holds.rows[0].holds),
  };
}

async function settings(client: pg.Client): Promise<string> {
  const version = await client.query('SHOW server_version');
  const fsync = await client.query('SHOW fsync');
  const synchronous = await client.query('SHOW synchronous_commit');
  return (
    `PostgreSQL ${version.rows[0].server_version}, fsync ${fsync.rows[0].fsync}, ` +
    `synchronous_commit ${synchronous.rows[0].synchronous_commit}`
  );
}

/** What the run leaves to report: the tables' totals and the server's settings (read before the tables are dropped). */
interface PostgresState {
  totals: TableTotals;
  server: string;
}

/**
 * Opens the connections, creates the tables with `skus` SKUs of `units` units, runs `use` and reads the state, then
 * drops the tables.
 */
async function onTables<T>(
  plan: { url: string; connections: number },
  skus: number,
  units: number,
  use: (link: PeerLink) => Promise<T>,
): Promise<[T, PostgresState]> {
  const clients = await openClients(plan.url, plan.connections);
  try {
    const first = defined(clients[0], 'a connection');
    await createTables(first, skus, units);
    const outcome = await use(postgresLink(clients));
    const state = { totals: await totals(first), server: await settings(first) };
    await dropTables(first);
    return [outcome, state];
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/**
 * One statement (its own transaction): a reserve that updates no row found the SKU sold out; a settle must delete its
 * hold.
 */
async function query(client: pg.Client, { hold, settle }: PeerOp): Promise<PeerReply> {
  if (settle === null) {
    const result = await client.query({ ...RESERVE, values: [skuName(hold.sku), 1, hold.id] });
    return result.rowCount === 1 ? 'done' : 'sold-out';
  }
  const result = await client.query({ ...(settle === 'commit' ? COMMIT : RELEASE), values: [hold.id] });
  return result.rowCount === 1 ? 'done' : { anomaly: `settle ${hold.id}: ${result.rowCount} rows` };
}

/** A round trip is one op: one statement in flight per connection. */
function postgresLink(clients: pg.Client[]): PeerLink {
  return { send: async (lane, ops) => [await query(defined(clients[lane], 'a lane'), defined(ops[0], 'one op'))] };
}

/** PostgreSQL, the uniform mix (as engine-uniform): `connections` connections, one statement in flight each. */
export async function runPostgresUniform(plan: PeerMixPlan): Promise<CaseResult> {
  const [run, { totals, server }] = await onTables(plan, plan.skus, plan.unitsPerSku, (link) =>
    runPeerMix(link, plan, alternateSettleReserve),
  );
  return peerResult(run, {
    name: 'peer-postgres-uniform',
    description:
      `${server}: row-lock reserve (UPDATE … WHERE available >= qty + INSERT hold) ` +
      `and commit|release, ${plan.connections} connections, ${plan.skus} SKUs`,
    latencyMeasures: 'one statement (its own transaction), sent → result, every op timed, measured pass only',
    checks: [
      ...mixChecks(run, 'units reserved, all SKUs vs driver', totals.reservedUnits),
      check('hold rows vs driver', run.heldUnits, totals.holds),
    ],
    details: { clients: plan.connections, skus: plan.skus, server },
  });
}

/** PostgreSQL on one hot SKU: every reserve waits for the row lock of the one stock row. */
export async function runPostgresHot(plan: PeerHotPlan): Promise<CaseResult> {
  const [run, { totals, server }] = await onTables(plan, 1, plan.units, (link) => runPeerHot(link, plan, 1));
  return peerResult(run, {
    name: 'peer-postgres-hot',
    description:
      `${server}: row-lock reserve on one hot SKU, ${plan.units} units, ` +
      `${plan.attempts} attempts of 1 unit, ${plan.connections} connections`,
    latencyMeasures: 'one statement (its own transaction), sent → result, every attempt timed',
    checks: hotChecks(plan, run, totals, 'SELECT'),
    details: { clients: plan.connections, server },
  });
}
