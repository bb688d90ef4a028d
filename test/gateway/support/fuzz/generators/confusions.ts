/** Type confusion: fields of a request replaced, deleted or added (also inside its lines), before any poison. */
import fc from 'fast-check';
import { defineOwn, isPlainObject } from './plain-objects.js';
import { confusingValue, unknownKey } from './values.js';

export interface Confusion {
  action: 'replace' | 'delete' | 'add' | 'nestLine';
  pick: number;
  key: string;
  value: unknown;
}

const confusionArb: fc.Arbitrary<Confusion> = fc.record({
  action: fc.constantFrom<Confusion['action']>('replace', 'replace', 'replace', 'delete', 'add', 'nestLine'),
  pick: fc.nat(),
  key: unknownKey,
  value: confusingValue,
});

/** Type confusion: replaces, deletes or adds fields (also inside a request's lines). */
export function confuse(params: Record<string, unknown>, confusions: readonly Confusion[]): Record<string, unknown> {
  for (const c of confusions) {
    const keys = Object.keys(params);
    switch (c.action) {
      case 'replace':
        if (keys.length > 0) params[keys[c.pick % keys.length]] = c.value;
        break;
      case 'delete':
        if (keys.length > 0) delete params[keys[c.pick % keys.length]];
        break;
      case 'add':
        defineOwn(params, c.key, c.value);
        break;
      case 'nestLine': {
        const lines = params.lines;
        if (!Array.isArray(lines) || lines.length === 0) break;
        const at = c.pick % lines.length;
        if (!isPlainObject(lines[at])) break;
        const line = { ...(lines[at] as Record<string, unknown>) };
        const lineKeys = Object.keys(line);
        if (lineKeys.length > 0) line[lineKeys[c.pick % lineKeys.length]] = c.value;
        params.lines = lines.map((each, index) => (index === at ? line : each));
        break;
      }
    }
  }
  return params;
}

/** How many confusions a request gets (mostly a few, sometimes none). */
export const confusionsArb = fc.array(confusionArb, { maxLength: 4 });
