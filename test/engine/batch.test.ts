/**
 * engine.batch(ops), on shards 0 and 2: operations of any kind run in one call with one result
 * per operation, in order per SKU and hold; a malformed entry gets its own INVALID_ARGUMENT naming
 * its index and field while the others still run; a batch over LIMITS.batchOpsMax operations, or
 * one that is not a list, is refused whole and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/engine/index.js';
import { engineFactory, expectOk, expectRefused } from './support/helpers.js';

describe.each([0, 2])('batch (shards %i)', (shards) => {
  const make = engineFactory();

  it('runs operations of any kind, one result per operation, in order per SKU and hold', async () => {
    const engine = await make({ shards });
    const outcome = expectOk(
      await engine.batch([
        { op: 'receive', args: [{ sku: 'A', location: 'WH', qty: 5 }] },
        { op: 'receive', args: [{ sku: 'B', location: 'WH', qty: 1 }] },
        { op: 'reserve', args: [{ id: 'r1', channel: 'erp', ttlMs: 60_000, lines: [{ sku: 'A', qty: 2 }] }] },
        { op: 'commit', args: ['r1'] },
        { op: 'reserve', args: [{ id: 'r2', channel: 'erp', ttlMs: 60_000, lines: [{ sku: 'B', qty: 2 }] }] },
        { op: 'fulfil', args: ['r1', [{ sku: 'A', location: 'WH', qty: 1 }]] },
        { op: 'get', args: ['A'] },
      ]),
    );
    expect(outcome.results).toHaveLength(7);
    expect(outcome.results.map((result) => result.ok)).toEqual([true, true, true, true, false, true, true]);
    expect((outcome.results[3] as { reservation: { status: string } }).reservation.status).toBe('committed');
    expect((outcome.results[4] as { error: { code: string } }).error.code).toBe('INSUFFICIENT_STOCK');
    expect(outcome.results[6]).toMatchObject({ sku: 'A', onHand: 4, committed: 1, available: 3 });
  });

  it('a malformed entry gets its own INVALID_ARGUMENT naming it, and the others go on', async () => {
    const engine = await make({ shards });
    const outcome = expectOk(
      await engine.batch([
        { op: 'receive', args: [{ sku: 'A', location: 'WH', qty: 5 }] },
        { op: 'explode', args: [] },
        { op: 'receive', args: [{ sku: 'A', location: 'WH', qty: -1 }] },
        { op: 'get', args: 'A' },
        { op: 'get', args: ['A'], extra: true },
        null,
      ] as never),
    );
    expect(outcome.results[0].ok).toBe(true);
    expect(expectRefused(outcome.results[1], 'INVALID_ARGUMENT').message).toMatch(/^ops\[1\]\.op:/);
    expect(expectRefused(outcome.results[2], 'INVALID_ARGUMENT').message).toMatch(/^qty:/);
    expect(expectRefused(outcome.results[3], 'INVALID_ARGUMENT').message).toMatch(/^ops\[3\]\.args:/);
    expect(expectRefused(outcome.results[4], 'INVALID_ARGUMENT').message).toMatch(/^ops\[4\]\.extra:/);
    expect(expectRefused(outcome.results[5], 'INVALID_ARGUMENT').message).toMatch(/^ops\[5\]:/);
    expect(expectOk(await engine.get('A')).onHand).toBe(5);
  });

  it(`refuses a batch over ${LIMITS.batchOpsMax} operations whole, changing nothing`, async () => {
    const engine = await make({ shards });
    const entries = Array.from({ length: LIMITS.batchOpsMax + 1 }, () => ({
      op: 'receive' as const,
      args: [{ sku: 'A', location: 'WH', qty: 1 }],
    }));
    expect(expectRefused(await engine.batch(entries), 'INVALID_ARGUMENT').message).toMatch(/^ops:/);
    expectRefused(await engine.get('A'), 'NOT_FOUND');
    expect(expectRefused(await engine.batch('nope' as never), 'INVALID_ARGUMENT').message).toMatch(/^ops:/);
    const full = expectOk(await engine.batch(entries.slice(1)));
    expect(full.results.every((result) => result.ok)).toBe(true);
    expect(expectOk(await engine.get('A')).onHand).toBe(LIMITS.batchOpsMax);
  });
});
