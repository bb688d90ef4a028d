/**
 * How strong a bearer token is, estimated from its characters: length × log2(alphabet), where
 * the alphabet is the union of the character classes the token uses — digits (10), lower-case
 * letters (26), upper-case letters (26), ASCII punctuation such as base64url's `-` and `_` (32).
 * The estimate is generous to words (a password scores as if random), so it is a floor that
 * catches short tokens, not a proof of randomness: generate tokens (serve does, and
 * `holdfast token create`), do not invent them.
 */

/** Tokens estimated below this are refused at start. */
export const TOKEN_BITS_MIN = 128;

/** Tokens travel in an HTTP header or a subprotocol: visible ASCII only, no spaces. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

const CLASSES: ReadonlyArray<{ pattern: RegExp; size: number }> = [
  { pattern: /[0-9]/, size: 10 },
  { pattern: /[a-z]/, size: 26 },
  { pattern: /[A-Z]/, size: 26 },
  { pattern: /[^0-9a-zA-Z]/, size: 32 },
];

/** The estimated strength of a visible-ASCII token, in bits. */
export function tokenBits(token: string): number {
  let alphabet = 0;
  for (const { pattern, size } of CLASSES) if (pattern.test(token)) alphabet += size;
  return alphabet === 0 ? 0 : token.length * Math.log2(alphabet);
}

/** Why `token` may not be used (the message names `field`), or null when it is strong enough. */
export function tokenProblem(field: string, token: unknown): string | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > 512)
    return `${field}: must be a string of 1 to 512 characters`;
  if (!VISIBLE_ASCII.test(token))
    return `${field}: must be visible ASCII without spaces (it travels in an HTTP header)`;
  const bits = tokenBits(token);
  if (bits < TOKEN_BITS_MIN) {
    return (
      `${field}: is too weak: about ${Math.floor(bits)} bits (${token.length} ` +
      `characters), at least ${TOKEN_BITS_MIN} are required;` +
      ' use a generated one (e.g. 32 random bytes as base64url, or `holdfast token create`)'
    );
  }
  return null;
}
