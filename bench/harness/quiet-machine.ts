import { defined } from '../../shared/invariant.js';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

interface CpuTimes {
  idle: number;
  total: number;
}

/** Aggregate CPU times from /proc/stat (Linux); null elsewhere. */
async function readCpuTimes(): Promise<CpuTimes | null> {
  try {
    const line = defined((await readFile('/proc/stat', 'utf8')).split('\n')[0], 'a first line');
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = defined(fields[3], 'idle ticks') + (fields[4] ?? 0);
    return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
  } catch {
    return null;
  }
}

/** The fraction of all cores idle over the next `sampleMs` (1 when it cannot be measured). */
export async function idleCpuFraction(sampleMs: number): Promise<number> {
  const before = await readCpuTimes();
  await sleep(sampleMs);
  const after = await readCpuTimes();
  if (before === null || after === null || after.total === before.total) return 1;
  return (after.idle - before.idle) / (after.total - before.total);
}

export interface QuietCheck {
  idleFraction: number;
  waitedMs: number;
  quiet: boolean;
}

/**
 * Waits (up to `timeoutMs`) until other processes leave the cores at least `idleFractionMin`
 * idle, so a case does not measure someone else's load; reports what it saw either way.
 */
export async function waitForQuietCpu(idleFractionMin: number, timeoutMs: number, sampleMs = 300): Promise<QuietCheck> {
  const startMs = performance.now();
  let idleFraction = await idleCpuFraction(sampleMs);
  while (idleFraction < idleFractionMin && performance.now() - startMs < timeoutMs) {
    idleFraction = await idleCpuFraction(sampleMs);
  }
  return { idleFraction, waitedMs: Math.round(performance.now() - startMs), quiet: idleFraction >= idleFractionMin };
}
