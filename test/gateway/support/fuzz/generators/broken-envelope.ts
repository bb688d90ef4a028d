/** A read or a poisoned write whose envelope is broken: bad jsonrpc, id or method, an extra field, not an object. */
import fc from 'fast-check';
import type { Encoding } from '../vocabulary.js';
import { defineOwn } from './plain-objects.js';
import { poisonedWrite } from './poisoned-writes.js';
import { readRequest } from './reads.js';
import { confusingValue, unknownKey } from './values.js';

/** A read or a poisoned write whose envelope is broken (bad jsonrpc, id, method, extra field). */
export function brokenEnvelope(encoding: Encoding): fc.Arbitrary<unknown> {
  return fc
    .record({
      base: fc.oneof(readRequest(encoding, false), poisonedWrite(encoding, false)),
      breakage: fc.constantFrom('jsonrpc', 'jsonrpc', 'id', 'id', 'id', 'method', 'method', 'extra', 'notObject'),
      value: confusingValue,
      pick: fc.nat(),
      key: unknownKey,
    })
    .map(({ base, breakage, value, pick, key }) => {
      const request: Record<string, unknown> = { ...base.value };
      switch (breakage) {
        case 'jsonrpc': {
          const options: unknown[] = [
            '2',
            '1.0',
            2,
            2.0,
            '2.0 ',
            ' 2.0',
            '2.00',
            null,
            undefined,
            ['2.0'],
            { v: '2.0' },
            '２.0',
          ];
          const chosen = options[pick % options.length];
          if (chosen === undefined) delete request.jsonrpc;
          else request.jsonrpc = chosen;
          return request;
        }
        case 'id': {
          const options: unknown[] = [
            { n: 1 },
            [1],
            [],
            {},
            true,
            false,
            NaN,
            Infinity,
            -Infinity,
            new Date(1),
            Buffer.from([1]),
            2n ** 60n,
            value,
          ];
          request.id = options[pick % options.length];
          return request;
        }
        case 'method': {
          const options: unknown[] = [undefined, '', 7, null, ['get'], { name: 'get' }, true, value];
          const chosen = options[pick % options.length];
          if (chosen === undefined) delete request.method;
          else request.method = chosen;
          return request;
        }
        case 'extra': {
          const keys = [
            'result',
            'error',
            'Id',
            'ID',
            'Method',
            'params2',
            'jsonRPC',
            'version',
            '__proto__',
            'constructor',
            'toString',
            key,
          ];
          let extra = keys[pick % keys.length];
          while (
            ['jsonrpc', 'id', 'method', 'params'].includes(extra) ||
            (encoding === 'msgpack' && extra === '__proto__')
          )
            extra += '_';
          defineOwn(request, extra, value === undefined ? 1 : value);
          return request;
        }
        default: {
          const options: unknown[] = [value, null, 42, 'get', true, [[request]]];
          return options[pick % options.length];
        }
      }
    });
}
