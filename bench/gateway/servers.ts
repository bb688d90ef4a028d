import { fileURLToPath } from 'node:url';
import { startChildServer, type ChildServer } from './child-server.js';
import type { MixCasePlan } from './mix-case.js';

const GATEWAY_SERVER_SCRIPT = fileURLToPath(new URL('./server.js', import.meta.url));
const ECHO_SERVER_SCRIPT = fileURLToPath(new URL('./echo-server.js', import.meta.url));
const CLI_SCRIPT = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** 'bench': bench/gateway/server.ts (startGateway with the engine bench's options); 'cli': `holdfast serve`. */
export type GatewayServerKind = 'bench' | 'cli';

export interface GatewayServerSpec {
  token: string;
  shards: number;
  kind: GatewayServerKind;
  /** Node flags for the child (e.g. --cpu-prof). */
  nodeArgs: string[];
}

/** The gateway in a child process (engine with `shards` worker shards + startGateway). */
export function startGatewayServer(spec: GatewayServerSpec): Promise<ChildServer> {
  const script =
    spec.kind === 'cli'
      ? [CLI_SCRIPT, 'serve', '--port', '0', '--shards', String(spec.shards)]
      : [GATEWAY_SERVER_SCRIPT, String(spec.shards)];
  return startChildServer({
    label: spec.kind === 'cli' ? 'holdfast serve' : 'bench gateway server',
    args: [...spec.nodeArgs, ...script],
    env: { ...process.env, HOLDFAST_TOKEN: spec.token },
  });
}

/** The raw ws echo server (the ws ceiling) in a child process. */
export function startEchoServer(nodeArgs: string[]): Promise<ChildServer> {
  return startChildServer({ label: 'echo server', args: [...nodeArgs, ECHO_SERVER_SCRIPT], env: process.env });
}

/** How a case loads a server: connections, ops per frame, frames in flight per connection. */
export type CaseShape = Pick<MixCasePlan, 'connections' | 'opsPerFrame' | 'windowFrames'>;

/**
 * Batched: one connection, frames of `frameOps` requests, `windowFrames` in flight. The default
 * 8 × 256 = 2,048 ops outstanding is half the gateway's maxPendingPerConnection (4,096), so the
 * server never pauses the socket.
 */
export function batchedShape(frameOps: number, windowFrames: number): CaseShape {
  return { connections: 1, opsPerFrame: frameOps, windowFrames };
}

/** Single: `connections` connections, one bare request per frame, `window` in flight on each. */
export function singleShape(connections: number, window: number): CaseShape {
  return { connections, opsPerFrame: 1, windowFrames: window };
}

export function shapeText(shape: CaseShape): string {
  const frames = shape.opsPerFrame === 1 ? 'one op per frame' : `${shape.opsPerFrame}-op batch frames`;
  return (
    `${shape.connections} connection${shape.connections === 1 ? '' : 's'}, ` +
    `${frames}, ${shape.windowFrames} frames in flight each, msgpack`
  );
}
