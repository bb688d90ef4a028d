/**
 * Keys that reach an object's prototype machinery. `__proto_` is how msgpackr renames a
 * `__proto__` map key while decoding, so a binary frame carrying one is caught too.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', '__proto_', 'constructor', 'prototype']);

/** Nesting beyond this is refused outright (a request is never that deep). */
const DEPTH_MAX = 32;

/** The first forbidden key anywhere in `value` (or a foreign prototype, or too deep a nesting), else null. */
export function forbiddenKeyIn(value: unknown, depth = 0): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > DEPTH_MAX) return `nesting deeper than ${DEPTH_MAX}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = forbiddenKeyIn(item, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return 'an object with a foreign prototype';
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = forbiddenKeyIn((value as Record<string, unknown>)[key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}
