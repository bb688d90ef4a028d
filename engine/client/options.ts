import { InvalidArgumentError } from '../api/errors.js';
import type { Encoding } from './codec.js';
import type { ClientEvent } from './events.js';

/** How `connect` reaches a holdfast gateway, and how the client behaves when the link drops. */
export interface ClientOptions {
  /** The gateway's address: ws://host:port or wss://host:port. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` on every (re)connect. */
  token: string;
  /**
   * With a wss:// url: the certificate authorities to trust (PEM), instead of the system's —
   * e.g. the gateway's own self-signed certificate.
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Frame encoding: 'msgpack' (binary frames, default) or 'json' (text frames). */
  encoding?: Encoding;
  /** Reconnect after the link drops (default true). The first connect is never retried. */
  reconnect?: boolean;
  /** Backoff between reconnect attempts: from this (default 50 ms)… */
  reconnectDelayMsMin?: number;
  /** …doubling, with jitter, up to this (default 5,000 ms). */
  reconnectDelayMsMax?: number;
  /** Calls waiting for an answer; past it a call resolves OVERLOADED at once (default 65,536). */
  maxPending?: number;
  /** A call unanswered this long resolves UNAVAILABLE (default: no limit). */
  requestTimeoutMs?: number;
  /**
   * Largest frame the client sends (default 1 MiB, the gateway's default maxPayloadBytes); calls that do not fit in
   * one are split across frames.
   */
  maxFrameBytes?: number;
  /** Told about connection changes and anything the client had to drop; never awaited, its errors are ignored. */
  onEvent?: (event: ClientEvent) => void;
}

export interface ResolvedClientOptions {
  url: string;
  token: string;
  ca: string | Buffer | Array<string | Buffer> | null;
  encoding: Encoding;
  reconnect: boolean;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  maxPending: number;
  requestTimeoutMs: number | null;
  maxFrameBytes: number;
  onEvent: ((event: ClientEvent) => void) | null;
}

const KNOWN = new Set<string>([
  'url',
  'token',
  'ca',
  'encoding',
  'reconnect',
  'reconnectDelayMsMin',
  'reconnectDelayMsMax',
  'maxPending',
  'requestTimeoutMs',
  'maxFrameBytes',
  'onEvent',
]);

/** The smallest frame limit that still fits any one ordinary request. */
const FRAME_BYTES_MIN = 1024;
/** Longest delay or timeout accepted (setTimeout's own ceiling). */
const DELAY_MS_MAX = 2_147_483_647;

/** Checks every option and fills the defaults; throws InvalidArgumentError naming the first bad one. */
export function resolveClientOptions(options: unknown): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('options: must be an object { url, token, ... }');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`${key}: is not a known option`);
  }
  const record = options as Record<string, unknown>;
  const reconnectDelayMsMin = integer(record, 'reconnectDelayMsMin', 50, 0, DELAY_MS_MAX);
  const reconnectDelayMsMax = integer(record, 'reconnectDelayMsMax', 5000, 0, DELAY_MS_MAX);
  if (reconnectDelayMsMax < reconnectDelayMsMin) {
    throw new InvalidArgumentError(
      `reconnectDelayMsMax: must be at least reconnectDelayMsMin (${reconnectDelayMsMin}), got ${reconnectDelayMsMax}`,
    );
  }
  const url = urlOf(record.url);
  return {
    url,
    token: tokenOf(record.token),
    ca: caOf(record.ca, url),
    encoding: encodingOf(record.encoding),
    reconnect: booleanOf(record.reconnect, 'reconnect', true),
    reconnectDelayMsMin,
    reconnectDelayMsMax,
    maxPending: integer(record, 'maxPending', 65_536, 1, 16_777_216),
    requestTimeoutMs:
      record.requestTimeoutMs === undefined ? null : integer(record, 'requestTimeoutMs', 0, 1, DELAY_MS_MAX),
    maxFrameBytes: integer(record, 'maxFrameBytes', 1_048_576, FRAME_BYTES_MIN, 2 ** 30),
    onEvent: onEventOf(record.onEvent),
  };
}

function integer(record: Record<string, unknown>, field: string, fallback: number, min: number, max: number): number {
  const value = record[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${field}: must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function urlOf(value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidArgumentError(`url: must be a string such as 'ws://127.0.0.1:7070', got ${typeof value}`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidArgumentError(`url: is not a valid URL: ${value}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new InvalidArgumentError(`url: must start with ws:// or wss://, got ${parsed.protocol}//`);
  }
  return value;
}

/** A header value: visible ASCII only, so it can neither be empty nor smuggle a line break. */
function tokenOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidArgumentError('token: must be a non-empty string');
  if (!/^[\x21-\x7e]+$/.test(value)) throw new InvalidArgumentError('token: must be printable ASCII without spaces');
  return value;
}

/** PEM certificates, only where there is TLS to use them. */
function caOf(value: unknown, url: string): string | Buffer | Array<string | Buffer> | null {
  if (value === undefined) return null;
  if (!url.startsWith('wss:')) throw new InvalidArgumentError('ca: is only for a wss:// url');
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.length > 100) throw new InvalidArgumentError('ca: must be 1 to 100 PEM certificates');
  for (const item of items) {
    if (
      (typeof item !== 'string' && !Buffer.isBuffer(item)) ||
      !item.toString().includes('-----BEGIN CERTIFICATE-----')
    ) {
      throw new InvalidArgumentError('ca: must be PEM certificate text (a string or Buffer, or an array of them)');
    }
  }
  return value as string | Buffer | Array<string | Buffer>;
}

function encodingOf(value: unknown): Encoding {
  if (value === undefined) return 'msgpack';
  if (value === 'msgpack' || value === 'json') return value;
  throw new InvalidArgumentError(`encoding: must be 'msgpack' or 'json', got ${String(value)}`);
}

function booleanOf(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${field}: must be a boolean, got ${typeof value}`);
  return value;
}

function onEventOf(value: unknown): ((event: ClientEvent) => void) | null {
  if (value === undefined) return null;
  if (typeof value !== 'function') throw new InvalidArgumentError('onEvent: must be a function');
  return value as (event: ClientEvent) => void;
}
