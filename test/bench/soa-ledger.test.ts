/** The struct-of-arrays reference ledger (ceiling-soa-loop): it must hold, refuse and settle as a ledger does. */
import { describe, expect, it } from 'vitest';
import { SOA_DUPLICATE, SOA_HELD, SOA_SOLD_OUT, SoaLedger } from '../../bench/ceiling/soa-ledger.js';
import { runSoaLoop } from '../../bench/ceiling/soa-loop.js';

describe('bench SoaLedger', () => {
  it('holds while stock lasts, refuses a duplicate id and a reserve beyond stock', () => {
    const ledger = new SoaLedger(['A', 'B'], 2);
    expect(ledger.reserve('h1', 'A', 1, 0)).toBe(SOA_HELD);
    expect(ledger.reserve('h1', 'B', 1, 0)).toBe(SOA_DUPLICATE);
    expect(ledger.reserve('h2', 'A', 2, 0)).toBe(SOA_SOLD_OUT);
    expect(ledger.reserve('h2', 'A', 1, 0)).toBe(SOA_HELD);
    expect([ledger.available[0], ledger.reserved[0], ledger.liveHolds]).toEqual([0, 2, 2]);
  });

  it('commits (units leave) and releases (units return), once each', () => {
    const ledger = new SoaLedger(['A'], 3);
    ledger.reserve('c', 'A', 1, 0);
    ledger.reserve('r', 'A', 2, 0);
    expect(ledger.settle('c', true)).toBe(true);
    expect(ledger.settle('r', false)).toBe(true);
    expect(ledger.settle('r', false)).toBe(false);
    expect([ledger.available[0], ledger.reserved[0], ledger.committed[0], ledger.liveHolds]).toEqual([2, 0, 1, 0]);
  });

  it('reuses freed slots and grows past its first columns without losing a hold', () => {
    const ledger = new SoaLedger(['A'], 100_000);
    for (let index = 0; index < 10_000; index++) expect(ledger.reserve(`h${index}`, 'A', 1, 0)).toBe(SOA_HELD);
    for (let index = 0; index < 10_000; index += 2) expect(ledger.settle(`h${index}`, false)).toBe(true);
    for (let index = 0; index < 5_000; index++) expect(ledger.reserve(`n${index}`, 'A', 1, 0)).toBe(SOA_HELD);
    expect(ledger.liveHolds).toBe(10_000);
    expect(ledger.reserved[0]).toBe(10_000);
    for (let index = 1; index < 10_000; index += 2) expect(ledger.settle(`h${index}`, true)).toBe(true);
    expect([ledger.reserved[0], ledger.committed[0], ledger.available[0]]).toEqual([5_000, 5_000, 90_000]);
  });

  it('runs the uniform mix with every check passing', () => {
    const result = runSoaLoop({
      skus: ['A', 'B', 'C'],
      unitsPerSku: 1_000_000,
      reservesPerWindow: 64,
      warmupMs: 5,
      durationMs: 20,
      latencySampleEvery: 4,
    });
    expect(result.ops).toBeGreaterThan(0);
    expect(result.checks.filter((item) => !item.pass)).toEqual([]);
  });
});
