/** Readable figures for the report tables: thousands separators, ms to 3 significant digits, money. */

const NOT_A_NUMBER = '—';

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const moneyFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function finiteOr(value: number, format: (finite: number) => string): string {
  return Number.isFinite(value) ? format(value) : NOT_A_NUMBER;
}

/** 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return finiteOr(value, (n) => countFormat.format(n));
}

/** 0.01234 → "0.0123 ms", 12.345 → "12.3 ms", 4321.2 → "4,321 ms". */
export function formatMs(valueMs: number): string {
  return finiteOr(valueMs, (ms) => {
    const digits = Math.abs(ms) >= 1000 ? countFormat.format(ms) : String(Number(ms.toPrecision(3)));
    return `${digits} ms`;
  });
}

/** 123456 (cents) → "1,234.56" in the scenario's currency (scenarios do not name one). */
export function formatCents(valueCents: number): string {
  return finiteOr(valueCents, (cents) => moneyFormat.format(cents / 100));
}

/** A share 0..1 → "12.3 %". */
export function formatShare(share: number): string {
  return finiteOr(share, (s) => `${decimalFormat.format(s * 100)} %`);
}

/** 90000 → "90 s", 1500 → "1.5 s". */
export function formatDurationMs(durationMs: number): string {
  return finiteOr(durationMs, (ms) => `${decimalFormat.format(ms / 1000)} s`);
}

/** A rate per second → "1,234/s". */
export function formatRatePerSecond(ratePerSecond: number): string {
  return finiteOr(ratePerSecond, (rate) => `${decimalFormat.format(rate)}/s`);
}
