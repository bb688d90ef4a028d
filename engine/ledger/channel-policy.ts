import type { ChannelAvailability, Policy } from '../api/types.js';
import { COMMITTED, HELD } from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import type { Hold } from './hold.js';

/** What one channel the policy names holds of the SKU now. */
export interface ChannelUse {
  /** Units taken from stock (held or committed, not shipped). */
  allocated: number;
  /** Units held beyond stock, waiting. */
  backordered: number;
}

/** The wildcard key of ChannelAvailability: any channel the policy does not name. */
export const ANY_CHANNEL = '*';

/**
 * A SKU's policy and, for each channel it names, what that channel holds. Fences are consumed
 * by their own channel first; safety stock is never promised; caps bound held + backordered.
 */
export class ChannelPolicy {
  /** Channels named by fences or caps, each once. */
  readonly named: readonly string[];
  private readonly use = new Map<string, ChannelUse>();
  /** Maps, not the policy's objects: a channel named like an Object.prototype member must find nothing. */
  private readonly fences: ReadonlyMap<string, number>;
  private readonly caps: ReadonlyMap<string, number>;

  constructor(readonly policy: Policy) {
    this.fences = new Map(Object.entries(policy.fences));
    this.caps = new Map(Object.entries(policy.caps));
    this.named = [...new Set([...this.fences.keys(), ...this.caps.keys()])];
    for (const channel of this.named) this.use.set(channel, { allocated: 0, backordered: 0 });
  }

  /** Records what a channel takes or gives back; channels the policy does not name are not tracked. */
  track(channel: string, allocatedDelta: number, backorderedDelta: number): void {
    const use = this.use.get(channel);
    if (use === undefined) return;
    use.allocated += allocatedDelta;
    use.backordered += backorderedDelta;
    invariant(use.allocated >= 0 && use.backordered >= 0, `channel ${channel} use went negative`);
  }

  /** Units fenced for `channel` that it has not taken yet. */
  remainingFence(channel: string): number {
    const fence = this.fences.get(channel);
    if (fence === undefined) return 0;
    const left = fence - (this.use.get(channel) as ChannelUse).allocated;
    return left > 0 ? left : 0;
  }

  /** Units `channel` may take from stock: available less safety stock and the others' fences. */
  stockHeadroom(available: number, channel: string): number {
    let blocked = this.policy.safetyStock;
    for (const fenced of this.fences.keys()) if (fenced !== channel) blocked += this.remainingFence(fenced);
    const headroom = available - blocked;
    return headroom > 0 ? headroom : 0;
  }

  /** Units `channel` may still hold under its cap (held + committed + backordered). */
  capHeadroom(channel: string): number {
    const cap = this.caps.get(channel);
    if (cap === undefined) return Number.POSITIVE_INFINITY;
    const use = this.use.get(channel) as ChannelUse;
    return cap - use.allocated - use.backordered;
  }

  /** What each named channel, and any other ('*'), may take now. */
  availability(available: number): ChannelAvailability {
    const channels: ChannelAvailability = {};
    for (const channel of this.named) {
      const units = Math.min(this.stockHeadroom(available, channel), this.capHeadroom(channel));
      channels[channel] = units > 0 ? units : 0;
    }
    channels[ANY_CHANNEL] = this.stockHeadroom(available, ANY_CHANNEL);
    return channels;
  }
}

/** A policy that changes nothing is no policy. */
export function isEmptyPolicy(policy: Policy): boolean {
  return (
    policy.safetyStock === 0 &&
    policy.backorderLimit === 0 &&
    Object.keys(policy.fences).length === 0 &&
    Object.keys(policy.caps).length === 0
  );
}

/** Channel use is derived: counted from the live holds when a policy starts (or a snapshot loads). */
export function countChannelUse(holds: Iterable<Hold>, sku: string, policy: ChannelPolicy): void {
  for (const hold of holds) {
    if (hold.status !== HELD && hold.status !== COMMITTED) continue;
    for (const line of hold.lines)
      if (line.sku === sku) policy.track(hold.channel, line.allocatedUnshipped, line.backordered);
  }
}
