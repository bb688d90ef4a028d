import { createLatencyHistogram, type LatencyHistogram } from '../histogram.js';

/** What every peer load counts (warm-up included, for the checks). */
export interface PeerCounts {
  reserveOk: number;
  /** Reserves refused for lack of stock (expected only in the hot cases). */
  reserveRefused: number;
  commitOk: number;
  releaseOk: number;
  /** A settle that found no hold, a duplicate id, a command error: always a failure. */
  anomalies: number;
  firstAnomaly: string;
}

export function createPeerCounts(): PeerCounts {
  return { reserveOk: 0, reserveRefused: 0, commitOk: 0, releaseOk: 0, anomalies: 0, firstAnomaly: '' };
}

export function noteAnomaly(counts: PeerCounts, text: string): void {
  counts.anomalies += 1;
  if (counts.firstAnomaly === '') counts.firstAnomaly = text.slice(0, 300);
}

/** A hold the driver has been granted and will settle later. */
export interface PeerHold {
  id: string;
  sku: number;
}

/** Shared state of a measured pass: ops done, latency (µs), and the deadline no lane starts work after. */
export interface PeerPass {
  ops: number;
  latency: LatencyHistogram;
  deadlineMs: number;
}

export function newPass(durationMs: number): PeerPass {
  return { ops: 0, latency: createLatencyHistogram(), deadlineMs: performance.now() + durationMs };
}

/** Runs `lanes` loops until each returns; resolves with the elapsed milliseconds. */
export async function runLoops(lanes: number, loop: (lane: number) => Promise<void>): Promise<number> {
  const startMs = performance.now();
  await Promise.all(Array.from({ length: lanes }, (_, lane) => loop(lane)));
  return performance.now() - startMs;
}

/** Stock names shared by the peers: the same 10k SKUs as the engine cases (by index). */
export const PEER_CHANNEL = 'web';
