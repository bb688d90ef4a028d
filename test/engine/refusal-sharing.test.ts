/**
 * Identical refusals, on shards 0 and 2: of 100 concurrent one-unit reserves of a
 * SKU with one unit, exactly one holds; the 99 refusals are equal and frozen (writing to one
 * throws); a refused id retried gets its own refusal back; and only one unit is reserved.
 */
import { describe, expect, it } from 'vitest';
import { engineFactory, expectOk } from './support/helpers.js';

describe.each([0, 2])('identical refusals (shards %i)', (shards) => {
  const make = engineFactory();

  it(
    'a sold-out SKU refuses alike, with frozen refusals, ' + 'and a retried refused id gets its own refusal back',
    async () => {
      const engine = await make({ shards });
      expectOk(await engine.receive({ sku: 'HOT', location: 'WH', qty: 1 }));
      const attempts = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          engine.reserve({ id: `attempt-${i}`, channel: 'web', ttlMs: 60_000, lines: [{ sku: 'HOT', qty: 1 }] }),
        ),
      );
      const refused = attempts.filter((attempt) => !attempt.ok);
      expect(attempts.length - refused.length).toBe(1);
      expect(refused).toHaveLength(99);
      for (const refusal of refused) {
        expect(refusal).toEqual(refused[0]);
        expect(Object.isFrozen(refusal)).toBe(true);
        expect(() => {
          (refusal as { ok: boolean }).ok = true;
        }).toThrow(TypeError);
      }
      const index = attempts.findIndex((attempt) => !attempt.ok);
      const retried = await engine.reserve({
        id: `attempt-${index}`,
        channel: 'web',
        ttlMs: 60_000,
        lines: [{ sku: 'HOT', qty: 1 }],
      });
      expect(retried).toEqual(attempts[index]);
      expect(expectOk(await engine.get('HOT')).reserved).toBe(1);
    },
  );
});
