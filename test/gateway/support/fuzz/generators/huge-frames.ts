/** Frames close to maxPayloadBytes: huge strings, keys and arrays, and batches of 10,000 and more. */
import fc from 'fast-check';
import type { Encoding, FrameOptions } from '../vocabulary.js';
import { envelope } from './envelope.js';
import { defineOwn } from './plain-objects.js';

/** Strings and arrays that bring a frame close to, but under, maxPayloadBytes. */
export function hugeFrame(encoding: Encoding, options: FrameOptions): fc.Arbitrary<{ kind: string; value: unknown }> {
  const budget = options.maxPayloadBytes - 4096;
  return fc
    .record({
      where: fc.constantFrom(
        'sku',
        'id',
        'method',
        'key',
        'array',
        'subscribe',
        'rpc-batch',
        'rpc-batch-over',
        'batch-ops-over',
        'reserve-lines',
      ),
      fraction: fc.double({ min: 0.5, max: 1, noNaN: true }),
      char: fc.constantFrom('x', 'é', '🧦', '"', '\\', '\u0000'),
    })
    .map(({ where, fraction, char }) => {
      const bytesPerChar = Math.max(
        1,
        Buffer.byteLength(JSON.stringify(char), 'utf8') - 2,
        Buffer.byteLength(char, 'utf8'),
      );
      const big = char.repeat(Math.max(1, Math.floor((budget * fraction) / bytesPerChar / 1.05)));
      switch (where) {
        case 'sku':
          return { kind: 'huge-sku', value: envelope(1, 'get', { sku: big }, true) };
        case 'id':
          return { kind: 'huge-id', value: envelope(big, 'get', { sku: 'FZ-0' }, true) };
        case 'method':
          return { kind: 'huge-method', value: envelope(2, big, {}, true) };
        case 'key': {
          const params: Record<string, unknown> = { sku: 'FZ-0', location: 'A', qty: 1 };
          defineOwn(params, big, 1);
          return { kind: 'huge-key', value: envelope(3, 'receive', params, true) };
        }
        case 'array':
          return {
            kind: 'huge-array',
            value: envelope(
              4,
              'get',
              { sku: 'FZ-0', extra: Array.from({ length: Math.floor((budget * fraction) / 12) }, (_, i) => i * 1.5) },
              true,
            ),
          };
        case 'subscribe':
          return {
            kind: 'huge-subscribe',
            value: envelope(5, 'subscribe', { skus: Array.from({ length: 10_001 }, (_, i) => `FZ-SUB-${i}`) }, true),
          };
        case 'rpc-batch':
          return {
            kind: 'huge-rpc-batch',
            value: Array.from({ length: 10_000 }, (_, i) => ({
              jsonrpc: '2.0',
              id: i,
              method: i % 3 === 0 ? 'get' : 'nope',
              params: { sku: 'FZ-1' },
            })),
          };
        case 'rpc-batch-over':
          return {
            kind: 'huge-rpc-batch-over',
            value: Array.from({ length: 10_001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'get' })),
          };
        case 'batch-ops-over':
          return {
            kind: 'huge-batch-ops-over',
            value: envelope(
              6,
              'batch',
              {
                ops: Array.from({ length: 10_001 }, () => ({
                  op: 'receive',
                  args: [{ sku: 'FZ-0', location: 'A', qty: 1 }],
                })),
              },
              true,
            ),
          };
        default:
          return {
            kind: 'huge-reserve-lines',
            value: envelope(
              7,
              'reserve',
              {
                id: 'fz-huge',
                channel: 'web',
                ttlMs: 60_000,
                lines: Array.from({ length: 5_000 }, (_, i) => ({ sku: `FZ-L${i}`, qty: 1 })),
              },
              true,
            ),
          };
      }
    });
}
