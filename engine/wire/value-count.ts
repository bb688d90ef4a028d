/**
 * Counts the values of decoded data: every array, map (plain object), map key and scalar at any
 * depth, as msgpack counts its encoded items. It walks with a stack of its own (a frame may nest
 * 500,000 deep) and returns `budget + 1` as soon as the count must pass `budget`, so it takes at
 * most about `budget` steps whatever it is handed. The wire decoders make trees (no references),
 * so the count is the decoded size.
 */
export function countValues(value: unknown, budget: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  // Invariant: count + stack.length is a lower bound of the total (each stacked value counts at least one).
  while (stack.length > 0) {
    const next = stack.pop();
    count++;
    if (typeof next !== 'object' || next === null || ArrayBuffer.isView(next)) continue;
    if (Array.isArray(next)) {
      if (count + stack.length + next.length > budget) return budget + 1;
      for (let index = 0; index < next.length; index++) stack.push(next[index]);
      continue;
    }
    for (const key in next) {
      count++;
      stack.push((next as Record<string, unknown>)[key]);
      if (count + stack.length > budget) return budget + 1;
    }
  }
  return count;
}
