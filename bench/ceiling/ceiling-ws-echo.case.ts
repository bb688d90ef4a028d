import type { CaseShape } from '../gateway/servers.js';
import type { SuiteCase } from '../harness/types.js';
import { freshServerRun, GATEWAY_BATCHED_SHAPE, GATEWAY_SINGLE_SHAPE } from '../gateway/shapes.js';

function echoCase(name: string, shape: CaseShape, what: string): SuiteCase {
  return {
    name,
    group: 'ceiling',
    summary: `a raw ws echo server (child process) sent the gateway case's frames, ${what}: no engine, no JSON-RPC`,
    unit: 'ops/s',
    run: freshServerRun(name, 'echo', shape),
  };
}

export const ceilingWsEchoBatched = echoCase(
  'ceiling-ws-echo-batched',
  GATEWAY_BATCHED_SHAPE,
  `${GATEWAY_BATCHED_SHAPE.opsPerFrame}-op frames on 1 connection`,
);
export const ceilingWsEchoSingle = echoCase(
  'ceiling-ws-echo-single',
  GATEWAY_SINGLE_SHAPE,
  `one op per frame on ${GATEWAY_SINGLE_SHAPE.connections} connections`,
);
