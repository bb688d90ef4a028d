import type { Engine } from '../api/engine.js';
import type { DispatchContext } from './dispatch.js';
import type { Params } from './methods.js';
import type { GatewayMetrics } from './metrics.js';
import type { Principal } from './scopes.js';
import { authorize, type Verdict } from './token-authorize.js';
import type { ThrottledLog } from './token-log.js';

export interface GrantDeps {
  metrics: GatewayMetrics;
  /** Forbidden calls, one line per token per interval. */
  forbiddenLog: ThrottledLog;
}

/**
 * What one connection's token allows, for the life of the connection: every call is checked
 * against it before the engine sees it, and counted under the token's name. A reload that
 * revokes or re-scopes the token revokes the grant (its later calls are forbidden) and the
 * gateway closes the connection.
 */
export class Grant {
  readonly name: string;
  readonly digest: string;
  private current: Principal | null;

  constructor(
    principal: Principal,
    private readonly deps: GrantDeps,
  ) {
    this.name = principal.name;
    this.digest = principal.digest;
    this.current = principal;
  }

  get principal(): Principal | null {
    return this.current;
  }

  revoke(): void {
    this.current = null;
  }

  /** The connection's dispatch context with this grant's check and per-token counting added. */
  guard(context: DispatchContext): DispatchContext {
    const { metrics } = this.deps;
    return {
      ...context,
      authorize: (method, params) => this.authorize(method, params, context.engine),
      count: (method, outcome) => {
        context.count(method, outcome);
        metrics.countPrincipal(this.name, outcome);
      },
    };
  }

  private authorize(method: string, params: Params, engine: Engine): Verdict | Promise<Verdict> {
    if (this.current === null) return this.logged({ forbidden: `token '${this.name}' was revoked` });
    const verdict = authorize(this.current, method, params, engine);
    return verdict instanceof Promise ? verdict.then((settled) => this.logged(settled)) : this.logged(verdict);
  }

  private logged(verdict: Verdict): Verdict {
    if (verdict !== null && 'forbidden' in verdict) {
      this.deps.forbiddenLog.line(this.name, `holdfast gateway: FORBIDDEN: ${verdict.forbidden}`);
    }
    return verdict;
  }
}
