import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../api/errors.js';
import type { Principal } from './scopes.js';
import { ADMIN_NAME } from './token-file.js';

/** SHA-256 of a token as lower-case hex: what a tokens file stores. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The tokens a gateway accepts, found by the SHA-256 of the presented token. The lookup never
 * compares the secret itself: what it touches is a digest, whose timing tells nothing usable
 * about the token (finding a token from its digest is a preimage attack on SHA-256).
 */
export class TokenSet {
  private readonly byDigest = new Map<string, Principal>();

  /** The single admin token (if any) and the file's tokens; a clash of name or digest is refused, naming `source`. */
  constructor(adminToken: string | null, principals: readonly Principal[], source: string) {
    if (adminToken !== null) {
      const digest = tokenDigest(adminToken);
      this.byDigest.set(digest, { name: ADMIN_NAME, digest, scopes: new Set(['admin']), channels: null });
    }
    for (const [index, principal] of principals.entries()) {
      if (adminToken !== null && principal.name === ADMIN_NAME) {
        throw new InvalidArgumentError(
          `${source}: tokens[${index}].name: '${ADMIN_NAME}' is the ` +
            `name of the single token (token, --token); choose another`,
        );
      }
      if (this.byDigest.has(principal.digest))
        throw new InvalidArgumentError(
          `${source}: tokens[${index}].digest: is the digest of the single token (token, --token)`,
        );
      this.byDigest.set(principal.digest, principal);
    }
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The principal whose token was presented, if it is one of these. */
  lookup(presented: string | undefined): Principal | undefined {
    if (presented === undefined || presented.length === 0 || presented.length > 512) return undefined;
    return this.byDigest.get(tokenDigest(presented));
  }

  /** The principal with this digest (how an open connection's token is found after a reload). */
  byTokenDigest(digest: string): Principal | undefined {
    return this.byDigest.get(digest);
  }

  names(): Set<string> {
    return new Set([...this.byDigest.values()].map((principal) => principal.name));
  }
}
