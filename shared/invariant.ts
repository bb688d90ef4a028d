/** An invariant violation is a bug in holdfast, never a business outcome: fail loudly. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/** `value`, which must be there (an index or a key that cannot miss): throws with `message` when it is not. */
export function defined<T>(value: T | undefined, message: string): T {
  invariant(value !== undefined, message);
  return value;
}
