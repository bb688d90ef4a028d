/**
 * Token checks of the many-calls, for a channel-bound `reserve` token: reserveMany may reserve
 * only for the token's channels (any other refuses the whole call, naming the entry); commitMany,
 * releaseMany and fulfilMany act only on holds of its channels, read first as the single calls do.
 * An id whose hold cannot be read (unknown, malformed, a shard that cannot answer) is answered
 * with that read's refusal and never reaches the engine, exactly as the single call would be.
 */
import { invariant } from '../../shared/invariant.js';
import type { Engine } from '../api/engine.js';
import type { Refusal } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import type { ReservationResult } from '../api/types.js';
import type { Params } from './methods.js';
import { MANY_BY_HOLD_ID, type Principal } from './scopes.js';
import type { ChannelVerdict, NotOurs, Verdict } from './verdict.js';

type ManyById = 'commitMany' | 'releaseMany' | 'fulfilMany';

export function authorizeReserveMany(principal: Principal, params: Params, channelVerdict: ChannelVerdict): Verdict {
  const { requests, columns } = params as { requests?: unknown; columns?: unknown };
  if (columns !== undefined) {
    const channel = typeof columns === 'object' && columns !== null ? (columns as { channel?: unknown }).channel : null;
    const channels = Array.isArray(channel) ? channel : [channel];
    for (const [index, one] of channels.entries()) {
      const verdict = channelVerdict(principal, `columns.channel[${index}] (reserveMany)`, one);
      if (verdict !== null) return verdict;
    }
    return null;
  }
  // Not a list: the engine refuses the call whole, and nothing runs.
  if (!Array.isArray(requests)) return null;
  for (const [index, request] of requests.entries()) {
    const channel = typeof request === 'object' && request !== null ? (request as { channel?: unknown }).channel : null;
    const verdict = channelVerdict(principal, `requests[${index}] (reserveMany)`, channel);
    if (verdict !== null) return verdict;
  }
  return null;
}

export async function authorizeManyById(
  principal: Principal,
  method: string,
  ids: unknown,
  engine: Engine,
  notOurs: NotOurs,
): Promise<Verdict> {
  // Not a list, or too long: the engine refuses the call whole, and nothing runs.
  if (!Array.isArray(ids) || ids.length > LIMITS.manyOpsMax) return null;
  const found: ReservationResult[] = await Promise.all(ids.map((id) => engine.getReservation(id as string)));
  for (const [index, result] of found.entries()) {
    if (result.ok && !principal.channels?.has(result.reservation.channel))
      return notOurs(principal, `ids[${index}] (${method})`, ids[index] as string);
  }
  if (found.every((result) => result.ok)) return null;
  return { answer: await runReadable(method as ManyById, ids as string[], found, engine) };
}

/** Runs the call on the ids whose holds were read; the others keep the read's refusal. */
async function runReadable(
  method: ManyById,
  ids: string[],
  found: ReservationResult[],
  engine: Engine,
): Promise<ReservationResult[] | Refusal> {
  const readable = ids.filter((_, index) => found[index]!.ok);
  invariant(MANY_BY_HOLD_ID[method] !== undefined, `${method} is a many-call by hold id`);
  const ran = readable.length === 0 ? [] : await engine[method](readable);
  if (!Array.isArray(ran)) return ran;
  let next = 0;
  return found.map((result) => (result.ok ? ran[next++]! : result));
}
