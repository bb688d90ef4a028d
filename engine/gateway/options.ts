import type { Engine } from '../api/engine.js';
import { InvalidArgumentError } from '../api/errors.js';
import { integerOption } from '../api/options.js';
import { checkBind, resolveTls, type TlsOptions } from './tls.js';
import { principalsOf, type TokenFile } from './token-file.js';
import type { LogLine } from './token-log.js';
import { tokenProblem } from './token-strength.js';
import type { Principal } from './scopes.js';

export interface GatewayOptions {
  engine: Engine;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  /**
   * The single admin token (name `admin`, every scope). At least 128 bits by the estimate of
   * token-strength.ts, else refused. Optional when `tokens` or `tokensFile` is given.
   */
  token?: string;
  /** Named, scoped tokens: the content of a tokens file (see token-file.ts). Not with tokensFile. */
  tokens?: TokenFile;
  /** A tokens file, read at start and again by reloadTokens() (SIGHUP in serve). Not with tokens. */
  tokensFile?: string;
  /** Serve wss:// and https:// with this certificate and key (PEM). */
  tls?: TlsOptions;
  /** Allow a host beyond loopback without tls (a warning is logged). Default false: refused. */
  allowInsecureBind?: boolean;
  /**
   * Where the gateway's log lines go (token reloads, revocations, forbidden calls, failed upgrades, accept errors,
   * warnings). Default stderr.
   */
  log?: LogLine;
  /** Largest frame accepted; a bigger one closes the connection with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Operations accepted and not yet answered per connection before the server stops reading it. Default 4096. */
  maxPendingPerConnection?: number;
  /**
   * Open TCP sockets, upgraded or not (capped below the process's open-file limit). Beyond, a new
   * socket displaces the oldest one that has not upgraded, or is closed at once. Default 1024.
   */
  maxConnections?: number;
  /** Unsent outgoing bytes per connection; a client past this is disconnected. Default 8 MiB. */
  maxBufferedBytesPerConnection?: number;
  /** Ping interval; a peer that has not answered the previous ping is terminated. Default 30 s; 0 disables. */
  heartbeatMs?: number;
  /** SKUs one connection may subscribe to. Default 10,000. */
  maxSubscribedSkusPerConnection?: number;
  /** How long close() waits for in-flight requests before closing the sockets anyway. Default 10 s. */
  drainTimeoutMs?: number;
  /**
   * A TCP socket that has not finished its WebSocket upgrade (or its one plain HTTP request) by then is closed. Default
   * 3 s.
   */
  authTimeoutMs?: number;
  /**
   * Failed upgrades (bad token, auth timeout) per peer address within authFailureWindowMs before it gets HTTP 429.
   * Default 20.
   */
  maxAuthFailuresPerPeer?: number;
  /** The window of maxAuthFailuresPerPeer, and the interval of the auth-failure log lines. Default 10 s. */
  authFailureWindowMs?: number;
  /** Peer addresses the failure table remembers; beyond, the one failed least recently is forgotten. Default 4096. */
  maxTrackedPeers?: number;
  /**
   * A connection whose unsent replies stay above half of maxBufferedBytesPerConnection this long is dropped. Default 10
   * s.
   */
  slowConsumerTimeoutMs?: number;
}

type SecurityOptions = 'token' | 'tokens' | 'tokensFile' | 'tls' | 'allowInsecureBind' | 'log';

export type ResolvedGatewayOptions = Required<Omit<GatewayOptions, SecurityOptions>> & {
  token: string | null;
  /** The inline `tokens`, validated (empty with tokensFile: startGateway reads the file). */
  principals: Principal[];
  tokensFile: string | null;
  tls: TlsOptions | null;
  /** Listening beyond loopback without TLS, as allowed by allowInsecureBind: warn. */
  insecureBind: boolean;
  log: LogLine;
};

const KNOWN = new Set([
  'engine',
  'host',
  'port',
  'token',
  'maxPayloadBytes',
  'maxPendingPerConnection',
  'maxConnections',
  'maxBufferedBytesPerConnection',
  'heartbeatMs',
  'maxSubscribedSkusPerConnection',
  'drainTimeoutMs',
  'tokens',
  'tokensFile',
  'tls',
  'allowInsecureBind',
  'log',
  'authTimeoutMs',
  'maxAuthFailuresPerPeer',
  'authFailureWindowMs',
  'maxTrackedPeers',
  'slowConsumerTimeoutMs',
]);

function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function integer(
  options: GatewayOptions,
  field: keyof GatewayOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  return integerOption(options, field, fallback, min, max);
}

/** Validates the gateway's options and fills in the defaults. Throws InvalidArgumentError. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options: must be an object');
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`${key}: is not a known option`);
  if (typeof options.engine?.reserve !== 'function')
    throw new InvalidArgumentError('engine: must be an engine from createEngine');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0)
    throw new InvalidArgumentError('host: must be a host name or address');
  const tls = resolveTls(options.tls);
  const allowInsecureBind = options.allowInsecureBind ?? false;
  if (typeof allowInsecureBind !== 'boolean') throw new InvalidArgumentError('allowInsecureBind: must be a boolean');
  const log = options.log ?? stderrLine;
  if (typeof log !== 'function') throw new InvalidArgumentError('log: must be a function (line: string) => void');
  return {
    engine: options.engine,
    host,
    port: integer(options, 'port', 7070, 0, 65_535),
    ...resolveTokens(options),
    tls,
    insecureBind: checkBind(host, tls, allowInsecureBind),
    log,
    maxPayloadBytes: integer(options, 'maxPayloadBytes', 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxPendingPerConnection: integer(options, 'maxPendingPerConnection', 4096, 1, 1_000_000),
    maxConnections: integer(options, 'maxConnections', 1024, 1, 1_000_000),
    maxBufferedBytesPerConnection: integer(
      options,
      'maxBufferedBytesPerConnection',
      8 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
    ),
    heartbeatMs: integer(options, 'heartbeatMs', 30_000, 0, 3_600_000),
    maxSubscribedSkusPerConnection: integer(options, 'maxSubscribedSkusPerConnection', 10_000, 1, 1_000_000),
    drainTimeoutMs: integer(options, 'drainTimeoutMs', 10_000, 0, 600_000),
    authTimeoutMs: integer(options, 'authTimeoutMs', 3_000, 50, 60_000),
    maxAuthFailuresPerPeer: integer(options, 'maxAuthFailuresPerPeer', 20, 1, 1_000_000),
    authFailureWindowMs: integer(options, 'authFailureWindowMs', 10_000, 100, 3_600_000),
    maxTrackedPeers: integer(options, 'maxTrackedPeers', 4096, 1, 1_000_000),
    slowConsumerTimeoutMs: integer(options, 'slowConsumerTimeoutMs', 10_000, 10, 3_600_000),
  };
}

/** token, tokens, tokensFile: at least one way in; the single token strong enough; tokens valid. */
function resolveTokens(options: GatewayOptions): {
  token: string | null;
  principals: Principal[];
  tokensFile: string | null;
} {
  const { token, tokens, tokensFile } = options;
  if (token === undefined && tokens === undefined && tokensFile === undefined) {
    throw new InvalidArgumentError('token: is required unless tokens or tokensFile is given');
  }
  if (token !== undefined) {
    const problem = tokenProblem('token', token);
    if (problem !== null) throw new InvalidArgumentError(problem);
  }
  if (tokens !== undefined && tokensFile !== undefined)
    throw new InvalidArgumentError('tokens: give tokens or tokensFile, not both');
  if (tokensFile !== undefined && (typeof tokensFile !== 'string' || tokensFile.length === 0)) {
    throw new InvalidArgumentError('tokensFile: must be the path of a tokens file');
  }
  return {
    token: token ?? null,
    principals: tokens === undefined ? [] : principalsOf(tokens, 'tokens'),
    tokensFile: tokensFile ?? null,
  };
}
