import type { WebSocket } from 'ws';

export interface OutgoingBufferOptions {
  /** Unsent bytes the connection may hold (maxBufferedBytesPerConnection). */
  limitBytes: number;
  /** How long the unsent bytes may stay above half the limit before the client is dropped. */
  slowConsumerTimeoutMs: number;
  /** Unsent bytes passed half the limit: stop reading the client. */
  stopReading: () => void;
  /** Back under a quarter of the limit: read again. */
  startReading: () => void;
  /** A slow consumer: the caller terminates the socket and counts it. */
  drop: () => void;
}

/**
 * The unsent replies of one connection, held to their limit in bytes (Redis's
 * client-output-buffer-limit, hard and soft):
 * - hard: a frame that would take the unsent bytes past the limit is not sent, the client is
 *   dropped. The frame is encoded first and its bytes counted; only into an empty buffer may a
 *   single frame larger than the limit go (one large reply to a client that reads).
 * - soft: past half the limit the connection stops reading the client (no new work, so no new
 *   replies pile up) until the buffer drains under a quarter; if it stays above half for
 *   slowConsumerTimeoutMs, the client is dropped.
 * Draining is seen through the write callbacks: every frame sent while the buffer is above the
 * low mark gets one, and the last of them runs when the buffer has drained.
 */
export class OutgoingBuffer {
  private high = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly highBytes: number;
  private readonly lowBytes: number;
  private readonly flushed = (): void => this.onFlushed();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: OutgoingBufferOptions,
  ) {
    this.highBytes = Math.floor(options.limitBytes / 2);
    this.lowBytes = Math.floor(options.limitBytes / 4);
  }

  /** Above half the limit (the connection is not reading). */
  get isHigh(): boolean {
    return this.high;
  }

  /** Sends an encoded frame, or drops the client when it would pass the limit. False when dropped. */
  send(frame: string | Buffer): boolean {
    const frameBytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    const waitingBytes = this.socket.bufferedAmount;
    if (waitingBytes > 0 && waitingBytes + frameBytes > this.options.limitBytes) {
      this.dropNow();
      return false;
    }
    const afterBytes = waitingBytes + frameBytes;
    if (afterBytes > this.lowBytes) this.socket.send(frame, this.flushed);
    else this.socket.send(frame);
    if (afterBytes > this.highBytes && !this.high) this.goHigh();
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private goHigh(): void {
    this.high = true;
    this.timer = setTimeout(() => this.dropNow(), this.options.slowConsumerTimeoutMs);
    this.timer.unref();
    this.options.stopReading();
  }

  private onFlushed(): void {
    if (!this.high || this.stopped || this.socket.bufferedAmount > this.lowBytes) return;
    this.high = false;
    this.clearTimer();
    this.options.startReading();
  }

  private dropNow(): void {
    if (this.stopped) return;
    this.stop();
    this.options.drop();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
