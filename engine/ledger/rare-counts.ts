/**
 * The unit counts most positions and SKUs never use: in transit, in quarantine, backordered. Kept
 * in a side object made on the first write that is not a default, so a record that uses none of
 * them (most of a million) pays one null field.
 */
export class RareCounts {
  inbound = 0;
  quarantined = 0;
  backordered = 0;
}

/** A record (a position, a SKU) whose rare fields live apart, in `R`. */
export abstract class WithRareCounts<R extends RareCounts> {
  /** Made by the first write of a rare field that is not its default. */
  protected rare: R | null = null;

  protected abstract newRare(): R;

  /** Units on their way by an in-transit transfer: neither on hand nor available yet. */
  get inbound(): number {
    return this.rare === null ? 0 : this.rare.inbound;
  }

  set inbound(units: number) {
    if (units !== 0 || this.rare !== null) this.rareFields().inbound = units;
  }

  /** Returned units in quarantine (damaged): counted, never available. */
  get quarantined(): number {
    return this.rare === null ? 0 : this.rare.quarantined;
  }

  set quarantined(units: number) {
    if (units !== 0 || this.rare !== null) this.rareFields().quarantined = units;
  }

  /** Units backordered: held beyond stock, waiting (not in reserved or committed). */
  get backordered(): number {
    return this.rare === null ? 0 : this.rare.backordered;
  }

  set backordered(units: number) {
    if (units !== 0 || this.rare !== null) this.rareFields().backordered = units;
  }

  protected rareFields(): R {
    return (this.rare ??= this.newRare());
  }
}
