import WebSocket from 'ws';
import { backoffDelayMs } from './backoff.js';
import type { Encoded, FrameData } from './codec.js';
import { openSocket, type SocketHandlers, type SocketTarget } from './socket.js';

export interface ConnectionSettings extends SocketTarget {
  reconnect: boolean;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
}

/** What the connection reports to its owner. */
export interface ConnectionListener {
  /** A socket is open (`reconnected`: not the first one). */
  opened(reconnected: boolean): void;
  message(data: FrameData, isBinary: boolean): void;
  /** The open socket closed; `willReconnect` says whether attempts follow. */
  lost(code: number, reason: string, willReconnect: boolean): void;
  /** Attempt `attempt` (1, 2, …) starts in `delayMs`; `error`: why the previous one failed. */
  retrying(attempt: number, delayMs: number, error?: string): void;
}

/** How long close() waits for the gateway's close frame before dropping the socket. */
const CLOSE_GRACE_MS = 1000;

/**
 * One logical link to the gateway: a socket at a time, replaced after a drop (when `reconnect`)
 * with capped exponential backoff and jitter, until stop().
 */
export class Connection {
  private socket: WebSocket | null = null;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private closeWaiters: (() => void)[] = [];

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {}

  get connected(): boolean {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Reconnect attempts are still to come (the link is down but not for good). */
  get willReconnect(): boolean {
    return this.settings.reconnect && !this.stopped;
  }

  /** The first connection: rejects with a ConnectError (never retried). */
  async open(): Promise<void> {
    const socket = await this.openTracked();
    if (this.stopped || socket.readyState !== WebSocket.OPEN) {
      socket.terminate();
      throw new Error('the connection closed while opening');
    }
    this.socket = socket;
    this.listener.opened(false);
  }

  /** Writes one frame: a string as a text frame, bytes as a binary frame. */
  send(frame: Encoded): void {
    this.socket?.send(frame);
  }

  /** No more reconnects from now on. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Stops, then closes the socket (code 1000) and resolves once it is closed. */
  close(): Promise<void> {
    this.stop();
    const socket = this.socket;
    if (socket === null) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    const grace = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.close(1000, 'client closed');
    return closed.finally(() => clearTimeout(grace));
  }

  /** Opens a socket whose 'close' counts only while it is the current one. */
  private async openTracked(): Promise<WebSocket> {
    let own: WebSocket | null = null;
    const handlers: SocketHandlers = {
      message: (data, isBinary) => this.listener.message(data, isBinary),
      closed: (code, reason) => {
        if (own !== null && own === this.socket) this.onClosed(code, reason);
      },
    };
    own = await openSocket(this.settings, handlers);
    return own;
  }

  private onClosed(code: number, reason: string): void {
    this.socket = null;
    const willReconnect = this.willReconnect;
    this.listener.lost(code, reason, willReconnect);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();
    if (willReconnect) this.scheduleAttempt();
  }

  private scheduleAttempt(error?: string): void {
    const delayMs = backoffDelayMs(this.failures, this.settings.reconnectDelayMsMin, this.settings.reconnectDelayMsMax);
    this.failures++;
    this.listener.retrying(this.failures, delayMs, error);
    this.retryTimer = setTimeout(() => this.attempt(), delayMs);
  }

  private attempt(): void {
    this.retryTimer = null;
    this.openTracked().then(
      (socket) => this.adopt(socket),
      (error: unknown) => {
        if (!this.stopped) this.scheduleAttempt(error instanceof Error ? error.message : String(error));
      },
    );
  }

  private adopt(socket: WebSocket): void {
    if (this.stopped) {
      socket.terminate();
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) {
      this.scheduleAttempt('closed right after opening');
      return;
    }
    this.socket = socket;
    this.failures = 0;
    this.listener.opened(true);
  }
}
