/** The location strategies, in one list: types, validation and options all read it. */
export const STRATEGIES = ['priority', 'closest', 'most-available', 'fewest-splits'] as const;

export type StrategyName = (typeof STRATEGIES)[number];

export function isStrategy(value: unknown): value is StrategyName {
  return (STRATEGIES as readonly unknown[]).includes(value);
}
