import type { Engine } from '../api/engine.js';
import { InvalidArgumentError } from '../api/errors.js';
import { integerOption } from '../api/options.js';

export interface GatewayOptions {
  engine: Engine;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  /** The bearer token every connection must present. */
  token: string;
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
  /** A TCP socket that has not finished its WebSocket upgrade (or its one plain HTTP request) by then is closed. Default 3 s. */
  authTimeoutMs?: number;
  /** Failed upgrades (bad token, auth timeout) per peer address within authFailureWindowMs before it gets HTTP 429. Default 20. */
  maxAuthFailuresPerPeer?: number;
  /** The window of maxAuthFailuresPerPeer, and the interval of the auth-failure log lines. Default 10 s. */
  authFailureWindowMs?: number;
  /** Peer addresses the failure table remembers; beyond, the one failed least recently is forgotten. Default 4096. */
  maxTrackedPeers?: number;
  /** A connection whose unsent replies stay above half of maxBufferedBytesPerConnection this long is dropped. Default 10 s. */
  slowConsumerTimeoutMs?: number;
  /** Where the gateway's log lines go (failed upgrades, accept errors). Default console.warn. */
  log?: (line: string) => void;
}

export type ResolvedGatewayOptions = Required<GatewayOptions>;

const KNOWN = new Set([
  'engine', 'host', 'port', 'token', 'maxPayloadBytes', 'maxPendingPerConnection', 'maxConnections',
  'maxBufferedBytesPerConnection', 'heartbeatMs', 'maxSubscribedSkusPerConnection', 'drainTimeoutMs',
  'authTimeoutMs', 'maxAuthFailuresPerPeer', 'authFailureWindowMs', 'maxTrackedPeers', 'slowConsumerTimeoutMs', 'log',
]);

function integer(options: GatewayOptions, field: keyof GatewayOptions, fallback: number, min: number, max: number): number {
  return integerOption(options, field, fallback, min, max);
}

/** Validates the gateway's options and fills in the defaults. Throws InvalidArgumentError. */
export function resolveGatewayOptions(options: GatewayOptions): ResolvedGatewayOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options: must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new InvalidArgumentError(`${key}: is not a known option`);
  if (typeof options.engine?.reserve !== 'function') throw new InvalidArgumentError('engine: must be an engine from createEngine');
  if (typeof options.token !== 'string' || options.token.length < 1 || options.token.length > 512) {
    throw new InvalidArgumentError('token: must be a string of 1 to 512 characters');
  }
  if (options.log !== undefined && typeof options.log !== 'function') throw new InvalidArgumentError('log: must be a function (line: string) => void');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError('host: must be a host name or address');
  return {
    engine: options.engine,
    host,
    port: integer(options, 'port', 7070, 0, 65_535),
    token: options.token,
    maxPayloadBytes: integer(options, 'maxPayloadBytes', 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxPendingPerConnection: integer(options, 'maxPendingPerConnection', 4096, 1, 1_000_000),
    maxConnections: integer(options, 'maxConnections', 1024, 1, 1_000_000),
    maxBufferedBytesPerConnection: integer(options, 'maxBufferedBytesPerConnection', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    heartbeatMs: integer(options, 'heartbeatMs', 30_000, 0, 3_600_000),
    maxSubscribedSkusPerConnection: integer(options, 'maxSubscribedSkusPerConnection', 10_000, 1, 1_000_000),
    drainTimeoutMs: integer(options, 'drainTimeoutMs', 10_000, 0, 600_000),
    authTimeoutMs: integer(options, 'authTimeoutMs', 3_000, 50, 60_000),
    maxAuthFailuresPerPeer: integer(options, 'maxAuthFailuresPerPeer', 20, 1, 1_000_000),
    authFailureWindowMs: integer(options, 'authFailureWindowMs', 10_000, 100, 3_600_000),
    maxTrackedPeers: integer(options, 'maxTrackedPeers', 4096, 1, 1_000_000),
    slowConsumerTimeoutMs: integer(options, 'slowConsumerTimeoutMs', 10_000, 10, 3_600_000),
    log: options.log ?? ((line: string) => console.warn(line)),
  };
}
