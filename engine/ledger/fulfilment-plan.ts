import { refuse, type Refusal } from '../api/errors.js';
import type { FulfilLine } from '../api/types.js';
/** A hold as fulfilment sees it: the ledger's Hold, or a merged Reservation on the router. */
export interface Shippable {
  readonly id: string;
  readonly lines: readonly {
    readonly sku: string;
    readonly location: string;
    readonly qty: number;
    readonly fulfilled: number;
    readonly backordered: number;
  }[];
}

/** Units to ship per hold line (by the line's index), and whether that ships the last of them. */
export type Plan = number[] & { completes: boolean };

/**
 * Decides how many units each hold line ships, without changing anything. No lines: ship all
 * that remains in stock for it (backordered units wait). Given lines: each draws from the hold's
 * lines at that (sku, location), in order; asking for more than remains there is refused.
 */
export function planFulfilment(hold: Shippable, lines: readonly FulfilLine[] | null): Plan | Refusal {
  const ship = hold.lines.map((line) => (lines === null ? line.qty - line.fulfilled - line.backordered : 0)) as Plan;
  if (lines !== null) {
    for (let index = 0; index < lines.length; index++) {
      const problem = draw(hold, ship, lines[index]!, index);
      if (problem !== null) return problem;
    }
  }
  ship.completes = hold.lines.every((line, index) => line.fulfilled + ship[index]! === line.qty);
  return ship;
}

function draw(hold: Shippable, ship: number[], wanted: FulfilLine, index: number): Refusal | null {
  let left = wanted.qty;
  hold.lines.forEach((line, lineIndex) => {
    if (left === 0 || line.sku !== wanted.sku || line.location !== wanted.location) return;
    const take = Math.min(left, line.qty - line.fulfilled - line.backordered - ship[lineIndex]!);
    ship[lineIndex]! += take;
    left -= take;
  });
  if (left === 0) return null;
  return refuse.invalidArgument(
    `lines[${index}].qty`,
    `${wanted.qty} exceeds what reservation '${hold.id}' has in ` +
      `stock to ship of '${wanted.sku}' at '${wanted.location}'`,
  );
}
