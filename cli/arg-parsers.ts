import { InvalidArgumentError } from 'commander';

/** A flag's value as a whole number in [min, max]; commander reports the error with the flag's name. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

/** A flag's value as a finite number above 0 and at most `max`. */
export function positiveNumber(max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0 || parsed > max)
      throw new InvalidArgumentError(`must be a number above 0 and at most ${max}`);
    return parsed;
  };
}

/** A flag's value as a finite number from 0 to `max`. */
export function nonNegativeNumber(max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > max)
      throw new InvalidArgumentError(`must be a number from 0 to ${max}`);
    return parsed;
  };
}

export function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A comma-separated list of numbers, each checked by `parse`. */
export function numberList(parse: (value: string) => number): (value: string) => number[] {
  return (value) => {
    const items = list(value).map(parse);
    if (items.length === 0) throw new InvalidArgumentError('needs at least one value');
    return items;
  };
}
