import { Packr } from 'msgpackr';
import WebSocket from 'ws';

/** A JSON-RPC request or response as the driver sees it (decoded msgpack). */
export type RpcMessage = Record<string, unknown>;

/** Called with a frame's reply (a response, or an array of them) and when it arrived (performance.now()). */
export type ReplyHandler = (reply: unknown, receivedAtMs: number) => void;

/** Large enough for the end-of-run `get` frames (1,000 SKU views). */
const CLIENT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/**
 * The benchmark's client: one WebSocket, binary frames of msgpack (plain maps, as the gateway
 * speaks it). Each frame carries requests with consecutive numeric ids; its reply is matched by
 * the first id (a batch reply lists its responses in request order). The same code drives the
 * gateway and the echo server (which sends the request frame back, so its first id matches too).
 */
export class RpcConnection {
  /** Replies that matched no frame in flight (e.g. an error with id null), and the first of them. */
  strayReplies = 0;
  firstStray = '';
  /** The socket closed while the driver still used it. */
  closedEarly = false;
  readonly #socket: WebSocket;
  readonly #packr = new Packr({ useRecords: false });
  readonly #waiting = new Map<number, ReplyHandler>();
  #nextId = 1;
  #closing = false;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    socket.on('close', () => {
      if (!this.#closing) this.closedEarly = true;
    });
  }

  /** Opens a connection with `Authorization: Bearer <token>`. */
  static open(url: string, token: string): Promise<RpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        headers: { Authorization: `Bearer ${token}` },
        perMessageDeflate: false,
        maxPayload: CLIENT_MAX_PAYLOAD_BYTES,
      });
      socket.once('open', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined); // reported through 'close' (closedEarly)
        resolve(new RpcConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Frames sent and not yet answered. */
  get framesInFlight(): number {
    return this.#waiting.size;
  }

  /** Reserves `count` consecutive request ids; returns the first. */
  takeIds(count: number): number {
    const first = this.#nextId;
    this.#nextId += count;
    return first;
  }

  /** Sends one frame (a request object, or a batch array) whose first request has id `firstId`. */
  send(frame: RpcMessage | RpcMessage[], firstId: number, onReply: ReplyHandler): void {
    this.#waiting.set(firstId, onReply);
    this.#socket.send(this.#packr.pack(frame), { binary: true });
  }

  /** Sends a batch and resolves with its reply (for setup and checks, not the measured load). */
  call(frame: RpcMessage[], firstId: number): Promise<unknown> {
    return new Promise((resolve) => this.send(frame, firstId, (reply) => resolve(reply)));
  }

  close(): Promise<void> {
    this.#closing = true;
    if (this.#socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.close(1000);
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const receivedAtMs = performance.now();
    const reply: unknown = isBinary ? this.#packr.unpack(data) : JSON.parse(data.toString('utf8'));
    const first = Array.isArray(reply) ? reply[0] : reply;
    const id = typeof first === 'object' && first !== null ? (first as RpcMessage).id : undefined;
    const handler = typeof id === 'number' ? this.#waiting.get(id) : undefined;
    if (handler === undefined) {
      this.strayReplies += 1;
      if (this.firstStray === '') this.firstStray = JSON.stringify(reply).slice(0, 300);
      return;
    }
    this.#waiting.delete(id as number);
    handler(reply, receivedAtMs);
  }
}
