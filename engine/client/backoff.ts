/**
 * Delay before reconnect attempt `attempt` (0 for the first): capped exponential backoff with
 * full jitter above the floor, uniform in [minMs, min(maxMs, minMs · 2^(attempt+1))]. The
 * jitter spreads the clients a restarted gateway dropped all at once.
 */
export function backoffDelayMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.max(minMs, 1);
  const ceiling = Math.min(maxMs, base * 2 ** Math.min(attempt + 1, 31));
  return Math.round(minMs + random() * Math.max(0, ceiling - minMs));
}
