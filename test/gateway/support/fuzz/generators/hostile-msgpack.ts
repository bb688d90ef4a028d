/** msgpack frames that are not plain data: the gateway refuses each whole with -32700, and fast. */
import fc from 'fast-check';
import { REFUSED_COUNT, REFUSED_OP } from '../vocabulary.js';
import { bundlePackr, clonePackr, doublingGraph, extensionBytes, recordPackr, withRawValue } from './msgpack-bytes.js';

/**
 * msgpack that is not plain data: structured-clone back-references and cycles (a doubling graph,
 * a cycle, one ops array shared by many batch requests: 2 M operations in a few KB), record
 * definitions, bundled strings and extension types, and every extension type in every header
 * form in place of a value. The gateway refuses each frame whole with -32700, and fast.
 */
export function hostileMsgpackFrame(): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  const where = fc.constantFrom<'sku' | 'params' | 'id' | 'element'>('sku', 'params', 'id', 'element');
  return fc.oneof(
    fc
      .record({ levels: fc.integer({ min: 2, max: 30 }), leaf: fc.constantFrom<unknown>(0, 'FZ-0', { sku: 'FZ-0' }) })
      .map(({ levels, leaf }) => ({
        kind: 'backref-doubling',
        bytes: clonePackr.pack({
          jsonrpc: '2.0',
          id: 1,
          method: 'get',
          params: { sku: 'FZ-0', x: doublingGraph(levels, leaf) },
        }),
      })),
    fc.constantFrom('params', 'line', 'frame').map((at) => {
      const cycle: Record<string, unknown> = { sku: 'FZ-0' };
      cycle.self = cycle;
      const request =
        at === 'params'
          ? { jsonrpc: '2.0', id: 2, method: 'get', params: cycle }
          : {
              jsonrpc: '2.0',
              id: 2,
              method: 'reserve',
              params: { id: 'fz-new', channel: 'web', ttlMs: 60_000, lines: [cycle, cycle] },
            };
      return { kind: 'backref-cycle', bytes: clonePackr.pack(at === 'frame' ? [request, request] : request) };
    }),
    fc
      .record({
        requests: fc.integer({ min: 2, max: 400 }),
        ops: fc.integer({ min: 100, max: 10_000 }),
        sync: fc.boolean(),
      })
      .map(({ requests, ops, sync }) => {
        const list = Array.from({ length: ops }, () => (sync ? REFUSED_COUNT : REFUSED_OP));
        const frame = Array.from({ length: requests }, (_, id) => ({
          jsonrpc: '2.0',
          id,
          method: sync ? 'syncMany' : 'batch',
          params: sync ? { requests: list } : { ops: list },
        }));
        return { kind: 'backref-amplify', bytes: clonePackr.pack(frame) };
      }),
    fc
      .constantFrom<unknown>(
        { jsonrpc: '2.0', id: 3, method: 'get', params: { sku: 'FZ-0' } },
        [
          { jsonrpc: '2.0', id: 3, method: 'get', params: { sku: 'FZ-0' } },
          { jsonrpc: '2.0', id: 4, method: 'get', params: { sku: 'FZ-1' } },
        ],
        { jsonrpc: '2.0', id: 5, method: 'batch', params: { ops: [REFUSED_OP, REFUSED_OP] } },
      )
      .map((request) => ({ kind: 'record-definition', bytes: recordPackr.pack(request) })),
    fc
      .constantFrom<unknown>(
        { jsonrpc: '2.0', id: 6, method: 'get', params: { sku: 'FZ-0', extra: 'a string to bundle' } },
        { jsonrpc: '2.0', id: 7, method: 'subscribe', params: { skus: new Set(['FZ-0']) } },
        { jsonrpc: '2.0', id: 8, method: 'get', params: { sku: new Map([['a', 1]]) } },
        { jsonrpc: '2.0', id: 9, method: 'get', params: { sku: new Float64Array([1]) } },
        { jsonrpc: '2.0', id: 10, method: 'get', params: { sku: new RegExp('FZ') } },
        { jsonrpc: '2.0', id: 11, method: 'get', params: { sku: new Error('FZ') } },
      )
      .map((request) => ({ kind: 'bundled-or-typed', bytes: bundlePackr.pack(request) })),
    fc
      .record({
        type: fc.integer({ min: 0, max: 255 }),
        form: fc.integer({ min: 0, max: 7 }),
        length: fc.integer({ min: 0, max: 300 }),
        fill: fc.integer({ min: 0, max: 255 }),
        where,
      })
      .map(({ type, form, length, fill, where: at }) => ({
        kind: 'extension-type',
        bytes: withRawValue(at, extensionBytes(type, form, length, fill)),
      })),
  );
}
