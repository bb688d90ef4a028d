import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { list, wholeNumber } from './arg-parsers.js';
import { STRATEGIES } from '../engine/api/strategies.js';
import { FSYNC_POLICIES, type FsyncPolicy } from '../engine/api/storage-options.js';
import type { Engine } from '../engine/api/engine.js';
import type { StrategyName } from '../engine/api/types.js';
import { createEngine } from '../engine/engine.js';
import { InvalidArgumentError } from '../engine/api/errors.js';
import { startGateway, type Gateway, type ShutdownSummary } from '../engine/gateway/gateway.js';
import { checkBind, type TlsOptions } from '../engine/gateway/tls.js';
import { readTokenFile } from '../engine/gateway/token-file.js';
import { tokenProblem } from '../engine/gateway/token-strength.js';
import { STARTUP_EXIT_STATUS, startupFailure, startupLine, type StartupContext } from './startup-error.js';

interface ServeFlags {
  host: string;
  port: number;
  token?: string;
  tokens?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureBind: boolean;
  shards: number;
  maxPayloadBytes: number;
  maxPending: number;
  maxConnections: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  drainTimeoutMs: number;
  authTimeoutMs: number;
  maxAuthFailures: number;
  authFailureWindowMs: number;
  slowConsumerTimeoutMs: number;
  maxInFlight: number;
  locationOrder: string[];
  strategy: StrategyName;
  data: string;
  memory: boolean;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  snapshotEvery: number;
}

/** `holdfast serve`: every setting is a flag and an environment variable (the flag wins). */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the engine behind a WebSocket gateway (JSON-RPC 2.0, JSON or msgpack frames)')
    .addOption(new Option('--host <host>', 'address to listen on').env('HOLDFAST_HOST').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port)')
        .env('HOLDFAST_PORT')
        .default(7070)
        .argParser(wholeNumber(0, 65_535)),
    )
    .addOption(
      new Option(
        '--token <token>',
        'the admin token (every scope; at least 128 bits; prefer the variable: ' +
          'flags show in ps); unset and no --tokens: one is generated and printed',
      ).env('HOLDFAST_TOKEN'),
    )
    .addOption(
      new Option(
        '--tokens <file>',
        'named, scoped tokens (JSON of SHA-256 digests; see holdfast token create); SIGHUP reloads it',
      ).env('HOLDFAST_TOKENS_FILE'),
    )
    .addOption(
      new Option('--tls-cert <file>', 'PEM certificate chain: serve wss:// and https://').env('HOLDFAST_TLS_CERT'),
    )
    .addOption(new Option('--tls-key <file>', 'PEM private key of --tls-cert').env('HOLDFAST_TLS_KEY'))
    .addOption(
      new Option(
        '--insecure-bind',
        'allow a --host beyond loopback without TLS (tokens cross the network in clear; warns)',
      )
        .env('HOLDFAST_INSECURE_BIND')
        .default(false),
    )
    .addOption(
      new Option('--shards <n>', 'worker shards (0: the ledger on the main thread)')
        .env('HOLDFAST_SHARDS')
        .default(availableParallelism())
        .argParser(wholeNumber(0, 64)),
    )
    .addOption(
      new Option('--max-payload-bytes <bytes>', 'largest frame; a bigger one closes the connection with 1009')
        .env('HOLDFAST_MAX_PAYLOAD_BYTES')
        .default(1024 * 1024)
        .argParser(wholeNumber(1024, 256 * 1024 * 1024)),
    )
    .addOption(
      new Option('--max-pending <n>', 'requests pending per connection before the server stops reading it')
        .env('HOLDFAST_MAX_PENDING')
        .default(4096)
        .argParser(wholeNumber(1, 1_000_000)),
    )
    .addOption(
      new Option('--max-connections <n>', 'open connections; beyond, HTTP 503')
        .env('HOLDFAST_MAX_CONNECTIONS')
        .default(1024)
        .argParser(wholeNumber(1, 1_000_000)),
    )
    .addOption(
      new Option('--max-buffered-bytes <bytes>', 'unsent reply bytes per connection before the client is dropped')
        .env('HOLDFAST_MAX_BUFFERED_BYTES')
        .default(8 * 1024 * 1024)
        .argParser(wholeNumber(1024, 1024 * 1024 * 1024)),
    )
    .addOption(
      new Option('--heartbeat-ms <ms>', 'ping interval; a peer that misses a ping is dropped (0: off)')
        .env('HOLDFAST_HEARTBEAT_MS')
        .default(30_000)
        .argParser(wholeNumber(0, 3_600_000)),
    )
    .addOption(
      new Option('--drain-timeout-ms <ms>', 'on shutdown, how long to wait for requests in flight')
        .env('HOLDFAST_DRAIN_TIMEOUT_MS')
        .default(10_000)
        .argParser(wholeNumber(0, 600_000)),
    )
    .addOption(
      new Option('--auth-timeout-ms <ms>', 'a socket that has not upgraded (presented its token) by then is closed')
        .env('HOLDFAST_AUTH_TIMEOUT_MS')
        .default(3_000)
        .argParser(wholeNumber(50, 60_000)),
    )
    .addOption(
      new Option('--max-auth-failures <n>', 'failed upgrades per peer address in a window before it gets HTTP 429')
        .env('HOLDFAST_MAX_AUTH_FAILURES')
        .default(20)
        .argParser(wholeNumber(1, 1_000_000)),
    )
    .addOption(
      new Option(
        '--auth-failure-window-ms <ms>',
        'the window of --max-auth-failures (and of the auth-failure log lines)',
      )
        .env('HOLDFAST_AUTH_FAILURE_WINDOW_MS')
        .default(10_000)
        .argParser(wholeNumber(100, 3_600_000)),
    )
    .addOption(
      new Option(
        '--slow-consumer-timeout-ms <ms>',
        'a client whose unsent replies stay above half of --max-buffered-bytes this long is dropped',
      )
        .env('HOLDFAST_SLOW_CONSUMER_TIMEOUT_MS')
        .default(10_000)
        .argParser(wholeNumber(10, 3_600_000)),
    )
    .addOption(
      new Option('--max-in-flight <n>', 'operations in flight per shard before OVERLOADED')
        .env('HOLDFAST_MAX_IN_FLIGHT')
        .default(65_536)
        .argParser(wholeNumber(1, 16_777_216)),
    )
    .addOption(
      new Option('--location-order <list>', 'placement priority, comma-separated locations')
        .env('HOLDFAST_LOCATION_ORDER')
        .default([])
        .argParser(list),
    )
    .addOption(
      new Option('--strategy <name>', 'default location strategy')
        .env('HOLDFAST_STRATEGY')
        .default('priority')
        .choices([...STRATEGIES]),
    )
    .addOption(
      new Option('--data <dir>', 'where the shards keep their journals and snapshots')
        .env('HOLDFAST_DATA')
        .default('./data'),
    )
    .addOption(
      new Option('--memory', 'keep nothing on disk (no journal: a restart forgets every hold)')
        .env('HOLDFAST_MEMORY')
        .default(false),
    )
    .addOption(
      new Option('--fsync <policy>', 'when the journal reaches the disk: always (before replying), interval, off')
        .env('HOLDFAST_FSYNC')
        .default('always')
        .choices([...FSYNC_POLICIES]),
    )
    .addOption(
      new Option('--fsync-interval-ms <ms>', 'with --fsync interval: how often')
        .env('HOLDFAST_FSYNC_INTERVAL_MS')
        .default(100)
        .argParser(wholeNumber(1, 60_000)),
    )
    .addOption(
      new Option('--snapshot-every <records>', 'journal records (batches) between snapshots')
        .env('HOLDFAST_SNAPSHOT_EVERY')
        .default(100_000)
        .argParser(wholeNumber(1, 100_000_000)),
    )
    .action((flags: ServeFlags) => serve(flags));
}

/** The admin token: --token (checked before the engine starts), none with --tokens, else generated. */
function adminToken(flags: ServeFlags): { token: string | undefined; generated: boolean } {
  if (flags.token !== undefined && flags.token.length > 0) {
    const problem = tokenProblem('--token', flags.token);
    if (problem !== null) throw new InvalidArgumentError(problem);
    return { token: flags.token, generated: false };
  }
  if (flags.tokens !== undefined) return { token: undefined, generated: false };
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

function tlsOf(flags: ServeFlags): TlsOptions | undefined {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if (flags.tlsCert === undefined || flags.tlsKey === undefined)
    throw new InvalidArgumentError('--tls-cert and --tls-key: give both or neither');
  return { cert: pemFile(flags.tlsCert, '--tls-cert'), key: pemFile(flags.tlsKey, '--tls-key') };
}

function pemFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidArgumentError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

async function serve(flags: ServeFlags): Promise<void> {
  const durable = !flags.memory && flags.shards > 0;
  const { token, generated, tls } = await checkFlags(flags, durable);
  const { engine, gateway } = await start(flags, { token, tls }, durable);
  const http = gateway.url.replace(/^ws/, 'http');
  console.log(`holdfast serve: listening on ${gateway.url} (${flags.shards} shard${flags.shards === 1 ? '' : 's'})`);
  console.log(
    durable
      ? `data: ${flags.data} (journal fsync ${flags.fsync})`
      : 'data: in memory only (a restart forgets every hold)',
  );
  if (generated) console.log(`token: ${token}   (generated; set HOLDFAST_TOKEN to choose one)`);
  console.log(
    `connect: header "Authorization: Bearer <token>"; from a browser: ` +
      `new WebSocket('${gateway.url}', ['holdfast', 'bearer.' + token])`,
  );
  console.log(`health: ${http}/healthz   metrics: ${http}/metrics`);
  if (flags.tokens !== undefined)
    console.log(
      `tokens: ${flags.tokens}${token === undefined ? '' : ' and the admin token'} ` +
        `(kill -HUP ${process.pid} reloads the file)`,
    );
  if (gateway.maxSockets < flags.maxConnections) {
    console.log(
      `connections: at most ${gateway.maxSockets} sockets (--max-connections ` +
        `${flags.maxConnections} capped below the open-file limit)`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`holdfast serve: ${signal}: answering requests in flight, then closing`);
    gateway
      .close()
      .then(async (summary) => {
        await engine.close();
        console.log(stoppedLine(summary, flags.drainTimeoutMs));
        process.exit(0);
      })
      .catch((error: Error) => {
        console.error(`holdfast serve: shutdown failed: ${error.message}`);
        process.exit(1);
      });
  };
  process.on('SIGHUP', () => void gateway.reloadTokens());
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** What can be refused without the engine is refused before recovery runs (one coded line, status 2). */
async function checkFlags(
  flags: ServeFlags,
  durable: boolean,
): Promise<{ token: string | undefined; generated: boolean; tls: TlsOptions | undefined }> {
  try {
    const { token, generated } = adminToken(flags);
    const tls = tlsOf(flags);
    checkBind(flags.host, tls ?? null, flags.insecureBind);
    if (flags.tokens !== undefined) await readTokenFile(flags.tokens);
    return { token, generated, tls };
  } catch (error) {
    console.error(
      startupLine(startupFailure(error, { host: flags.host, port: flags.port, dataDir: durable ? flags.data : null })),
    );
    process.exit(STARTUP_EXIT_STATUS);
  }
}

/** Starts the engine and the gateway, or prints one coded line and exits with status 2. */
async function start(
  flags: ServeFlags,
  auth: { token: string | undefined; tls: TlsOptions | undefined },
  durable: boolean,
): Promise<{ engine: Engine; gateway: Gateway }> {
  const { token, tls } = auth;
  const context: StartupContext = { host: flags.host, port: flags.port, dataDir: durable ? flags.data : null };
  let engine: Engine | null = null;
  try {
    engine = await createEngine({
      shards: flags.shards,
      maxInFlightOpsPerShard: flags.maxInFlight,
      locationOrder: flags.locationOrder,
      strategy: flags.strategy,
      ...(durable
        ? {
            dataDir: flags.data,
            fsync: flags.fsync,
            fsyncIntervalMs: flags.fsyncIntervalMs,
            snapshotEveryRecords: flags.snapshotEvery,
          }
        : {}),
    });
    const gateway = await startGateway({
      engine,
      host: flags.host,
      port: flags.port,
      ...(token === undefined ? {} : { token }),
      ...(flags.tokens === undefined ? {} : { tokensFile: flags.tokens }),
      ...(tls === undefined ? {} : { tls }),
      allowInsecureBind: flags.insecureBind,
      maxPayloadBytes: flags.maxPayloadBytes,
      maxPendingPerConnection: flags.maxPending,
      maxConnections: flags.maxConnections,
      maxBufferedBytesPerConnection: flags.maxBufferedBytes,
      heartbeatMs: flags.heartbeatMs,
      drainTimeoutMs: flags.drainTimeoutMs,
      authTimeoutMs: flags.authTimeoutMs,
      maxAuthFailuresPerPeer: flags.maxAuthFailures,
      authFailureWindowMs: flags.authFailureWindowMs,
      slowConsumerTimeoutMs: flags.slowConsumerTimeoutMs,
    });
    return { engine, gateway };
  } catch (error) {
    // Close what started (its workers, its data-directory lock) before saying why in one line.
    await engine?.close().catch(() => undefined);
    console.error(startupLine(startupFailure(error, context)));
    process.exit(STARTUP_EXIT_STATUS);
  }
}

/** The last line of a clean shutdown. */
function stoppedLine(summary: ShutdownSummary, drainTimeoutMs: number): string {
  const answered = `answered ${summary.answeredRequests} request${summary.answeredRequests === 1 ? '' : 's'} in flight`;
  const left =
    summary.unansweredRequests === 0
      ? ''
      : `; ${summary.unansweredRequests} still in the engine after ` +
        `the ${drainTimeoutMs} ms drain timeout went unanswered`;
  return `holdfast serve: stopped (${answered}${left})`;
}
