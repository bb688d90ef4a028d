/** Frames at and just past the bounds on engine operations and values per request. */
import fc from 'fast-check';
import { valuesIn } from '../oracle/frame-bounds.js';
import { FRAME_OPS_MAX, REFUSED_COUNT, REFUSED_OP, VALUES_PER_REQUEST_MAX, type Encoding } from '../vocabulary.js';

/**
 * Frames around the bounds on engine operations (LIMITS.frameOpsMax) and values per request
 * (valuesPerRequestMax), with ops every engine refuses: at the limit each op is answered (and
 * refused); past it the frame gets one -32600 and runs nothing.
 */
export function amplificationFrame(encoding: Encoding): fc.Arbitrary<{ kind: string; value: unknown }> {
  const frames: fc.Arbitrary<{ kind: string; value: unknown }>[] = [
    fc
      .record({
        requests: fc.integer({ min: 1, max: 200 }),
        delta: fc.integer({ min: -3, max: 3 }),
        sync: fc.boolean(),
      })
      .map(({ requests, delta, sync }) => {
        const total = FRAME_OPS_MAX + delta;
        const per = Math.floor(total / requests);
        const frame = Array.from({ length: requests }, (_, id) => {
          const count = id === requests - 1 ? total - per * (requests - 1) : per;
          const list = Array.from({ length: count }, () => (sync ? REFUSED_COUNT : REFUSED_OP));
          return {
            jsonrpc: '2.0',
            id,
            method: sync ? 'syncMany' : 'batch',
            params: sync ? { requests: list } : { ops: list },
          };
        });
        return { kind: `amplify-ops-${delta > 0 ? 'over' : 'at'}`, value: frame };
      }),
    fc.integer({ min: -2, max: 2 }).map((delta) => ({
      kind: `amplify-requests-${delta > 0 ? 'over' : 'at'}`,
      value: Array.from({ length: FRAME_OPS_MAX + delta }, (_, id) => ({ jsonrpc: '2.0', id, method: 'nope' })),
    })),
  ];
  // One request of VALUES_PER_REQUEST_MAX + delta values (msgpack only: in JSON each 0 takes two bytes, over 1 MiB).
  if (encoding === 'msgpack') {
    frames.push(
      fc.integer({ min: -2, max: 2 }).map((delta) => {
        const request = (items: number) => ({
          jsonrpc: '2.0',
          id: 1,
          method: 'get',
          params: { sku: 'FZ-0', x: new Array(items).fill(0) },
        });
        const value = request(VALUES_PER_REQUEST_MAX - valuesIn(request(0), 100) + delta);
        return { kind: `amplify-values-${delta > 0 ? 'over' : 'at'}`, value };
      }),
    );
  }
  return fc.oneof(...frames);
}
