/**
 * Write requests the engine must refuse: a template, confused, then poisoned last; and batch /
 * syncMany requests whose every entry is refused on its own (or whose list itself is).
 */
import fc from 'fast-check';
import { WRITE_METHODS, type Encoding, type WriteMethod } from '../vocabulary.js';
import { confuse, confusionsArb, type Confusion } from './confusions.js';
import { envelope, type RequestSpec } from './envelope.js';
import { spoil, spoilArb, type Poison, type Spoil } from './poisons.js';
import { template } from './templates.js';
import { idArb } from './values.js';

const SIMPLE_WRITES = WRITE_METHODS.filter((m) => m !== 'batch' && m !== 'syncMany');
/** Writes that may sit inside a batch (the entry's op). */
const ENTRY_WRITES = SIMPLE_WRITES.filter((m) => m !== 'expireDue');

const simpleWrite = fc.oneof(
  ...SIMPLE_WRITES.map((method) => fc.tuple(fc.constant<WriteMethod>(method), template(method))),
);

type InnerEntry = [WriteMethod, Record<string, unknown>, Confusion[], Spoil];
const innerEntry: fc.Arbitrary<InnerEntry> = fc.oneof(
  ...ENTRY_WRITES.map((method) =>
    fc.tuple(fc.constant<WriteMethod>(method), template(method), confusionsArb, spoilArb),
  ),
);
const syncEntry: fc.Arbitrary<InnerEntry> = fc.tuple(
  fc.constant<WriteMethod>('sync'),
  template('sync'),
  confusionsArb,
  spoilArb,
);

/** A write request the engine must refuse (see spoil), with type confusion on top. */
export function poisonedWrite(encoding: Encoding, notification: boolean): fc.Arbitrary<RequestSpec> {
  const simple = fc
    .record({ write: simpleWrite, id: idArb, confusions: confusionsArb, spoil: spoilArb })
    .map(({ write: [method, params], id, confusions, spoil: s }) => ({
      poisoned: true,
      value: envelope(
        notification ? undefined : id,
        method,
        spoil(method, confuse(params, confusions), s, encoding),
        true,
      ),
    }));
  const compositeWrite = fc
    .record({
      method: fc.constantFrom<'batch' | 'syncMany'>('batch', 'batch', 'syncMany'),
      id: idArb,
      spoil: spoilArb,
      inner: fc.array(innerEntry, { maxLength: 6 }),
      syncs: fc.array(syncEntry, { maxLength: 4 }),
    })
    .map(({ method, id, spoil: s, inner, syncs }) => ({
      poisoned: true,
      value: envelope(
        notification ? undefined : id,
        method,
        compositeSpoil(method, composite(method, method === 'batch' ? inner : syncs, encoding), s, encoding),
        true,
      ),
    }));
  return fc.oneof({ weight: 7, arbitrary: simple }, { weight: 1, arbitrary: compositeWrite });
}

/** batch / syncMany params whose every entry is refused on its own (or the list itself is). */
export function composite(
  method: 'batch' | 'syncMany',
  inner: InnerEntry[],
  encoding: Encoding,
): Record<string, unknown> {
  if (method === 'syncMany') {
    return {
      requests: inner.map(([, params, confusions, s]) => spoilEngineLevel('sync', params, confusions, s, encoding)),
    };
  }
  const ops = inner.map(([op, params, confusions, s], index) => {
    switch ((s.pick2 + index) % 10) {
      case 0:
        return { op: 'nope', args: [] };
      case 1:
        return { op };
      case 2:
        return { op, args: 'x' };
      case 3:
        return { op, args: [1, 2, 3] };
      case 4:
        return { op, args: [], extra: 1 };
      case 5:
        return s.value;
      case 6:
        return { op: s.value, args: [spoilEngineLevel(op, params, confusions, s, encoding)] };
      default:
        return { op, args: positionalArgs(op, spoilEngineLevel(op, params, confusions, s, encoding)) };
    }
  });
  return { ops };
}

/** A spoiled request for use inside batch / syncMany: an engine-level poison (the entry alone is refused). */
function spoilEngineLevel(
  method: WriteMethod,
  params: Record<string, unknown>,
  confusions: Confusion[],
  s: Spoil,
  encoding: Encoding,
): unknown {
  // commit, release, fulfil and unfreeze take positional arguments in a batch: only a bad or
  // missing id / sku survives the conversion (an unknown field would be dropped).
  const positional = method === 'commit' || method === 'release' || method === 'fulfil' || method === 'unfreeze';
  const engineLevel: Poison[] = positional
    ? ['badText', 'missingField']
    : ['badNumber', 'badText', 'unknownField', 'missingField'];
  return spoil(
    method,
    confuse(params, confusions),
    { ...s, poison: engineLevel[s.pick2 % engineLevel.length] },
    encoding,
  );
}

function compositeSpoil(
  method: 'batch' | 'syncMany',
  params: Record<string, unknown>,
  s: Spoil,
  encoding: Encoding,
): unknown {
  const field = method === 'batch' ? 'ops' : 'requests';
  switch (s.pick % 6) {
    case 0:
      return { [field]: s.value === undefined ? 'all' : s.value, ...(Array.isArray(s.value) ? { extra: 1 } : {}) };
    case 1:
      return {};
    case 2:
      return spoil(method, params, { ...s, poison: 'forbiddenKey' }, encoding);
    case 3:
      return spoil(method, params, { ...s, poison: 'paramsNotObject' }, encoding);
    default:
      return params; // every entry refused on its own
  }
}

/** The embedded call's positional arguments for a batch entry (docs/api.md: `args`). */
function positionalArgs(op: WriteMethod, request: unknown): unknown[] {
  const r = (typeof request === 'object' && request !== null && !Array.isArray(request) ? request : {}) as Record<
    string,
    unknown
  >;
  switch (op) {
    case 'commit':
    case 'release':
      return [r.id];
    case 'fulfil':
      return r.lines === undefined ? [r.id] : [r.id, r.lines];
    case 'unfreeze':
      return [r.sku];
    default:
      return [request];
  }
}
