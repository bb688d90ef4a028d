/**
 * A call waiting for its answer. 'queued': not written to any connection yet (waiting for the
 * tick's flush or for a connection); 'sent': written to the current connection.
 */
export interface PendingCall {
  /** The JSON-RPC id; kept when the call is re-sent. */
  readonly id: number;
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  /** May be re-sent on a new connection (see retry-policy.ts). */
  readonly safe: boolean;
  /** The client's own bookkeeping (subscribe/unsubscribe): not counted against maxPending, dropped on disconnect. */
  readonly internal: boolean;
  state: 'queued' | 'sent';
  /** Written to some connection at least once: its outcome is unknown until answered. */
  everSent: boolean;
  /** Resolves the caller's promise; called once. */
  readonly settle: (answer: unknown) => void;
  timer: NodeJS.Timeout | null;
}

export interface NewCall {
  method: string;
  params: Record<string, unknown> | undefined;
  safe: boolean;
  internal: boolean;
  settle: (answer: unknown) => void;
}

/**
 * id → waiting call, in id order (a Map keeps insertion order and ids only grow), bounded by
 * `max` calls of the user's (internal ones do not count).
 */
export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  private nextId = 1;
  private userCalls = 0;
  private emptied: (() => void)[] = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.calls.size;
  }

  /** No room for another user call. */
  isFull(): boolean {
    return this.userCalls >= this.max;
  }

  add(call: NewCall): PendingCall {
    const pending: PendingCall = { ...call, id: this.nextId++, state: 'queued', everSent: false, timer: null };
    this.calls.set(pending.id, pending);
    if (!pending.internal) this.userCalls++;
    return pending;
  }

  isQueued(call: PendingCall): boolean {
    return call.state === 'queued' && this.calls.get(call.id) === call;
  }

  /** Removes the call and settles it with `answer`; false when it was no longer waiting. */
  settle(id: number, answer: unknown): boolean {
    const call = this.take(id);
    if (call === undefined) return false;
    call.settle(answer);
    return true;
  }

  /** The calls in a state, in id order (a snapshot: settling some while iterating is fine). */
  inState(state: PendingCall['state']): PendingCall[] {
    const found: PendingCall[] = [];
    for (const call of this.calls.values()) if (call.state === state) found.push(call);
    return found;
  }

  all(): PendingCall[] {
    return [...this.calls.values()];
  }

  /** Resolves once no call is waiting. */
  whenEmpty(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  private take(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    if (!call.internal) this.userCalls--;
    if (call.timer !== null) clearTimeout(call.timer);
    if (this.calls.size === 0) this.notifyEmpty();
    return call;
  }

  private notifyEmpty(): void {
    const waiting = this.emptied;
    this.emptied = [];
    for (const resolve of waiting) resolve();
  }
}
