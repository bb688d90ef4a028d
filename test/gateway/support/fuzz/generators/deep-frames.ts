/** Deeply nested frames: as values (depth 100 to 400, anywhere in a request) and as raw bytes (to 400,000). */
import fc from 'fast-check';
import { READ_METHODS, WRITE_METHODS, type Encoding } from '../vocabulary.js';
import { envelope } from './envelope.js';
import { nest } from './plain-objects.js';

export function deepFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
  return fc
    .record({
      depth: fc.integer({ min: 100, max: 400 }),
      objects: fc.boolean(),
      where: fc.constantFrom(
        'params',
        'params.sku',
        'params.lines',
        'id',
        'method',
        'frame',
        'batch-element',
        'unknown-method',
      ),
      method: fc.constantFrom(...READ_METHODS, ...WRITE_METHODS),
      leaf: fc.constantFrom<unknown>('FZ-0', 1, null, { sku: 'FZ-0' }, JSON.parse('{"__proto__":1}')),
    })
    .map(({ depth, objects, where, method, leaf }) => {
      const deep = nest(depth, leaf, objects);
      let value: unknown;
      switch (where) {
        case 'params':
          value = envelope(1, method, nest(depth, { sku: 'FZ-0' }, true), true);
          break;
        case 'params.sku':
          value = envelope(2, method, { sku: deep }, true);
          break;
        case 'params.lines':
          value = envelope(3, method, { id: 'fz-deep', channel: 'web', ttlMs: 60_000, lines: [deep] }, true);
          break;
        case 'id':
          value = { jsonrpc: '2.0', id: deep, method, params: {} };
          break;
        case 'method':
          value = { jsonrpc: '2.0', id: 4, method: deep };
          break;
        case 'frame':
          value = deep;
          break;
        case 'batch-element':
          value = [envelope(5, 'get', { sku: 'FZ-0' }, true), deep];
          break;
        default:
          value = envelope(6, 'no-such-method', deep, true);
      }
      void encoding;
      return { kind: `deep-${where}`, value };
    });
}

/** Raw bytes so deep that a recursive decoder runs out of stack (msgpack) or that JSON.parse still reads. */
export function rawDeepFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  // JSON.parse is iterative (any depth parses, slowly: ~1 ms per 1,000 levels); msgpackr recurses and runs out of
  // stack.
  const depths =
    encoding === 'json' ? fc.integer({ min: 10_000, max: 50_000 }) : fc.integer({ min: 200_000, max: 400_000 });
  return fc.record({ depth: depths, closed: fc.boolean(), objects: fc.boolean() }).map(({ depth, closed, objects }) => {
    if (encoding === 'msgpack') {
      // fixarray of one (0x91), or fixmap of one with key "a" (0x81 0xa1 0x61), `depth` times, then nil.
      const level = objects ? Buffer.from([0x81, 0xa1, 0x61]) : Buffer.from([0x91]);
      const n = Math.floor(depth / level.length);
      return {
        kind: 'raw-deep',
        bytes: Buffer.concat([Buffer.alloc(n * level.length, level), Buffer.from(closed ? [0xc0] : [])]),
      };
    }
    const open = objects ? '{"a":' : '[';
    const close = objects ? '}' : ']';
    const n = Math.floor(depth / open.length);
    return {
      kind: 'raw-deep',
      bytes: Buffer.from(open.repeat(n) + (objects ? '1' : '') + (closed ? close.repeat(n) : ''), 'utf8'),
    };
  });
}
