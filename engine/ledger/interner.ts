/** Not among the interned strings (the interner was full when it came). */
export const NOT_INTERNED = -1;

/**
 * One shared copy of each of a bounded number of distinct strings (channel names): every hold
 * then points at the same string instead of keeping the copy its request was decoded into.
 * Each interned string also has a small number (its order of arrival), for compact records.
 */
export class Interner {
  private readonly seen = new Map<string, number>();
  private readonly values: string[] = [];

  constructor(private readonly capacity: number) {}

  intern(value: string): string {
    const known = this.idOf(value);
    return known === NOT_INTERNED ? value : this.values[known]!;
  }

  /** The number of `value` (interning it if there is room), or NOT_INTERNED. */
  idOf(value: string): number {
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (this.values.length >= this.capacity) return NOT_INTERNED;
    const id = this.values.length;
    this.seen.set(value, id);
    this.values.push(value);
    return id;
  }

  /** The string an idOf() number stands for. */
  valueAt(id: number): string {
    const value = this.values[id];
    if (value === undefined) throw new RangeError(`no interned string ${id}`);
    return value;
  }
}
