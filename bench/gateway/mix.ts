import { defined } from '../../shared/invariant.js';
import type { RpcMessage } from './rpc-connection.js';

/**
 * The operation mix, as in bench/engine/uniform-mix.ts: reserve 1 unit of a uniformly chosen SKU
 * (10k SKUs stocked far beyond what a run can take, so nothing is refused for lack of stock),
 * then commit or release (50:50) a hold whose reserve has been answered. Every other op is a
 * settle while answered holds wait, so the mix tends to half reserves, a quarter commits and a
 * quarter releases, and the holds outstanding stay about one window.
 */
export const OP_RESERVE = 0;
export const OP_COMMIT = 1;
export const OP_RELEASE = 2;
const KIND_NAMES = ['reserve', 'commit', 'release'] as const;

const CHANNEL = 'web';
const HOLD_TTL_MS = 3_600_000;

export interface MixOp {
  kind: number;
  holdId: string;
  /** Index into the case's SKU list. */
  sku: number;
}

interface Hold {
  holdId: string;
  sku: number;
}

/** Units the driver believes are reserved, per SKU (by index): what `get(sku).reserved` must say. */
export class HeldLedger {
  readonly bySku: Int32Array;
  total = 0;

  constructor(skuCount: number) {
    this.bySku = new Int32Array(skuCount);
  }

  add(sku: number, units: number): void {
    this.bySku[sku] = defined(this.bySku[sku], 'a SKU of the mix') + units;
    this.total += units;
  }
}

/** How the driver reads a response: the gateway's JSON-RPC answers, or the echo server's copy of the request. */
export type ReplyMode = 'engine' | 'echo';

/** Every op answered in a case (warm-up included), by outcome. */
export interface FrameMixCounts {
  sent: number;
  answered: number;
  ok: [number, number, number];
  refused: [number, number, number];
  rpcErrors: number;
  /** A response whose id is not its request's, or a reply of the wrong shape or length. */
  mismatched: number;
  firstRefusal: string;
  firstRpcError: string;
}

export function createFrameMixCounts(): FrameMixCounts {
  return {
    sent: 0,
    answered: 0,
    ok: [0, 0, 0],
    refused: [0, 0, 0],
    rpcErrors: 0,
    mismatched: 0,
    firstRefusal: '',
    firstRpcError: '',
  };
}

export function kindName(kind: number): string {
  return defined(KIND_NAMES[kind], `op kind ${kind}`);
}

/**
 * One connection's stream of ops: builds requests, reads their responses, and keeps the
 * answered holds it will settle later. Hold ids carry `prefix` so cases never collide.
 */
export class MixStream {
  readonly #skus: readonly string[];
  readonly #prefix: string;
  readonly #ledger: HeldLedger;
  readonly #counts: FrameMixCounts;
  readonly #mode: ReplyMode;
  /** Answered holds, oldest first (a queue with a moving head). */
  #held: Hold[] = [];
  #heldHead = 0;
  #opCount = 0;

  constructor(skus: readonly string[], prefix: string, ledger: HeldLedger, counts: FrameMixCounts, mode: ReplyMode) {
    this.#skus = skus;
    this.#prefix = prefix;
    this.#ledger = ledger;
    this.#counts = counts;
    this.#mode = mode;
  }

  nextOp(): MixOp {
    const settle = (this.#opCount++ & 1) === 1 && this.#heldHead < this.#held.length;
    if (settle) {
      const hold = defined(this.#held[this.#heldHead++], 'a held hold to settle');
      if (this.#heldHead > 4096 && this.#heldHead * 2 > this.#held.length) this.#compactHeld();
      return { kind: Math.random() < 0.5 ? OP_COMMIT : OP_RELEASE, holdId: hold.holdId, sku: hold.sku };
    }
    const sku = Math.floor(Math.random() * this.#skus.length);
    return { kind: OP_RESERVE, holdId: `${this.#prefix}${this.#opCount}`, sku };
  }

  /** The JSON-RPC request for `op` (counted as sent). */
  request(op: MixOp, id: number): RpcMessage {
    this.#counts.sent += 1;
    if (op.kind === OP_RESERVE) {
      return {
        jsonrpc: '2.0',
        id,
        method: 'reserve',
        params: { id: op.holdId, channel: CHANNEL, ttlMs: HOLD_TTL_MS, lines: [{ sku: this.#skus[op.sku], qty: 1 }] },
      };
    }
    return { jsonrpc: '2.0', id, method: op.kind === OP_COMMIT ? 'commit' : 'release', params: { id: op.holdId } };
  }

  /** Reads the response to `op` (request id `id`): counts it and keeps the driver's view of the holds. */
  answer(op: MixOp, id: number, response: unknown): void {
    const counts = this.#counts;
    counts.answered += 1;
    if (typeof response !== 'object' || response === null || (response as RpcMessage).id !== id) {
      counts.mismatched += 1;
      return;
    }
    const outcome =
      this.#mode === 'engine' ? engineOutcome(response as RpcMessage) : echoOutcome(response as RpcMessage);
    if (outcome === 'ok') {
      counts.ok[op.kind] = defined(counts.ok[op.kind], 'an op kind') + 1;
      if (op.kind === OP_RESERVE) {
        this.#held.push({ holdId: op.holdId, sku: op.sku });
        this.#ledger.add(op.sku, 1);
      } else {
        this.#ledger.add(op.sku, -1);
      }
    } else if (outcome === 'refused') {
      counts.refused[op.kind] = defined(counts.refused[op.kind], 'an op kind') + 1;
      if (counts.firstRefusal === '')
        counts.firstRefusal = `${kindName(op.kind)}: ${JSON.stringify((response as RpcMessage).result)}`;
    } else {
      counts.rpcErrors += 1;
      if (counts.firstRpcError === '')
        counts.firstRpcError = `${kindName(op.kind)}: ${JSON.stringify(response).slice(0, 300)}`;
    }
  }

  #compactHeld(): void {
    this.#held = this.#held.slice(this.#heldHead);
    this.#heldHead = 0;
  }
}

type Outcome = 'ok' | 'refused' | 'error';

function engineOutcome(response: RpcMessage): Outcome {
  if (response.error !== undefined) return 'error';
  const result = response.result as { ok?: unknown } | undefined;
  if (result?.ok === true) return 'ok';
  return result?.ok === false ? 'refused' : 'error';
}

/** The echo server answers with the request itself: an echo is "ok" (it carries the method, no error). */
function echoOutcome(response: RpcMessage): Outcome {
  return typeof response.method === 'string' && response.error === undefined ? 'ok' : 'error';
}
