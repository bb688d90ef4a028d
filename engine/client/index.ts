import { RemoteClient, type Client } from './client.js';
import { resolveClientOptions, type ClientOptions } from './options.js';
import { Session } from './session.js';

/**
 * Connects to a holdfast gateway and resolves to a Client with the embedded API's methods.
 * Rejects with InvalidArgumentError (code INVALID_ARGUMENT) on bad options, and with a
 * ConnectError when the first connection fails (message 'unauthorized' for HTTP 401); only
 * later drops are reconnected.
 */
export async function connect(options: ClientOptions): Promise<Client> {
  const session = new Session(resolveClientOptions(options));
  await session.open();
  return new RemoteClient(session);
}

export type { Client } from './client.js';
export type { ClientOptions } from './options.js';
export type { ClientEvent } from './events.js';
export type { Encoding } from './codec.js';
export type { AvailabilityEvent, AvailabilityListener } from './subscriptions.js';
export { ConnectError } from './socket.js';
export { InvalidArgumentError } from '../api/errors.js';
export type { Refusal, EngineError, ErrorCode } from '../api/errors.js';
