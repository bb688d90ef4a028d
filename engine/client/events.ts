import type { EngineError } from '../api/errors.js';

/** What the client tells `options.onEvent` about: the link's state, and what it had to drop. */
export type ClientEvent =
  /** A connection opened (`reconnected`: not the first). Subscriptions and safe calls are re-sent. */
  | { type: 'connected'; reconnected: boolean }
  /** The connection closed; `willReconnect` false after close() or with `reconnect: false`. */
  | { type: 'disconnected'; code: number; reason: string; willReconnect: boolean }
  /** A reconnect attempt is scheduled in `delayMs` (`error`: why the previous attempt failed). */
  | { type: 'reconnecting'; attempt: number; delayMs: number; error?: string }
  /** The gateway refused a subscribe: listeners of these SKUs receive nothing until the next reconnect. */
  | { type: 'subscribeRefused'; skus: string[]; error: EngineError }
  /** A subscription listener threw; the client caught it and went on. */
  | { type: 'listenerError'; sku: string; error: unknown }
  /** A frame or message the client could not use (malformed, unknown id, an error without id). */
  | { type: 'protocolError'; message: string };

export type EventSink = (event: ClientEvent) => void;

/** Wraps the user's hook so that neither its absence nor its exceptions matter to the client. */
export function eventSink(hook: ((event: ClientEvent) => void) | null): EventSink {
  if (hook === null) return () => {};
  return (event) => {
    try {
      hook(event);
    } catch {
      // The hook is advisory: a throwing hook must not break the client.
    }
  };
}
