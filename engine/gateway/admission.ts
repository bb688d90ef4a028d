import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AuthThrottle, peerKey, type AuthFailureReason } from './auth-throttle.js';
import { openFileLimit, socketLimit } from './fd-limit.js';
import type { GatewayMetrics } from './metrics.js';
import type { ResolvedGatewayOptions } from './options.js';
import { SocketGuard, type GuardClose } from './socket-guard.js';

/**
 * Who gets a socket and an upgrade: every TCP socket goes through the SocketGuard (counted
 * against maxConnections, capped below the open-file limit, closed unless it upgrades within
 * authTimeoutMs), failed upgrades go to the AuthThrottle (counted, logged, 429 past the limit),
 * and a plain HTTP request gets `Connection: close`, so a socket that has not upgraded carries
 * one request at most.
 * Why not node:http's settings: headersTimeout / requestTimeout are only checked every
 * connectionsCheckingInterval (30 s), and server.maxConnections drops a socket without letting a
 * silent one be displaced, so the guard keeps its own timers and count.
 */
export class Admission {
  readonly maxSockets: number;
  private readonly guard: SocketGuard;
  private readonly throttle: AuthThrottle;
  private sweeper: NodeJS.Timeout | undefined;
  private serverErrors = 0;
  private serverErrorLoggedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: ResolvedGatewayOptions,
    private readonly metrics: GatewayMetrics,
  ) {
    this.maxSockets = socketLimit(options.maxConnections, options.engine.stats().shards.length, openFileLimit());
    this.guard = new SocketGuard({
      maxSockets: this.maxSockets,
      authTimeoutMs: options.authTimeoutMs,
      onClose: (socket, why) => this.guardClosed(socket, why),
    });
    this.throttle = new AuthThrottle({
      maxFailuresPerPeer: options.maxAuthFailuresPerPeer,
      windowMs: options.authFailureWindowMs,
      maxPeers: options.maxTrackedPeers,
      log: options.log,
    });
    metrics.addConnectionGuard(() => this.guard.waitingCount);
  }

  /** Watches the server's sockets and requests (call before it listens). */
  attach(http: Server): void {
    http.on('connection', (socket: Socket) => this.guard.admit(socket));
    http.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      response.setHeader('connection', 'close');
    });
  }

  /**
   * Once listening: server errors are logged (never an unhandled 'error'), the throttle's log lines flushed per window.
   */
  listening(http: Server): void {
    http.on('error', (error: NodeJS.ErrnoException) => this.serverFailed(error));
    this.sweeper = setInterval(() => this.throttle.sweep(Date.now()), this.options.authFailureWindowMs);
    this.sweeper.unref();
  }

  /** How long the upgrade's peer must wait (answer 429 with Retry-After), counted as throttled; 0 when it may try. */
  retryAfterMs(request: IncomingMessage): number {
    const retryAfterMs = this.throttle.retryAfterMs(peerKey(request.socket.remoteAddress), Date.now());
    if (retryAfterMs > 0) this.failed(request.socket.remoteAddress, 'throttled');
    return retryAfterMs;
  }

  /** An upgrade refused for its token (401). */
  badToken(request: IncomingMessage): void {
    this.failed(request.socket.remoteAddress, 'bad_token');
  }

  /** The socket became a WebSocket: it no longer times out. */
  upgraded(socket: Socket): void {
    this.guard.upgraded(socket);
  }

  /** The server is closing: timers stop, the log lines still waiting are written. */
  stop(): void {
    clearInterval(this.sweeper);
    this.guard.stop();
    this.throttle.flush(Date.now());
  }

  private failed(address: string | undefined, reason: AuthFailureReason): void {
    this.metrics.authFailed(reason);
    this.throttle.failed(peerKey(address), reason, Date.now());
  }

  private guardClosed(socket: Socket, why: GuardClose): void {
    if (why === 'refused') this.metrics.pushedBack('connection_limit');
    else if (why === 'displaced') this.metrics.pushedBack('connection_displaced');
    else this.failed(socket.remoteAddress, 'timeout');
  }

  /** A failed accept (EMFILE, ENFILE): at most one line per authFailureWindowMs, with the count since the last. */
  private serverFailed(error: NodeJS.ErrnoException): void {
    this.serverErrors++;
    const nowMs = Date.now();
    if (nowMs - this.serverErrorLoggedAtMs < this.options.authFailureWindowMs) return;
    this.options.log(
      `holdfast gateway: ${this.serverErrors} server error${this.serverErrors === 1 ? '' : 's'}, ` +
        `the last: ${error.code ?? 'error'}: ${error.message}`,
    );
    this.serverErrors = 0;
    this.serverErrorLoggedAtMs = nowMs;
  }
}
