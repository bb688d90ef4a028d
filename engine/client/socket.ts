import WebSocket from 'ws';
import type { FrameData } from './codec.js';

/** Why a connection attempt failed. `status`: the HTTP status the gateway answered the upgrade with, if any. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** How long the HTTP upgrade may take before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface SocketTarget {
  url: string;
  token: string;
  /** Certificate authorities to trust for wss:// (null: the system's). */
  ca: string | Buffer | Array<string | Buffer> | null;
}

/** Called for the life of an open socket. */
export interface SocketHandlers {
  message(data: FrameData, isBinary: boolean): void;
  closed(code: number, reason: string): void;
}

/**
 * Opens one WebSocket to the gateway, authenticated by `Authorization: Bearer <token>`.
 * Resolves once it is open, with `handlers` attached; rejects with a ConnectError that says why
 * it is not (401 → 'unauthorized').
 */
export function openSocket(target: SocketTarget, handlers: SocketHandlers): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(target.url, {
        headers: { Authorization: `Bearer ${target.token}` },
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        ...(target.ca === null ? {} : { ca: target.ca }),
      });
    } catch (error) {
      reject(new ConnectError(`cannot connect to ${target.url}: ${messageOf(error)}`));
      return;
    }
    let status: number | undefined;
    let failure: unknown;
    const onResponse = (_request: unknown, response: { statusCode?: number; resume(): void }): void => {
      status = response.statusCode;
      response.resume();
      socket.terminate();
    };
    const onError = (error: unknown): void => {
      failure ??= error;
    };
    const onClose = (): void => reject(handshakeError(target.url, status, failure));
    socket.once('unexpected-response', onResponse);
    socket.on('error', onError);
    socket.once('close', onClose);
    socket.once('open', () => {
      socket.off('unexpected-response', onResponse);
      socket.off('close', onClose);
      attach(socket, handlers);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function attach(socket: WebSocket, handlers: SocketHandlers): void {
  socket.on('message', (data: FrameData, isBinary: boolean) => handlers.message(data, isBinary));
  // Every error on an open socket is followed by 'close', where the client reacts.
  socket.on('error', () => {});
  socket.on('close', (code: number, reason: Buffer) => handlers.closed(code, reason.toString('utf8')));
}

function handshakeError(url: string, status: number | undefined, failure: unknown): ConnectError {
  if (status === 401) return new ConnectError('unauthorized', 401);
  if (status === 503)
    return new ConnectError('service unavailable (HTTP 503): the gateway is full or shutting down', 503);
  if (status !== undefined) return new ConnectError(`the gateway refused the upgrade with HTTP ${status}`, status);
  return new ConnectError(
    `cannot connect to ${url}: ${failure === undefined ? 'closed during the handshake' : messageOf(failure)}`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
