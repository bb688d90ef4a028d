import type { WebSocket } from 'ws';
import type { GatewayMetrics } from './metrics.js';
import { sameGrant, type Principal } from './scopes.js';
import { readTokenFile, tokenFileSource, TOKENS_MAX } from './token-file.js';
import { Grant } from './token-grant.js';
import { ThrottledLog, type LogLine } from './token-log.js';
import { TokenSet } from './token-set.js';

/** Close code for "policy violation": the connection's token was revoked or re-scoped. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** How long a revoked connection gets to finish the close handshake before it is dropped. */
const REVOKE_GRACE_MS = 1000;
/** At most one FORBIDDEN line per token per this interval. */
const FORBIDDEN_LOG_INTERVAL_MS = 10_000;
/** Revoked names listed in one reload line (then a count). */
const NAMES_SHOWN_MAX = 20;

export type TokenReloadResult =
  { ok: true; tokens: number; closedConnections: number } | { ok: false; error: { code: string; message: string } };

export interface TokenRegistryOptions {
  /** The single admin token (`token`, `--token`), or null. */
  adminToken: string | null;
  /** Re-read on reload; null: the tokens given at start are all there is. */
  tokensFile: string | null;
  log: LogLine;
  metrics: GatewayMetrics;
}

/**
 * The gateway's tokens: who a presented token is, the grants of open connections, and reloads
 * (SIGHUP) that swap the whole set at once — or keep the old one when the file is bad — and
 * close the connections whose token was revoked or changed.
 */
export class TokenRegistry {
  /** Open connections' grants (bounded by the gateway's connection limit). */
  private readonly open = new Map<Grant, WebSocket>();
  private readonly forbiddenLog: ThrottledLog;
  private reloading: Promise<TokenReloadResult> = Promise.resolve({ ok: true, tokens: 0, closedConnections: 0 });

  constructor(
    private readonly options: TokenRegistryOptions,
    private tokens: TokenSet,
  ) {
    this.forbiddenLog = new ThrottledLog(options.log, {
      intervalMs: FORBIDDEN_LOG_INTERVAL_MS,
      keysMax: TOKENS_MAX + 1,
    });
  }

  get size(): number {
    return this.tokens.size;
  }

  /** The principal of a presented token, or undefined (the upgrade gets 401). */
  authenticate(presented: string | undefined): Principal | undefined {
    return this.tokens.lookup(presented);
  }

  /** A grant for an upgraded socket, dropped when it closes. A token revoked meanwhile is closed at once. */
  admit(socket: WebSocket, principal: Principal): Grant {
    const grant = new Grant(principal, { metrics: this.options.metrics, forbiddenLog: this.forbiddenLog });
    this.open.set(grant, socket);
    socket.once('close', () => this.open.delete(grant));
    const now = this.tokens.byTokenDigest(principal.digest);
    if (now === undefined || !sameGrant(now, principal)) this.revoke(grant, socket);
    return grant;
  }

  /** Re-reads the tokens file; one reload at a time. */
  reload(): Promise<TokenReloadResult> {
    this.reloading = this.reloading.then(() => this.reloadNow());
    return this.reloading;
  }

  private async reloadNow(): Promise<TokenReloadResult> {
    const { tokensFile, adminToken, log, metrics } = this.options;
    if (tokensFile === null) {
      log('holdfast gateway: tokens: no tokens file to reload (only --token); nothing changed');
      return { ok: true, tokens: this.tokens.size, closedConnections: 0 };
    }
    let next: TokenSet;
    try {
      next = new TokenSet(adminToken, await readTokenFile(tokensFile), tokenFileSource(tokensFile));
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'INVALID_ARGUMENT';
      const message = (error as Error).message;
      metrics.tokensReloaded('failed');
      log(`holdfast gateway: ${code}: tokens not reloaded, keeping the ${this.tokens.size} loaded before: ${message}`);
      return { ok: false, error: { code, message } };
    }
    this.tokens = next;
    metrics.forgetPrincipals(next.names());
    metrics.tokensReloaded('ok');
    const closed = this.closeRevoked();
    log(
      `holdfast gateway: tokens reloaded from ${tokensFile}: ${next.size} ` +
        `token${next.size === 1 ? '' : 's'}${closedText(closed)}`,
    );
    return { ok: true, tokens: next.size, closedConnections: closed.length };
  }

  /** Closes (1008) every connection whose token is gone or has other scopes now; their names. */
  private closeRevoked(): string[] {
    const closed: string[] = [];
    for (const [grant, socket] of this.open) {
      const principal = grant.principal;
      const now = this.tokens.byTokenDigest(grant.digest);
      if (principal !== null && now !== undefined && sameGrant(now, principal)) continue;
      closed.push(grant.name);
      this.revoke(grant, socket);
    }
    return closed;
  }

  private revoke(grant: Grant, socket: WebSocket): void {
    grant.revoke();
    const reason = this.tokens.byTokenDigest(grant.digest) === undefined ? 'token revoked' : 'token scopes changed';
    const timer = setTimeout(() => socket.terminate(), REVOKE_GRACE_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.close(CLOSE_POLICY_VIOLATION, reason);
  }
}

function closedText(names: string[]): string {
  if (names.length === 0) return '';
  const distinct = [...new Set(names)];
  const shown = distinct
    .slice(0, NAMES_SHOWN_MAX)
    .map((name) => `'${name}'`)
    .join(', ');
  const more = distinct.length > NAMES_SHOWN_MAX ? ` and ${distinct.length - NAMES_SHOWN_MAX} more` : '';
  return (
    `; closed ${names.length} connection${names.length === 1 ? '' : 's'} ` +
    `of revoked or changed tokens: ${shown}${more}`
  );
}
