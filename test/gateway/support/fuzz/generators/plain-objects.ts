/** Small object tools the generators share: nesting, own keys (also `__proto__`), plain-object tests. */

export function nest(depth: number, leaf: unknown, objects: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = objects && i % 2 === 0 ? { a: value } : [value];
  return value;
}

/** Puts `key: value` as an own property (also for '__proto__', which a literal would turn into a prototype). */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain object (not an array, a Date, a Buffer, …). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
