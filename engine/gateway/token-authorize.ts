/**
 * Decides, before the engine is called, whether a principal may make a call. A call outside the
 * token's scopes is forbidden; a channel-bound `reserve` token may reserve only for its channels
 * and commit, release or fulfil only holds of its channels (a hold's channel never changes, so
 * reading it first with getReservation is enough). A batch is checked operation by operation.
 */
import { invariant } from '../../shared/invariant.js';
import type { Engine } from '../api/engine.js';
import type { ReservationResult } from '../api/types.js';
import { BATCH_OPERATIONS } from '../api/batch-entry.js';
import type { Params } from './methods.js';
import { allows, BY_HOLD_ID, MANY_BY_HOLD_ID, METHOD_SCOPE, type Principal } from './scopes.js';
import { authorizeManyById, authorizeReserveMany } from './token-authorize-many.js';
import type { Verdict } from './verdict.js';

export type { Verdict } from './verdict.js';

const BATCH_OPS = new Set<string>(BATCH_OPERATIONS);

export function authorize(
  principal: Principal,
  method: string,
  params: Params,
  engine: Engine,
): Verdict | Promise<Verdict> {
  if (principal.scopes.has('admin')) return null;
  if (method === 'batch') return authorizeBatch(principal, params.ops, engine);
  if (!allows(principal, method)) return { forbidden: lacks(principal, method) };
  if (principal.channels === null || METHOD_SCOPE[method] !== 'reserve') return null;
  if (method === 'reserve') return channelVerdict(principal, method, (params as { channel?: unknown }).channel);
  if (method === 'reserveMany') return authorizeReserveMany(principal, params, channelVerdict);
  if (Object.hasOwn(MANY_BY_HOLD_ID, method)) return authorizeManyById(principal, method, params.ids, engine, notOurs);
  return holdVerdict(principal, method, params.id, engine);
}

function lacks(principal: Principal, method: string): string {
  return `token '${principal.name}' may not call ${method}: it needs the ${METHOD_SCOPE[method] ?? 'admin'} scope`;
}

function channelsText(principal: Principal): string {
  const channels = [...(principal.channels ?? [])];
  return (
    channels
      .slice(0, 5)
      .map((channel) => `'${channel}'`)
      .join(', ') + (channels.length > 5 ? `, … (${channels.length})` : '')
  );
}

function channelVerdict(principal: Principal, what: string, channel: unknown): Verdict {
  if (typeof channel === 'string' && principal.channels?.has(channel)) return null;
  const shown = typeof channel === 'string' ? `'${channel.slice(0, 64)}'` : 'none';
  return {
    forbidden:
      `${what}: token '${principal.name}' may reserve only ` + `for channel ${channelsText(principal)}, got ${shown}`,
  };
}

function notOurs(principal: Principal, what: string, id: string): Verdict {
  return {
    forbidden:
      `${what}: hold '${id.slice(0, 64)}' is not a hold of channel ` +
      `${channelsText(principal)} (token '${principal.name}')`,
  };
}

/** commit / release / fulfil by a channel-bound token: the hold's channel decides. */
async function holdVerdict(principal: Principal, method: string, id: unknown, engine: Engine): Promise<Verdict> {
  const found = await engine.getReservation(id as string);
  // Unknown id, bad id, or a shard that cannot answer: the engine's own answer, nothing applied.
  if (!found.ok) return { answer: found };
  return principal.channels?.has(found.reservation.channel) ? null : notOurs(principal, method, id as string);
}

/**
 * Each operation by its own scope. By-id operations of a channel-bound token must name holds
 * that exist when the batch arrives: one reserved later in the same batch cannot be checked
 * before it runs, so it is forbidden rather than trusted.
 */
async function authorizeBatch(principal: Principal, ops: unknown, engine: Engine): Promise<Verdict> {
  if (!Array.isArray(ops)) return null;
  const byId: Array<{ index: number; op: string; id: string }> = [];
  for (const [index, entry] of ops.entries()) {
    const { op, args } = (typeof entry === 'object' && entry !== null ? entry : {}) as { op?: unknown; args?: unknown };
    // A malformed entry is refused by the engine on its own (INVALID_ARGUMENT) and changes nothing.
    if (typeof op !== 'string' || !BATCH_OPS.has(op) || !Array.isArray(args)) continue;
    if (!allows(principal, op)) return { forbidden: `ops[${index}]: ${lacks(principal, op)}` };
    if (principal.channels === null || METHOD_SCOPE[op] !== 'reserve') continue;
    const first = args[0] as { channel?: unknown } | undefined;
    if (op === 'reserve') {
      const verdict = channelVerdict(
        principal,
        `ops[${index}] (reserve)`,
        typeof first === 'object' && first !== null ? first.channel : undefined,
      );
      if (verdict !== null) return verdict;
    } else if (BY_HOLD_ID.has(op) && typeof first === 'string') {
      byId.push({ index, op, id: first });
    }
  }
  return byId.length === 0 ? null : holdsVerdict(principal, byId, engine);
}

async function holdsVerdict(
  principal: Principal,
  byId: Array<{ index: number; op: string; id: string }>,
  engine: Engine,
): Promise<Verdict> {
  const found: ReservationResult[] = await Promise.all(byId.map(({ id }) => engine.getReservation(id)));
  for (const [at, { index, op, id }] of byId.entries()) {
    const result = found[at];
    invariant(result !== undefined, `no answer for ops[${index}]`);
    if (result.ok) {
      if (!principal.channels?.has(result.reservation.channel)) return notOurs(principal, `ops[${index}] (${op})`, id);
      continue;
    }
    // A malformed id: the engine refuses that operation on its own.
    if (result.error.code === 'INVALID_ARGUMENT') continue;
    if (result.error.code === 'NOT_FOUND') {
      return {
        forbidden:
          `ops[${index}] (${op}): hold '${id.slice(0, 64)}' does not exist yet; a ` +
          `channel-bound token acts in a batch only on holds that exist when it arrives`,
      };
    }
    // OVERLOADED, UNAVAILABLE, CLOSED: answered for the whole batch; nothing ran.
    return { answer: result };
  }
  return null;
}
