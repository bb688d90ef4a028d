import type { Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import { operationsOf } from '../wire/frame-operations.js';
import { fitsInFrame, planFrames, type FrameLimits } from './frame-plan.js';
import { TurnQueue } from './turn-queue.js';
import {
  decodeFrame,
  encodedBytes,
  encodeMessage,
  FRAME_OVERHEAD_BYTES,
  joinFrame,
  MESSAGE_OVERHEAD_BYTES,
  type Encoded,
  type FrameData,
} from './codec.js';
import { Connection } from './connection.js';
import { eventSink, type EventSink } from './events.js';
import type { ResolvedClientOptions } from './options.js';
import { PendingCalls, type PendingCall } from './pending.js';
import { classify, messagesOf, requestOf, type Incoming } from './protocol.js';
import { clientRefusal, refusalOfRpcError } from './refusals.js';
import { isSafeToResend } from './retry-policy.js';
import { chunkSkus, SubscriptionRegistry, type AvailabilityEvent, type AvailabilityListener } from './subscriptions.js';

/** How internal calls are settled when dropped with their connection (no refusal to report). */
const DROPPED = null;

/** How long close() waits for the answers of calls already sent; the rest then resolve UNAVAILABLE. */
export const CLOSE_DRAIN_MS = 5000;

/**
 * The calls in flight over one reconnecting connection. Every call resolves, never rejects:
 * with the gateway's result, or a refusal shaped like the embedded API's.
 *
 * A call is queued, goes out with the others of its tick in one frame, and waits in `pending`
 * for its answer. When the connection drops, the calls sent on it that are safe to repeat are
 * queued again (same id, same params) for the next connection; the others resolve UNAVAILABLE.
 */
export class Session {
  private readonly pending: PendingCalls;
  private readonly turn: TurnQueue<PendingCall>;
  private readonly subscriptions = new SubscriptionRegistry();
  private readonly connection: Connection;
  private readonly emit: EventSink;
  private readonly frameLimits: FrameLimits;
  private closing: Promise<void> | null = null;
  /** The link is lost for good (reconnect is off). */
  private down = false;

  constructor(private readonly options: ResolvedClientOptions) {
    this.pending = new PendingCalls(options.maxPending);
    this.turn = new TurnQueue((calls) => this.flush(calls));
    this.emit = eventSink(options.onEvent);
    this.frameLimits = {
      maxMessages: LIMITS.frameOpsMax,
      maxOperations: LIMITS.frameOpsMax,
      maxBytes: options.maxFrameBytes,
      frameOverhead: FRAME_OVERHEAD_BYTES,
      messageOverhead: MESSAGE_OVERHEAD_BYTES,
    };
    this.connection = new Connection(options, {
      opened: (reconnected) => this.onOpened(reconnected),
      message: (data, isBinary) => this.onFrame(data, isBinary),
      lost: (code, reason, willReconnect) => this.onLost(code, reason, willReconnect),
      retrying: (attempt, delayMs, error) =>
        this.emit({ type: 'reconnecting', attempt, delayMs, ...(error === undefined ? {} : { error }) }),
    });
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** The first connection; rejects with a ConnectError that says why (401: 'unauthorized'). */
  async open(): Promise<void> {
    try {
      await this.connection.open();
    } catch (error) {
      this.connection.stop();
      throw error;
    }
  }

  /** Sends `method` with `params` in this tick's frame; resolves to the result or a refusal. */
  call(method: string, params: Record<string, unknown> | undefined): Promise<unknown> {
    if (this.closing !== null) return Promise.resolve(clientRefusal.closed());
    if (this.down) return Promise.resolve(clientRefusal.notConnected());
    if (this.pending.isFull()) return Promise.resolve(clientRefusal.overloaded(this.options.maxPending));
    return new Promise((settle) => {
      const call = this.pending.add({ method, params, safe: isSafeToResend(method, params), internal: false, settle });
      this.armTimeout(call);
      this.turn.add(call);
    });
  }

  /** Availability of `skus` pushed to `listener`; throws InvalidArgumentError on bad arguments. */
  subscribe(skus: string[], listener: AvailabilityListener): () => void {
    const unsubscribe = this.subscriptions.add(skus, listener);
    this.turn.wake();
    return () => {
      unsubscribe();
      this.turn.wake();
    };
  }

  /**
   * Stops reconnecting and takes no new call (they resolve CLOSED); sends what this tick queued,
   * waits for the answers of the calls already sent (at most CLOSE_DRAIN_MS), then closes the
   * socket. Calls left without an answer resolve UNAVAILABLE when they had been sent (the outcome
   * is unknown), CLOSED when they never were.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.connection.stop();
    if (this.connection.connected) {
      this.send(this.pending.inState('queued'));
      await drained(this.pending, CLOSE_DRAIN_MS);
    }
    for (const call of this.pending.all()) {
      this.pending.settle(
        call.id,
        call.internal ? DROPPED : call.everSent ? clientRefusal.closedUnanswered() : clientRefusal.closed(),
      );
    }
    await this.connection.close();
  }

  private armTimeout(call: PendingCall): void {
    const timeoutMs = this.options.requestTimeoutMs;
    if (timeoutMs === null) return;
    call.timer = setTimeout(
      () => this.pending.settle(call.id, clientRefusal.timedOut(timeoutMs, call.everSent)),
      timeoutMs,
    );
  }

  /** The tick's calls: out now when connected; else they stay queued for the next connection. */
  private flush(calls: PendingCall[]): void {
    if (!this.connection.connected || this.closing !== null) return;
    this.send([...this.subscriptionCalls(), ...calls.filter((call) => this.pending.isQueued(call))]);
  }

  /** subscribe/unsubscribe requests for what changed since the last flush (internal calls). */
  private subscriptionCalls(): PendingCall[] {
    if (!this.subscriptions.hasChanges()) return [];
    const changes = this.subscriptions.takeChanges();
    const calls: PendingCall[] = [];
    for (const skus of chunkSkus(changes.unsubscribe)) calls.push(this.internalCall('unsubscribe', skus));
    for (const skus of chunkSkus(changes.subscribe)) calls.push(this.internalCall('subscribe', skus));
    return calls;
  }

  private internalCall(method: 'subscribe' | 'unsubscribe', skus: string[]): PendingCall {
    const settle = (answer: unknown): void => {
      if (!isRefusal(answer)) return;
      if (method === 'subscribe') this.emit({ type: 'subscribeRefused', skus, error: answer.error });
      else this.emit({ type: 'protocolError', message: `unsubscribe refused: ${answer.error.message}` });
    };
    return this.pending.add({ method, params: { skus }, safe: true, internal: true, settle });
  }

  /** Encodes each call, packs them into as few frames as the limits allow, and writes them. */
  private send(calls: PendingCall[]): void {
    const parts: Encoded[] = [];
    const sizes: number[] = [];
    const operations: number[] = [];
    const ready: PendingCall[] = [];
    for (const call of calls) {
      const part = this.encode(call);
      if (part === null) continue;
      parts.push(part);
      sizes.push(encodedBytes(part));
      operations.push(operationsOf(call));
      ready.push(call);
    }
    for (const [start, end] of planFrames(sizes, this.frameLimits, operations)) {
      this.connection.send(joinFrame(parts.slice(start, end), this.options.encoding));
      for (const call of ready.slice(start, end)) markSent(call);
    }
  }

  /** The call's request, encoded; null (and the call refused) when it cannot be sent. */
  private encode(call: PendingCall): Encoded | null {
    let part: Encoded;
    try {
      part = encodeMessage(requestOf(call.id, call.method, call.params), this.options.encoding);
    } catch (error) {
      this.pending.settle(call.id, clientRefusal.unencodable(error instanceof Error ? error.message : String(error)));
      return null;
    }
    const bytes = encodedBytes(part);
    if (fitsInFrame(bytes, this.frameLimits)) return part;
    this.pending.settle(call.id, clientRefusal.tooLarge(bytes, this.options.maxFrameBytes));
    return null;
  }

  private onOpened(reconnected: boolean): void {
    this.subscriptions.resetConnection();
    this.emit({ type: 'connected', reconnected });
    const queued = this.pending.inState('queued');
    this.send([...this.subscriptionCalls(), ...queued]);
  }

  private onLost(code: number, reason: string, willReconnect: boolean): void {
    this.emit({ type: 'disconnected', code, reason, willReconnect });
    for (const call of this.pending.inState('sent')) {
      if (call.internal) this.pending.settle(call.id, DROPPED);
      else if (willReconnect && call.safe) call.state = 'queued';
      else this.pending.settle(call.id, clientRefusal.lost());
    }
    if (willReconnect || this.closing !== null) return;
    this.down = true;
    for (const call of this.pending.inState('queued')) this.pending.settle(call.id, clientRefusal.notConnected());
  }

  private onFrame(data: FrameData, isBinary: boolean): void {
    let frame: unknown;
    try {
      frame = decodeFrame(data, isBinary);
    } catch (error) {
      this.emit({
        type: 'protocolError',
        message: `undecodable ${isBinary ? 'msgpack' : 'JSON'} frame: ${String(error)}`,
      });
      return;
    }
    for (const message of messagesOf(frame)) this.onMessage(classify(message));
  }

  private onMessage(incoming: Incoming): void {
    switch (incoming.kind) {
      case 'result':
        this.answer(incoming.id, incoming.result);
        return;
      case 'error':
        this.answer(incoming.id, refusalOfRpcError(incoming.error));
        return;
      case 'notification':
        this.onNotification(incoming.method, incoming.params);
        return;
      case 'invalid':
        this.emit({ type: 'protocolError', message: `the gateway sent ${incoming.reason}` });
    }
  }

  /** Settles the call `id`; an answer for no waiting call (one that timed out) is dropped. */
  private answer(id: number | string, answer: unknown): void {
    if (typeof id === 'number') this.pending.settle(id, answer);
  }

  private onNotification(method: string, params: unknown): void {
    if (
      method !== 'availability' ||
      typeof params !== 'object' ||
      params === null ||
      typeof (params as { sku?: unknown }).sku !== 'string'
    ) {
      this.emit({ type: 'protocolError', message: `the gateway sent an unknown notification '${method}'` });
      return;
    }
    const event = params as AvailabilityEvent;
    this.subscriptions.dispatch(event, (error) => this.emit({ type: 'listenerError', sku: event.sku, error }));
  }
}

/** Resolves when no call waits, or after `limitMs`, whichever comes first. */
async function drained(pending: PendingCalls, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, limitMs);
  });
  await Promise.race([pending.whenEmpty(), limit]);
  clearTimeout(timer);
}

function markSent(call: PendingCall): void {
  call.state = 'sent';
  call.everSent = true;
}

function isRefusal(answer: unknown): answer is Refusal {
  return (
    typeof answer === 'object' &&
    answer !== null &&
    (answer as { ok?: unknown }).ok === false &&
    typeof (answer as { error?: unknown }).error === 'object'
  );
}
