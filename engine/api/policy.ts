import { refuse, type Refusal } from './errors.js';
import { LIMITS } from './limits.js';
import type { Policy, SetPolicyRequest } from './types.js';
import { checkCount, checkShape, checkSku, checkText, typeName } from './validate.js';

const POLICY_FIELDS = ['sku', 'safetyStock', 'fences', 'caps', 'backorderLimit'];

/** The key channel availability uses for "any other channel", and names no object key may take. */
const RESERVED_CHANNELS = new Set(['*', '__proto__', 'constructor', 'prototype']);

/** setPolicy's request: the SKU, the two counts, and the fences and caps (channel → units). */
export function checkSetPolicy(request: unknown): Refusal | null {
  const record = request as Record<string, unknown>;
  return (
    checkShape(request, 'request', POLICY_FIELDS) ??
    checkSku(record.sku) ??
    optionalCount(record.safetyStock, 'safetyStock') ??
    optionalCount(record.backorderLimit, 'backorderLimit') ??
    checkChannelUnits(record.fences, 'fences') ??
    checkChannelUnits(record.caps, 'caps') ??
    checkChannelCount(record.fences, record.caps)
  );
}

/** The policy a checked request sets: omitted fields are zero or empty. */
export function policyOf(request: SetPolicyRequest): Policy {
  return {
    safetyStock: request.safetyStock ?? 0,
    fences: { ...(request.fences ?? {}) },
    caps: { ...(request.caps ?? {}) },
    backorderLimit: request.backorderLimit ?? 0,
  };
}

function optionalCount(value: unknown, field: string): Refusal | null {
  return value === undefined ? null : checkCount(value, field, LIMITS.quantityMax);
}

function checkChannelUnits(value: unknown, field: string): Refusal | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse.invalidArgument(field, `must be an object of channel → units, got ${typeName(value)}`);
  }
  for (const [channel, units] of Object.entries(value)) {
    const problem =
      checkText(channel, `${field} key`, LIMITS.channelLengthMax) ??
      (RESERVED_CHANNELS.has(channel)
        ? refuse.invalidArgument(`${field}.${channel}`, "is a reserved name ('*' stands for any other channel)")
        : null) ??
      checkCount(units, `${field}.${channel}`, LIMITS.quantityMax);
    if (problem !== null) return problem;
  }
  return null;
}

function checkChannelCount(fences: unknown, caps: unknown): Refusal | null {
  const named = new Set([...Object.keys(fences ?? {}), ...Object.keys(caps ?? {})]);
  if (named.size <= LIMITS.policyChannelsMax) return null;
  return refuse.invalidArgument(
    'fences',
    `fences and caps may name at most ${LIMITS.policyChannelsMax} channels, got ${named.size}`,
  );
}
