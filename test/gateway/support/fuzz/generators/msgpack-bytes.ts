/**
 * msgpack encoders and raw msgpack bytes: plain msgpack, msgpackr's structured clone, records and
 * bundled strings, one extension value in any header form, and a request with raw bytes spliced in.
 */
import { Packr } from 'msgpackr';

/** Plain msgpack, as any msgpack library writes it. */
export const packr = new Packr({ useRecords: false });

/** msgpackr's structured clone: shared references and cycles go out as extensions 0x69 / 0x70. */
export const clonePackr = new Packr({ structuredClone: true, useRecords: false });
/** msgpackr's records: a map's keys go out once as a record definition (extension 0x72). */
export const recordPackr = new Packr({ useRecords: true });
/** msgpackr's bundled strings (extension 0x62) and more types (Set, Map, typed arrays, Error, RegExp). */
export const bundlePackr = new Packr({ useRecords: false, bundleStrings: true, moreTypes: true });

/** The bytes of one msgpack extension value: fixext 1/2/4/8/16, or ext 8/16/32 with `length` bytes. */
export function extensionBytes(type: number, form: number, length: number, fill: number): Buffer {
  const fixed = [
    [0xd4, 1],
    [0xd5, 2],
    [0xd6, 4],
    [0xd7, 8],
    [0xd8, 16],
  ] as const;
  if (form < fixed.length)
    return Buffer.concat([Buffer.from([fixed[form][0], type & 0xff]), Buffer.alloc(fixed[form][1], fill)]);
  const header =
    form === 5
      ? Buffer.from([0xc7, length & 0xff])
      : form === 6
        ? Buffer.from([0xc8, (length >> 8) & 0xff, length & 0xff])
        : Buffer.from([0xc9, 0, 0, (length >> 8) & 0xff, length & 0xff]);
  const size = form === 5 ? length & 0xff : length & 0xffff;
  return Buffer.concat([header, Buffer.from([type & 0xff]), Buffer.alloc(size, fill)]);
}

/** A plain msgpack request whose `params.sku` (or `params`, or the id) is replaced by `value`'s raw bytes. */
export function withRawValue(where: 'sku' | 'params' | 'id' | 'element', raw: Buffer): Buffer {
  const placeholder = 'RAW-VALUE-PLACEHOLDER';
  const request =
    where === 'id'
      ? { jsonrpc: '2.0', id: placeholder, method: 'get', params: { sku: 'FZ-0' } }
      : where === 'params'
        ? { jsonrpc: '2.0', id: 1, method: 'get', params: placeholder }
        : where === 'element'
          ? [{ jsonrpc: '2.0', id: 1, method: 'get', params: { sku: 'FZ-0' } }, placeholder]
          : { jsonrpc: '2.0', id: 1, method: 'get', params: { sku: placeholder } };
  const packed = packr.pack(request);
  const needle = Buffer.concat([Buffer.from([0xa0 | placeholder.length]), Buffer.from(placeholder)]);
  const at = packed.indexOf(needle);
  return Buffer.concat([packed.subarray(0, at), raw, packed.subarray(at + needle.length)]);
}

/** `levels` of [node, node] over one shared node: 2^levels paths, a few bytes a level with structured clone. */
export function doublingGraph(levels: number, leaf: unknown = 0): unknown {
  let node = leaf;
  for (let level = 0; level < levels; level++) node = [node, node];
  return node;
}
