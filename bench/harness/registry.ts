import type { SuiteCase } from './types.js';
import { ceilingLedgerLoop } from '../ceiling/ceiling-ledger-loop.case.js';
import { ceilingSoaLoop } from '../ceiling/ceiling-soa-loop.case.js';
import { ceilingTransport } from '../ceiling/ceiling-transport.case.js';
import { ceilingWsEchoBatched, ceilingWsEchoSingle } from '../ceiling/ceiling-ws-echo.case.js';
import { engineHotSku } from '../engine/engine-hot-sku.case.js';
import { engineMultiLine } from '../engine/engine-multi-line.case.js';
import { engineShards } from '../engine/engine-shards.case.js';
import { engineUniform } from '../engine/engine-uniform.case.js';
import { engineReserveMany } from '../engine/engine-reserve-many.case.js';
import { enginePaced } from '../engine/engine-paced.case.js';
import { gatewayBatched, gatewayPaced, gatewayReserveMany, gatewaySingle } from '../gateway/gateway.case.js';
import { journalCase } from '../durability/journal.case.js';
import { memory } from '../engine/memory.case.js';
import { peerPostgresHot, peerPostgresUniform, peerRedisHot, peerRedisUniform } from '../peers/peers.case.js';
import { peerRedisServer } from '../peers/redis-server-capacity.case.js';
import { recovery } from '../durability/recovery.case.js';
import { simulatorVirtual } from '../simulator/simulator-virtual.case.js';

/**
 * Every case, in the order a run takes them: ceilings first (each case's ratio needs its ceiling
 * from the same run), then holdfast's cases (each after the cases it takes inputs from), then the
 * peers (their servers run only then).
 */
export const CASES: readonly SuiteCase[] = [
  ceilingSoaLoop,
  ceilingLedgerLoop,
  ceilingTransport(1),
  ceilingTransport(2),
  ceilingTransport(4),
  ceilingWsEchoBatched,
  ceilingWsEchoSingle,
  engineUniform,
  engineReserveMany,
  enginePaced,
  engineHotSku,
  engineMultiLine,
  engineShards(0),
  engineShards(1),
  engineShards(4),
  gatewayBatched,
  gatewayPaced,
  gatewaySingle,
  gatewayReserveMany,
  journalCase('off'),
  journalCase('interval'),
  journalCase('always'),
  recovery,
  memory,
  simulatorVirtual,
  peerRedisUniform,
  peerRedisHot,
  peerRedisServer,
  peerPostgresUniform,
  peerPostgresHot,
];

export function caseNamed(name: string): SuiteCase | undefined {
  return CASES.find((suiteCase) => suiteCase.name === name);
}

/** The cases a case needs measured earlier in the same run: its ceiling and the cases it takes inputs from. */
export function prerequisitesOf(suiteCase: SuiteCase): string[] {
  return [...(suiteCase.ceiling === undefined ? [] : [suiteCase.ceiling]), ...(suiteCase.inputs ?? [])];
}

/**
 * The cases to run for a selection (names or groups; empty: all), in registry order, with the
 * ceilings they are measured against and the cases they take inputs from added: a ratio needs its
 * ceiling from the same run.
 */
export function selectCases(
  selection: readonly string[],
  all: readonly SuiteCase[] = CASES,
): { cases: SuiteCase[]; unknown: string[] } {
  if (selection.length === 0) return { cases: [...all], unknown: [] };
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const item of selection) {
    const matches = all.filter((suiteCase) => suiteCase.name === item || suiteCase.group === item);
    if (matches.length === 0) unknown.push(item);
    for (const match of matches) wanted.add(match.name);
  }
  let added = true;
  while (added) {
    added = false;
    for (const suiteCase of all) {
      if (!wanted.has(suiteCase.name)) continue;
      for (const needed of prerequisitesOf(suiteCase)) {
        if (wanted.has(needed)) continue;
        wanted.add(needed);
        added = true;
      }
    }
  }
  return { cases: all.filter((suiteCase) => wanted.has(suiteCase.name)), unknown };
}
