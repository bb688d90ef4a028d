import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { presentedToken, selectProtocol } from './auth.js';
import { Admission } from './admission.js';
import { Connection } from './connection.js';
import { Fanout } from './fanout.js';
import { routeHttp } from './http-routes.js';
import { GatewayMetrics } from './metrics.js';
import { resolveGatewayOptions, type GatewayOptions, type ResolvedGatewayOptions } from './options.js';
import type { Principal } from './scopes.js';
import { createListener, socketScheme, type ListenerServer } from './tls.js';
import { readTokenFile, tokenFileSource } from './token-file.js';
import { TokenRegistry, type TokenReloadResult } from './token-registry.js';
import { TokenSet } from './token-set.js';

/** Close code for "the server is going away" (shutdown). */
const CLOSE_GOING_AWAY = 1001;

/** What close() did: requests answered after it began, and requests still in the engine when the drain timed out. */
export interface ShutdownSummary {
  answeredRequests: number;
  unansweredRequests: number;
}

export interface Gateway {
  /** ws://host:port, or wss://host:port with tls */
  readonly url: string;
  readonly port: number;
  /** The single admin token (option `token`); null when only named tokens (tokens, tokensFile) are accepted. */
  readonly token: string | null;
  /** Open connections now. */
  connections(): number;
  /** Sockets the gateway holds at most, upgraded or not: maxConnections, capped below the open-file limit. */
  readonly maxSockets: number;
  /**
   * Re-reads tokensFile and swaps the whole set at once; a bad file keeps the old set (one
   * coded log line, `ok: false`). Connections whose token is gone or has other scopes or
   * channels now are closed with 1008. Without tokensFile, nothing changes.
   */
  reloadTokens(): Promise<TokenReloadResult>;
  /**
   * Shuts down gracefully: refuses new connections, answers the requests in flight (frames held
   * behind the pending limit and new requests get -32002), stops reading, closes every socket
   * with 1001, stops listening. The engine stays open. Resolves with what it answered.
   */
  close(): Promise<ShutdownSummary>;
}

/** Starts the WebSocket gateway in front of an engine. Resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const resolved = resolveGatewayOptions(options);
  const { tokensFile } = resolved;
  const principals = tokensFile === null ? resolved.principals : await readTokenFile(tokensFile);
  const tokens = new TokenSet(resolved.token, principals, tokensFile === null ? 'tokens' : tokenFileSource(tokensFile));
  const gateway = new GatewayServer(resolved, tokens);
  await gateway.listen();
  if (resolved.insecureBind) {
    resolved.log(
      `holdfast gateway: WARNING: INSECURE_BIND: ${gateway.url} is plain WebSocket beyond ` +
        `loopback: tokens and stock data cross the network in clear (allowInsecureBind)`,
    );
  }
  return gateway;
}

class GatewayServer implements Gateway {
  url = '';
  port = 0;
  readonly token: string | null;
  readonly maxSockets: number;
  private readonly http: ListenerServer;
  private readonly tokens: TokenRegistry;
  private readonly admission: Admission;
  private answeredWhileClosing = 0;
  private summary: Promise<ShutdownSummary> | null = null;
  private readonly wss: WebSocketServer;
  private readonly open = new Set<Connection>();
  private readonly metrics: GatewayMetrics;
  private readonly fanout: Fanout;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;
  private idleWaiter: (() => void) | null = null;

  constructor(
    private readonly options: ResolvedGatewayOptions,
    tokens: TokenSet,
  ) {
    this.token = options.token;
    this.metrics = new GatewayMetrics(options.engine, () => this.open.size);
    this.tokens = new TokenRegistry(
      { adminToken: options.token, tokensFile: options.tokensFile, log: options.log, metrics: this.metrics },
      tokens,
    );
    this.fanout = new Fanout(options.engine, options.maxSubscribedSkusPerConnection);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      handleProtocols: selectProtocol,
    });
    this.http = createListener(options.tls, (request, response) =>
      routeHttp(request, response, options.engine, this.metrics, () => this.closing),
    );
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    this.admission = new Admission(options, this.metrics);
    this.maxSockets = this.admission.maxSockets;
    this.admission.attach(this.http);
  }

  connections(): number {
    return this.open.size;
  }

  reloadTokens(): Promise<TokenReloadResult> {
    return this.tokens.reload();
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject);
        this.admission.listening(this.http);
        const address = this.http.address();
        this.port = typeof address === 'object' && address !== null ? address.port : this.options.port;
        const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
        this.url = `${socketScheme(this.options.tls)}://${host}:${this.port}`;
        this.startHeartbeat();
        resolve();
      });
    });
  }

  close(): Promise<ShutdownSummary> {
    this.summary ??= this.shutDown();
    return this.summary;
  }

  private async shutDown(): Promise<ShutdownSummary> {
    this.closing = true;
    for (const connection of this.open) connection.beginShutdown();
    // Still listening while the requests in flight drain: a new connection gets a clear 503.
    await this.whenIdle();
    // Stop reading and answer what was read, so no request read goes unanswered past the close frame.
    await Promise.all([...this.open].map((connection) => connection.stopReading()));
    const unansweredRequests = this.pendingTotal();
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const closed = [...this.open].map((connection) => {
      const done = closeSocket(connection.socket);
      connection.readCloseReply();
      return done;
    });
    await Promise.all(closed);
    clearInterval(this.heartbeat);
    this.admission.stop();
    this.wss.close();
    this.http.closeAllConnections();
    await stopped;
    return { answeredRequests: this.answeredWhileClosing, unansweredRequests };
  }

  /**
   * Authenticates before the WebSocket exists: 429 (token not even checked) for a peer past its
   * failures, 401 without a known token, 503 when full or closing.
   */
  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const retryAfterMs = this.admission.retryAfterMs(request);
    if (retryAfterMs > 0) {
      refuseUpgrade(socket, 429, 'Too Many Requests', `Retry-After: ${Math.ceil(retryAfterMs / 1000)}\r\n`);
      return;
    }
    const principal = this.tokens.authenticate(presentedToken(request));
    if (principal === undefined) {
      this.admission.badToken(request);
      refuseUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    if (this.closing || this.open.size >= this.options.maxConnections) {
      if (!this.closing) this.metrics.pushedBack('connection_limit');
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request.socket, principal));
  }

  private accept(socket: WebSocket, raw: Socket, principal: Principal): void {
    this.admission.upgraded(raw);
    const connection = new Connection(socket, {
      grant: this.tokens.admit(socket, principal),
      engine: this.options.engine,
      options: this.options,
      metrics: this.metrics,
      fanout: this.fanout,
      closing: () => this.closing,
      onIdle: () => this.checkIdle(),
      answered: (requests) => {
        if (this.closing) this.answeredWhileClosing += requests;
      },
    });
    this.open.add(connection);
    socket.on('close', () => {
      this.open.delete(connection);
      this.checkIdle();
    });
  }

  private startHeartbeat(): void {
    if (this.options.heartbeatMs === 0) return;
    this.heartbeat = setInterval(() => {
      for (const connection of this.open) {
        if (connection.isPaused) continue;
        if (!connection.alive) {
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Resolves when no connection has a request pending, or after drainTimeoutMs. */
  private whenIdle(): Promise<void> {
    if (this.pendingTotal() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.idleWaiter = null;
        resolve();
      };
      const timer = setTimeout(done, this.options.drainTimeoutMs);
      this.idleWaiter = done;
    });
  }

  private checkIdle(): void {
    if (this.idleWaiter !== null && this.pendingTotal() === 0) this.idleWaiter();
  }

  private pendingTotal(): number {
    let pending = 0;
    for (const connection of this.open) pending += connection.pending;
    return pending;
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, headers = ''): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
}

/** Closes with 1001 and waits for the close handshake (or drops the socket after a second). */
function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) {
      resolve();
      return;
    }
    const timer = setTimeout(() => socket.terminate(), 1000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close(CLOSE_GOING_AWAY, 'server shutting down');
  });
}
