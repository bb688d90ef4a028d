import { invariant } from '../../shared/invariant.js';

/**
 * Why an upgrade failed: a missing or wrong token, no upgrade within authTimeoutMs, or refused by the throttle (429).
 */
export type AuthFailureReason = 'bad_token' | 'timeout' | 'throttled';

const REASONS: readonly AuthFailureReason[] = ['bad_token', 'timeout', 'throttled'];
/** Longest address kept (an IPv6 address with a zone fits): bounds each record's bytes. */
const PEER_LENGTH_MAX = 64;

export interface AuthThrottleOptions {
  /** Failures (bad_token, timeout) within windowMs after which a peer gets 429 until the window ends. */
  maxFailuresPerPeer: number;
  windowMs: number;
  /** Peers remembered; beyond, the peer that failed least recently is forgotten. */
  maxPeers: number;
  log: (line: string) => void;
}

interface PeerRecord {
  windowStartMs: number;
  /** bad_token and timeout failures since windowStartMs. */
  failures: number;
  /** Failures of each reason not yet in a log line. */
  unlogged: Record<AuthFailureReason, number>;
  loggedAtMs: number;
}

/**
 * Failed upgrades per peer address: counted, logged at most once per peer per window (later
 * failures are summed into the next line), and throttled — past maxFailuresPerPeer in a window
 * the peer is refused with 429 before its token is even looked at. Refusals by the throttle are
 * logged but do not extend the window, so a client that backs off gets in once it ends.
 * The table is bounded: maxPeers records of a fixed size (an address of at most 64 characters
 * and five numbers, about 200 bytes), the one failed least recently evicted first.
 */
export class AuthThrottle {
  /** Least recently failed first (a record is re-inserted on every failure). */
  private readonly peers = new Map<string, PeerRecord>();

  constructor(private readonly options: AuthThrottleOptions) {}

  get size(): number {
    return this.peers.size;
  }

  /** How long the peer must wait before its next attempt is looked at; 0 when it may try now. */
  retryAfterMs(peer: string, nowMs: number): number {
    const record = this.peers.get(peerKey(peer));
    if (record === undefined || record.failures < this.options.maxFailuresPerPeer) return 0;
    return Math.max(0, record.windowStartMs + this.options.windowMs - nowMs);
  }

  /** Counts one failure of `peer`, and logs it unless the peer had a line within the window. */
  failed(peer: string, reason: AuthFailureReason, nowMs: number): void {
    const key = peerKey(peer);
    const record = this.take(key, nowMs);
    if (reason !== 'throttled') {
      if (nowMs - record.windowStartMs >= this.options.windowMs) {
        record.windowStartMs = nowMs;
        record.failures = 0;
      }
      record.failures++;
    }
    record.unlogged[reason]++;
    if (nowMs - record.loggedAtMs >= this.options.windowMs) this.logLine(key, record, nowMs);
    this.peers.set(key, record);
    invariant(
      this.peers.size <= this.options.maxPeers,
      `auth throttle: ${this.peers.size} peers, limit ${this.options.maxPeers}`,
    );
  }

  /** Logs the failures that waited for their line; forgets peers with nothing left to count. */
  sweep(nowMs: number): void {
    for (const [key, record] of this.peers) {
      if (nowMs - record.loggedAtMs < this.options.windowMs) continue;
      if (unloggedTotal(record) > 0) this.logLine(key, record, nowMs);
      else if (nowMs - record.windowStartMs >= this.options.windowMs) this.peers.delete(key);
    }
  }

  /** Logs every count still waiting for its line (the gateway is closing). */
  flush(nowMs: number): void {
    for (const [key, record] of this.peers) if (unloggedTotal(record) > 0) this.logLine(key, record, nowMs);
  }

  /** The peer's record, taken out of the map (the caller puts it back last: most recent). */
  private take(key: string, nowMs: number): PeerRecord {
    const found = this.peers.get(key);
    if (found !== undefined) {
      this.peers.delete(key);
      return found;
    }
    if (this.peers.size >= this.options.maxPeers) {
      const oldest = this.peers.keys().next();
      if (oldest.done !== true) this.peers.delete(oldest.value);
    }
    return {
      windowStartMs: nowMs,
      failures: 0,
      unlogged: { bad_token: 0, timeout: 0, throttled: 0 },
      loggedAtMs: Number.NEGATIVE_INFINITY,
    };
  }

  private logLine(key: string, record: PeerRecord, nowMs: number): void {
    const total = unloggedTotal(record);
    const parts = REASONS.filter((reason) => record.unlogged[reason] > 0).map(
      (reason) => `${reason} ${record.unlogged[reason]}`,
    );
    const since = Number.isFinite(record.loggedAtMs)
      ? ` in the last ${((nowMs - record.loggedAtMs) / 1000).toFixed(1)} s`
      : '';
    const blocked =
      record.failures >= this.options.maxFailuresPerPeer ? '; throttled: answered 429 until its window ends' : '';
    this.options.log(
      `holdfast gateway: peer ${key}: ${total} failed ` +
        `upgrade${total === 1 ? '' : 's'} (${parts.join(', ')})${since}${blocked}`,
    );
    for (const reason of REASONS) record.unlogged[reason] = 0;
    record.loggedAtMs = nowMs;
  }
}

function unloggedTotal(record: PeerRecord): number {
  return record.unlogged.bad_token + record.unlogged.timeout + record.unlogged.throttled;
}

/** The address a peer is known by: IPv4-mapped IPv6 as plain IPv4, bounded in length. */
export function peerKey(address: string | undefined): string {
  if (address === undefined || address.length === 0) return 'unknown';
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  return plain.slice(0, PEER_LENGTH_MAX);
}
