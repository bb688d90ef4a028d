import type { WebSocket } from 'ws';

/**
 * Why a connection is not reading its socket: too many of its requests pending, too many of its
 * replies unsent, or the server is about to send its close frame.
 */
export type PauseReason = 'pending' | 'buffer' | 'closing';

/** Reading stops while any reason holds and resumes when none is left. */
export class ReadGate {
  private readonly reasons = new Set<PauseReason>();

  constructor(private readonly socket: WebSocket) {}

  get isPaused(): boolean {
    return this.reasons.size > 0;
  }

  has(reason: PauseReason): boolean {
    return this.reasons.has(reason);
  }

  /** True when this reason is new. */
  pause(reason: PauseReason): boolean {
    if (this.reasons.has(reason)) return false;
    this.reasons.add(reason);
    if (this.reasons.size === 1) this.socket.pause();
    return true;
  }

  /** Drops one reason; true when it held and none is left (the caller then reads again: resumeSocket()). */
  clear(reason: PauseReason): boolean {
    if (!this.reasons.delete(reason)) return false;
    return this.reasons.size === 0;
  }

  resumeSocket(): void {
    if (this.reasons.size === 0) this.socket.resume();
  }
}
