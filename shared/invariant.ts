/** An invariant violation is a bug in holdfast, never a business outcome: fail loudly. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
