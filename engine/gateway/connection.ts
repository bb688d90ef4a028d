import type { WebSocket } from 'ws';
import type { Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ChangeEvent } from '../api/types.js';
import { checkSku } from '../api/validate.js';
import { dispatchFrame, requestCount, type DispatchContext } from './dispatch.js';
import type { Fanout } from './fanout.js';
import { decodeFrame, encodeFrame, frameBytes, PARSE_FAILED, type Encoding } from './frame-codec.js';
import type { Params } from './methods.js';
import type { GatewayMetrics } from './metrics.js';
import { availabilityOf, Notifier } from './notifier.js';
import type { ResolvedGatewayOptions } from './options.js';
import type { Grant } from './token-grant.js';
import { errorResponse, RPC, RPC_OUTCOME } from './rpc-errors.js';

export interface ConnectionDeps {
  engine: Engine;
  options: ResolvedGatewayOptions;
  metrics: GatewayMetrics;
  fanout: Fanout;
  closing: () => boolean;
  /** Told when the connection has nothing pending (the gateway waits for that to shut down). */
  onIdle: () => void;
  /** What the connection's token allows: checks every call, counts it under the token's name. */
  grant: Grant;
}

/** How long a paused notifier waits before looking at the outgoing buffer again. */
const NOTIFY_RETRY_MS = 10;

/**
 * One client socket: decodes its frames, dispatches them, answers in the request's encoding,
 * and keeps its limits — it stops reading while too many of its requests are pending, is
 * dropped when its unsent replies pass the buffer limit, and gets conflated notifications.
 */
export class Connection {
  pending = 0;
  /** Answered the last heartbeat ping. */
  alive = true;
  private paused = false;
  /**
   * Frames ws had already read when the socket was paused: they wait here, in order, instead of
   * reaching the engine, so pending work stays within the limit (plus one frame).
   */
  private readonly held: Array<[data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean]> = [];
  private frameEncoding: Encoding = 'json';
  /** Subscribed SKUs, each with the encoding of the subscribe request that added it. */
  private readonly skus = new Map<string, Encoding>();
  private readonly notifier: Notifier;
  private readonly context: DispatchContext;

  constructor(readonly socket: WebSocket, private readonly deps: ConnectionDeps) {
    const { options, metrics } = deps;
    this.notifier = new Notifier(
      (event) => this.send({ jsonrpc: '2.0', method: 'availability', params: availabilityOf(event) }, this.skus.get(event.sku) ?? 'json'),
      () => socket.bufferedAmount,
      Math.floor(options.maxBufferedBytesPerConnection / 4),
      NOTIFY_RETRY_MS,
    );
    this.context = deps.grant.guard({
      engine: deps.engine,
      closing: deps.closing,
      subscription: (method, params) => (method === 'subscribe' ? this.subscribe(params) : this.unsubscribe(params)),
      count: (method, outcome) => metrics.count(method, outcome),
      observeReserveSeconds: (seconds) => metrics.observeReserveSeconds(seconds),
    });
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.onClose());
    socket.on('error', () => socket.terminate());
  }

  notify(event: ChangeEvent): void {
    this.notifier.push(event);
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.paused) {
      this.held.push([data, isBinary]);
      return;
    }
    this.handle(data, isBinary);
  }

  private handle(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const encoding: Encoding = isBinary ? 'msgpack' : 'json';
    const frame = decodeFrame(frameBytes(data), encoding);
    if (frame === PARSE_FAILED) {
      this.deps.metrics.count('unknown', RPC_OUTCOME[RPC.PARSE_ERROR]);
      this.send(errorResponse(null, RPC.PARSE_ERROR, `the frame is not valid ${encoding === 'json' ? 'JSON' : 'msgpack'}`), encoding);
      return;
    }
    const count = requestCount(frame);
    this.pending += count;
    this.frameEncoding = encoding;
    this.pauseIfFull();
    dispatchFrame(frame, this.context).then((reply) => {
      this.pending -= count;
      if (reply !== null) this.send(reply, encoding);
      this.resumeIfDrained();
      if (this.pending === 0) this.deps.onIdle();
    }, (error: unknown) => {
      // A bug, not a client's fault: answer what can be answered and keep the connection.
      this.pending -= count;
      this.send(errorResponse(null, RPC.INTERNAL_ERROR, `internal error: ${(error as Error).message}`), encoding);
      this.resumeIfDrained();
      if (this.pending === 0) this.deps.onIdle();
    });
  }

  private pauseIfFull(): void {
    if (this.paused || this.pending < this.deps.options.maxPendingPerConnection) return;
    this.paused = true;
    this.socket.pause();
    this.deps.metrics.pushedBack('paused');
  }

  private resumeIfDrained(): void {
    if (!this.paused || this.pending > this.deps.options.maxPendingPerConnection / 2) return;
    this.paused = false;
    while (this.held.length > 0 && !this.paused) {
      const [data, isBinary] = this.held.shift() as [Buffer, boolean];
      this.handle(data, isBinary);
    }
    if (!this.paused) this.socket.resume();
  }

  /**
   * Sends, unless the client has let more than the limit pile up unread: then it is dropped. The
   * check is on what waits before this frame, so one large reply to a prompt reader goes out.
   */
  private send(value: unknown, encoding: Encoding): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.deps.options.maxBufferedBytesPerConnection) {
      this.deps.metrics.pushedBack('slow_consumer');
      this.socket.terminate();
      return;
    }
    this.socket.send(encodeFrame(value, encoding));
  }

  /** Not reading (paused at its pending limit): its pongs wait unread, so the heartbeat must not judge it. */
  get isPaused(): boolean {
    return this.paused;
  }

  private subscribe(params: Params): { ok: true; skus: number } | Refusal {
    const skus = this.checkSkus(params);
    if (!Array.isArray(skus)) return skus;
    const added = skus.filter((sku) => !this.skus.has(sku));
    if (this.skus.size + added.length > this.deps.options.maxSubscribedSkusPerConnection) {
      return refuse.limitReached(`skus: a connection may subscribe to at most ${this.deps.options.maxSubscribedSkusPerConnection} SKUs`);
    }
    for (const sku of skus) this.skus.set(sku, this.frameEncoding);
    for (const sku of added) this.deps.fanout.add(sku, this);
    return { ok: true, skus: this.skus.size };
  }

  private unsubscribe(params: Params): { ok: true; skus: number } | Refusal {
    const skus = this.checkSkus(params);
    if (!Array.isArray(skus)) return skus;
    for (const sku of skus) {
      if (!this.skus.delete(sku)) continue;
      this.deps.fanout.remove(sku, this);
      this.notifier.forget(sku);
    }
    return { ok: true, skus: this.skus.size };
  }

  private checkSkus(params: Params): string[] | Refusal {
    const extra = Object.keys(params).find((key) => key !== 'skus');
    if (extra !== undefined) return refuse.invalidArgument(extra, 'is not a known field');
    const { skus } = params;
    if (!Array.isArray(skus) || skus.length === 0 || skus.length > LIMITS.skusPerSubscriptionMax) {
      return refuse.invalidArgument('skus', `must be an array of 1 to ${LIMITS.skusPerSubscriptionMax} SKUs`);
    }
    for (let index = 0; index < skus.length; index++) {
      const problem = checkSku(skus[index]);
      if (problem !== null) return refuse.invalidArgument(`skus[${index}]`, problem.error.message.replace(/^sku: /, ''));
    }
    return [...new Set(skus as string[])];
  }

  private onClose(): void {
    this.held.length = 0;
    this.notifier.stop();
    for (const sku of this.skus.keys()) this.deps.fanout.remove(sku, this);
    this.skus.clear();
    this.deps.onIdle();
  }
}
