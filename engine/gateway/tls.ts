/**
 * Transport security: with `tls: { cert, key }` the gateway serves wss:// and https:// (node:https);
 * without it, plain ws:// and http://, which is refused beyond loopback unless the caller says
 * `allowInsecureBind` (a bearer token in clear on a network is a token given away).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../api/errors.js';

/** PEM text (or bytes) of the server's certificate chain and private key. */
export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

export type ListenerServer = HttpServer | HttpsServer;

const PEM_BYTES_MAX = 1024 * 1024;

/** Checks the `tls` option: undefined → null (plain), else both PEM fields. */
export function resolveTls(value: unknown): TlsOptions | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('tls: must be an object { cert, key }');
  for (const key of Object.keys(value))
    if (key !== 'cert' && key !== 'key') throw new InvalidArgumentError(`tls.${key}: is not a known field`);
  const { cert, key } = value as Record<string, unknown>;
  return { cert: pem(cert, 'tls.cert', 'CERTIFICATE'), key: pem(key, 'tls.key', 'PRIVATE KEY') };
}

function pem(value: unknown, field: string, label: string): string | Buffer {
  if (typeof value !== 'string' && !Buffer.isBuffer(value))
    throw new InvalidArgumentError(`${field}: must be PEM text (a string or a Buffer)`);
  if (value.length === 0 || value.length > PEM_BYTES_MAX)
    throw new InvalidArgumentError(`${field}: must be 1 byte to 1 MiB of PEM`);
  if (!value.toString().includes(`-----BEGIN `) || !value.toString().includes(label)) {
    throw new InvalidArgumentError(`${field}: is not PEM: expected a '-----BEGIN …${label}-----' block`);
  }
  return value;
}

/** 127.0.0.0/8, ::1 (and its IPv4-mapped form), localhost: nobody else can reach it. */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  return false;
}

/** Refuses a plain bind beyond loopback unless allowed; true when it is allowed but insecure (warn). */
export function checkBind(host: string, tls: TlsOptions | null, allowInsecureBind: boolean): boolean {
  if (tls !== null || isLoopback(host)) return false;
  if (allowInsecureBind) return true;
  throw new InvalidArgumentError(
    `host: ${host} is reachable beyond loopback and the gateway ` +
      `has no TLS, so tokens would cross the network in clear;` +
      ' give tls { cert, key } (--tls-cert, --tls-key), or allowInsecureBind (--insecure-bind) behind a TLS proxy',
  );
}

/** The HTTP(S) server the WebSocket upgrades and /healthz, /metrics share. */
export function createListener(
  tls: TlsOptions | null,
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): ListenerServer {
  if (tls === null) return createHttpServer(handler);
  try {
    return createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  } catch (error) {
    throw new InvalidArgumentError(`tls: the certificate or key cannot be used: ${(error as Error).message}`);
  }
}

/** ws:// or wss:// */
export function socketScheme(tls: TlsOptions | null): 'ws' | 'wss' {
  return tls === null ? 'ws' : 'wss';
}
