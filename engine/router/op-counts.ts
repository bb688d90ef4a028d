/** Operation counts by name, as stats() reports them. */
export class OpCounts {
  private readonly counts: Record<string, number> = {};

  add(op: string, count = 1): void {
    this.counts[op] = (this.counts[op] ?? 0) + count;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }
}
