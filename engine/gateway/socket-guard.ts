import type { Socket } from 'node:net';
import { invariant } from '../../shared/invariant.js';

/** Why the guard closed a socket that had not upgraded. */
export type GuardClose = 'timeout' | 'displaced' | 'refused';

export interface SocketGuardOptions {
  /** Sockets held at once, upgraded or not. */
  maxSockets: number;
  /** How long a socket may stay without upgrading (NATS's auth_timeout). */
  authTimeoutMs: number;
  /** Told after the guard closed a socket (the socket is destroyed already). */
  onClose: (socket: Socket, why: GuardClose) => void;
}

interface Entry {
  readonly socket: Socket;
  timer: NodeJS.Timeout | null;
  upgraded: boolean;
  released: boolean;
}

/**
 * Every accepted TCP socket, counted against one limit whether it has upgraded or not (Redis's
 * maxclients, NATS's max_connections with auth_timeout):
 * - a socket that has not upgraded within authTimeoutMs is destroyed;
 * - at the limit, a new socket displaces the oldest socket that has not upgraded (a flood of
 *   silent sockets cannot lock out clients or /healthz for longer than it keeps opening them),
 *   and when every socket has upgraded, the new one is destroyed at once: it holds a descriptor
 *   for one turn of the event loop.
 * Sockets are keyed by peer address and port, which a TLS socket shares with the TCP socket
 * under it, so the guard works the same under https.
 */
export class SocketGuard {
  /** Not upgraded yet, oldest first. */
  private readonly waiting = new Map<string, Entry>();
  private upgradedCount = 0;

  constructor(private readonly options: SocketGuardOptions) {}

  /** Sockets held now. */
  get size(): number {
    return this.waiting.size + this.upgradedCount;
  }

  /** Sockets held now that have not upgraded. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** A socket was accepted ('connection'): track it, or close it (or the oldest waiting one) at the limit. */
  admit(socket: Socket): void {
    const key = keyOf(socket);
    if (key === null || this.waiting.has(key)) {
      socket.destroy();
      return;
    }
    if (this.size >= this.options.maxSockets && !this.displaceOldest()) {
      socket.destroy();
      this.options.onClose(socket, 'refused');
      return;
    }
    const entry: Entry = { socket, timer: null, upgraded: false, released: false };
    entry.timer = setTimeout(() => this.expire(key, entry, 'timeout'), this.options.authTimeoutMs);
    entry.timer.unref();
    this.waiting.set(key, entry);
    socket.once('close', () => this.release(key, entry));
    invariant(
      this.size <= this.options.maxSockets,
      `socket guard: ${this.size} sockets held, limit ${this.options.maxSockets}`,
    );
  }

  /** The socket (or the TLS socket over it) became a WebSocket: it no longer times out or gets displaced. */
  upgraded(socket: Socket): void {
    const key = keyOf(socket);
    const entry = key === null ? undefined : this.waiting.get(key);
    if (key === null || entry === undefined) return;
    this.waiting.delete(key);
    clearTimer(entry);
    entry.upgraded = true;
    this.upgradedCount++;
  }

  /** Stops every timer (the server is closing; its sockets are being closed). */
  stop(): void {
    for (const entry of this.waiting.values()) clearTimer(entry);
  }

  private displaceOldest(): boolean {
    const oldest = this.waiting.entries().next();
    if (oldest.done === true) return false;
    const [key, entry] = oldest.value;
    this.expire(key, entry, 'displaced');
    return true;
  }

  private expire(key: string, entry: Entry, why: GuardClose): void {
    if (entry.released || entry.upgraded) return;
    this.release(key, entry);
    entry.socket.destroy();
    this.options.onClose(entry.socket, why);
  }

  private release(key: string, entry: Entry): void {
    if (entry.released) return;
    entry.released = true;
    clearTimer(entry);
    if (entry.upgraded) this.upgradedCount--;
    else if (this.waiting.get(key) === entry) this.waiting.delete(key);
    invariant(this.upgradedCount >= 0, 'socket guard: more upgraded sockets released than counted');
  }
}

function clearTimer(entry: Entry): void {
  if (entry.timer !== null) clearTimeout(entry.timer);
  entry.timer = null;
}

function keyOf(socket: Socket): string | null {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined ? null : `${remoteAddress}|${remotePort}`;
}
