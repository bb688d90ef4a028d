import type { IncomingMessage } from 'node:http';

/** The subprotocol a browser offers, with `bearer.<token>` beside it (browsers cannot set headers). */
export const SUBPROTOCOL = 'holdfast';
const BEARER_PROTOCOL_PREFIX = 'bearer.';

/** The token a connection presents: `Authorization: Bearer <token>`, else a `bearer.<token>` subprotocol. */
export function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const offered = request.headers['sec-websocket-protocol'];
  if (typeof offered !== 'string') return undefined;
  for (const protocol of offered.split(',')) {
    const name = protocol.trim();
    if (name.startsWith(BEARER_PROTOCOL_PREFIX)) return name.slice(BEARER_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** ws's handleProtocols: answer 'holdfast' when offered (never echo the token back). */
export function selectProtocol(protocols: Set<string>): string | false {
  return protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
}
