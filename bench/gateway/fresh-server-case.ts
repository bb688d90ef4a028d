import { randomBytes } from 'node:crypto';
import type { CaseResult } from '../harness/case-result.js';
import { receiveStockOverRpc } from './engine-calls.js';
import { HeldLedger } from './mix.js';
import { runMixCase } from './mix-case.js';
import { RpcConnection } from './rpc-connection.js';
import { shapeText, startEchoServer, startGatewayServer, type CaseShape, type GatewayServerKind } from './servers.js';

export interface FreshServerCaseSpec {
  name: string;
  /** 'echo': the raw ws echo ceiling; 'gateway': the gateway over an engine with `shards` worker shards. */
  server: 'echo' | 'gateway';
  shape: CaseShape;
  skus: string[];
  unitsPerSku: number;
  shards: number;
  warmupMs: number;
  durationMs: number;
  /** Open loop at this rate (warm-up and measured pass); absent: closed loop. */
  pacedOpsPerSecond?: number;
  kind?: GatewayServerKind;
  nodeArgs?: string[];
}

function pacedText(pacedOpsPerSecond: number | undefined): string {
  if (pacedOpsPerSecond === undefined) return '';
  return `, paced (open loop) at ${Math.round(pacedOpsPerSecond).toLocaleString('en-US')} ops/s`;
}

/**
 * One gateway or ws echo case on a server of its own: starts the server (child process),
 * stocks every SKU through the gateway, runs the mix (warm-up, measured pass, checks: the
 * shared code in mix-case.ts), stops the server.
 */
export async function runOnFreshServer(spec: FreshServerCaseSpec): Promise<CaseResult> {
  const token = randomBytes(24).toString('base64url');
  const nodeArgs = spec.nodeArgs ?? [];
  const server =
    spec.server === 'echo'
      ? await startEchoServer(nodeArgs)
      : await startGatewayServer({ token, shards: spec.shards, kind: spec.kind ?? 'bench', nodeArgs });
  try {
    const control = spec.server === 'echo' ? null : await RpcConnection.open(server.url, token);
    if (control !== null) await receiveStockOverRpc(control, spec.skus, spec.unitsPerSku);
    const what =
      spec.server === 'echo'
        ? 'raw ws echo ceiling (child process, no engine, no JSON-RPC)'
        : `gateway (child process, engine with ${spec.shards} worker shards)`;
    const result = await runMixCase({
      name: spec.name,
      description:
        `${what}: ${shapeText(spec.shape)}${pacedText(spec.pacedOpsPerSecond)}; ` +
        `reserve → commit|release over ${spec.skus.length} SKUs`,
      mode: spec.server === 'echo' ? 'echo' : 'engine',
      server,
      token,
      skus: spec.skus,
      ledger: new HeldLedger(spec.skus.length),
      holdPrefix: 'H',
      ...spec.shape,
      warmupMs: spec.warmupMs,
      durationMs: spec.durationMs,
      pacedOpsPerSecond: spec.pacedOpsPerSecond,
      control,
    });
    await control?.close();
    return result;
  } finally {
    await server.stop();
  }
}
