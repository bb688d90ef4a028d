/** Values and frames as short text, for problem reports and reproductions. */
import { isUtf8 } from 'node:buffer';
import type { FuzzFrame } from './vocabulary.js';

export function show(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** A frame as a reproduction: text frames as text (when short), every frame as base64. */
export function reproduction(frame: FuzzFrame, max = 1_500): Record<string, unknown> {
  const text = frame.encoding === 'json' && isUtf8(frame.bytes) ? frame.bytes.toString('utf8') : undefined;
  return {
    kind: frame.kind,
    encoding: frame.encoding,
    bytes: frame.bytes.length,
    ...(text !== undefined ? { text: text.length > max ? `${text.slice(0, max)}…` : text } : {}),
    base64:
      frame.bytes.length > max ? `${frame.bytes.subarray(0, max).toString('base64')}…` : frame.bytes.toString('base64'),
  };
}
