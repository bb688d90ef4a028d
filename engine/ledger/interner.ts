/**
 * One shared copy of each of a bounded number of distinct strings (channel names): every hold
 * then points at the same string instead of keeping the copy its request was decoded into.
 */
export class Interner {
  private readonly seen = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  intern(value: string): string {
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (this.seen.size < this.capacity) this.seen.set(value, value);
    return value;
  }
}
