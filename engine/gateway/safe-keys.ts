import { LIMITS } from '../api/limits.js';

/**
 * Keys that reach an object's prototype machinery. (A binary frame cannot carry `__proto__`: the msgpack decoder
 * refuses it.)
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting beyond this is refused outright (a request is never that deep). */
const DEPTH_MAX = 32;

/**
 * The first forbidden key anywhere in `value` (or a foreign prototype, too deep a nesting, or
 * more than `valuesMax` values), else null. Each value is visited once and the walk stops after
 * `valuesMax` of them: the wire decoders make trees, never shared graphs, so that is linear in
 * the decoded size and bounded whatever it is handed.
 */
export function forbiddenKeyIn(value: unknown, valuesMax: number = LIMITS.valuesPerRequestMax): string | null {
  const walk = { visited: 0, valuesMax };
  return forbiddenIn(value, 0, walk);
}

function forbiddenIn(value: unknown, depth: number, walk: { visited: number; valuesMax: number }): string | null {
  if (++walk.visited > walk.valuesMax) return `more than ${walk.valuesMax} values`;
  if (typeof value !== 'object' || value === null) return null;
  if (depth > DEPTH_MAX) return `nesting deeper than ${DEPTH_MAX}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = forbiddenIn(item, depth + 1, walk);
      if (found !== null) return found;
    }
    return null;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return 'an object with a foreign prototype';
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = forbiddenIn((value as Record<string, unknown>)[key], depth + 1, walk);
    if (found !== null) return found;
  }
  return null;
}
