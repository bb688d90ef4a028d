import type { WebSocket } from 'ws';
import type { Engine } from '../api/engine.js';
import { refuse, type Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ChangeEvent } from '../api/types.js';
import { checkSkuList } from '../api/validate.js';
import { dispatchFrame, operationsOfFrame, type DispatchContext } from './dispatch.js';
import type { Fanout } from './fanout.js';
import { decodeFrame, encodeFrame, frameBytes, PARSE_FAILED, type Encoding } from './frame-codec.js';
import type { Params } from './methods.js';
import type { GatewayMetrics } from './metrics.js';
import { availabilityOf, Notifier } from './notifier.js';
import type { ResolvedGatewayOptions } from './options.js';
import type { Grant } from './token-grant.js';
import { OutgoingBuffer } from './outgoing-buffer.js';
import { ReadGate, type PauseReason } from './read-gate.js';
import { errorResponse, RPC, RPC_OUTCOME, type RpcResponse } from './rpc-errors.js';

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
  /** Told how many requests a reply that went out answered (the gateway counts them while shutting down). */
  answered: (requests: number) => void;
}

type RawFrame = [data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean];

/** How long a paused notifier waits before looking at the outgoing buffer again. */
const NOTIFY_RETRY_MS = 10;

/**
 * One client socket: decodes its frames, dispatches them, answers in the request's encoding,
 * and keeps its limits — it stops reading while too many of its requests are pending or too
 * many of its replies wait unsent, drops a client whose unsent replies would pass the buffer
 * limit, and gets conflated notifications. On shutdown every request it read is answered.
 */
export class Connection {
  pending = 0;
  /** Answered the last heartbeat ping. */
  alive = true;
  private readonly gate: ReadGate;
  private readonly outgoing: OutgoingBuffer;
  /**
   * Frames ws had already read when the socket was paused: they wait here, in order, instead of
   * reaching the engine, so pending work stays within the limit (plus one frame). Bounded by
   * what ws had read before the pause took effect (one socket read, up to one maxPayloadBytes frame).
   */
  private readonly held: RawFrame[] = [];
  /** After the close frame: data frames are dropped unread. */
  private discarding = false;
  private frameEncoding: Encoding = 'json';
  private readonly notifier: Notifier;
  private readonly context: DispatchContext;

  constructor(
    readonly socket: WebSocket,
    private readonly deps: ConnectionDeps,
  ) {
    const { options, metrics } = deps;
    this.gate = new ReadGate(socket);
    this.outgoing = new OutgoingBuffer(socket, {
      limitBytes: options.maxBufferedBytesPerConnection,
      slowConsumerTimeoutMs: options.slowConsumerTimeoutMs,
      stopReading: () => {
        if (this.gate.pause('buffer')) metrics.pushedBack('buffer_paused');
      },
      startReading: () => this.clearPause('buffer'),
      drop: () => {
        metrics.pushedBack('slow_consumer');
        socket.terminate();
      },
    });
    this.notifier = new Notifier(
      (event) =>
        this.send(
          { jsonrpc: '2.0', method: 'availability', params: availabilityOf(event) },
          this.deps.fanout.encodingOf(this, event.sku),
        ),
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

  /**
   * close() began: nothing more reaches the engine, so the frames held behind the pending limit
   * are answered now (-32002; each request of a batch frame gets its own answer).
   */
  beginShutdown(): void {
    this.clearPause('pending');
  }

  /**
   * Before the close frame: stops reading, then answers every frame already read (held ones,
   * and those ws parses from bytes it had read). Resolves once those answers are sent. Requests
   * still in the engine (a drain timeout) are not waited for.
   */
  async stopReading(): Promise<void> {
    this.gate.pause('closing');
    await new Promise<void>((resolve) => setImmediate(resolve));
    const answers: Array<Promise<void>> = [];
    while (this.held.length > 0) {
      const [data, isBinary] = this.held.shift() as RawFrame;
      answers.push(this.handle(data, isBinary));
    }
    await Promise.all(answers);
  }

  /**
   * The close frame is sent: read again, so ws sees the client's close reply, but discard data
   * frames — nothing may be sent after a close frame, so what arrives now is not answered, and
   * so never reaches the engine either.
   */
  readCloseReply(): void {
    this.discarding = true;
    this.held.length = 0;
    if (this.gate.clear('closing')) this.gate.resumeSocket();
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.discarding) return;
    if (this.gate.isPaused) {
      this.held.push([data, isBinary]);
      return;
    }
    void this.handle(data, isBinary);
  }

  /** Decodes and dispatches one frame; resolves once its answer is sent (or could not be). */
  private handle(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    const encoding: Encoding = isBinary ? 'msgpack' : 'json';
    const frame = decodeFrame(frameBytes(data), encoding);
    if (frame === PARSE_FAILED) {
      this.deps.metrics.count('unknown', RPC_OUTCOME[RPC.PARSE_ERROR]);
      this.reply(
        errorResponse(null, RPC.PARSE_ERROR, `the frame is not valid ${encoding === 'json' ? 'JSON' : 'msgpack'}`),
        encoding,
      );
      return Promise.resolve();
    }
    const operations = operationsOfFrame(frame);
    const count = Math.min(operations, LIMITS.frameOpsMax);
    this.pending += count;
    this.frameEncoding = encoding;
    this.pauseIfFull();
    return dispatchFrame(frame, this.context, operations).then(
      (reply) => {
        this.pending -= count;
        if (reply !== null) this.reply(reply, encoding);
        this.afterAnswer();
      },
      (error: unknown) => {
        // A bug, not a client's fault: answer what can be answered and keep the connection.
        this.pending -= count;
        this.reply(errorResponse(null, RPC.INTERNAL_ERROR, `internal error: ${(error as Error).message}`), encoding);
        this.afterAnswer();
      },
    );
  }

  private reply(response: RpcResponse | RpcResponse[], encoding: Encoding): void {
    if (this.send(response, encoding)) this.deps.answered(Array.isArray(response) ? response.length : 1);
  }

  private afterAnswer(): void {
    if (this.gate.has('pending') && this.pending <= this.deps.options.maxPendingPerConnection / 2)
      this.clearPause('pending');
    if (this.pending === 0) this.deps.onIdle();
  }

  /** While closing nothing reaches the engine, so the pending limit no longer holds frames back. */
  private pauseIfFull(): void {
    if (this.pending < this.deps.options.maxPendingPerConnection || this.deps.closing()) return;
    if (this.gate.pause('pending')) this.deps.metrics.pushedBack('paused');
  }

  /** Drops one reason to pause; with none left, handles the held frames in order, then reads again. */
  private clearPause(reason: PauseReason): void {
    if (!this.gate.clear(reason)) return;
    while (this.held.length > 0 && !this.gate.isPaused) {
      const [data, isBinary] = this.held.shift() as RawFrame;
      void this.handle(data, isBinary);
    }
    this.gate.resumeSocket();
  }

  /** Encodes, then sends unless the client's unsent replies would pass the limit (then it is dropped). */
  private send(value: unknown, encoding: Encoding): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    return this.outgoing.send(encodeFrame(value, encoding));
  }

  /**
   * Not reading (at its pending limit, or its replies wait unsent): its pongs wait unread, so the heartbeat must not
   * judge it.
   */
  get isPaused(): boolean {
    return this.gate.isPaused;
  }

  /** The fanout keeps this connection's SKUs (and their encoding) and enforces its bound. */
  private subscribe(params: Params): { ok: true; skus: number } | Refusal {
    const skus = skusOf(params);
    if (!Array.isArray(skus)) return skus;
    const count = this.deps.fanout.subscribe(this, skus, this.frameEncoding);
    return typeof count === 'number' ? { ok: true, skus: count } : count;
  }

  private unsubscribe(params: Params): { ok: true; skus: number } | Refusal {
    const skus = skusOf(params);
    if (!Array.isArray(skus)) return skus;
    for (const sku of this.deps.fanout.unsubscribe(this, skus)) this.notifier.forget(sku);
    return { ok: true, skus: this.deps.fanout.countOf(this) };
  }

  private onClose(): void {
    this.held.length = 0;
    this.outgoing.stop();
    this.notifier.stop();
    this.deps.fanout.unsubscribeAll(this);
    this.deps.onIdle();
  }
}

/** The distinct SKUs of a subscribe/unsubscribe request's params (`skus`, and no other field). */
function skusOf(params: Params): string[] | Refusal {
  const extra = Object.keys(params).find((key) => key !== 'skus');
  if (extra !== undefined) return refuse.invalidArgument(extra, 'is not a known field');
  const problem = checkSkuList(params.skus, 'skus', false);
  return problem ?? [...new Set(params.skus as string[])];
}
