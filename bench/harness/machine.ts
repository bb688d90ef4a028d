import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  nodeVersion: string;
  platform: string;
  osRelease: string;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    nodeVersion: process.version,
    platform: os.platform(),
    osRelease: os.release(),
  };
}

/** The commit the figures belong to, and whether the work tree had uncommitted changes. */
export function describeRevision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'engine'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (engine/ modified)` : commit;
  } catch {
    return 'unknown';
  }
}

export function formatMachine(machine: MachineInfo): string {
  const memoryGiB = (machine.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `${machine.cpuModel} · ${machine.cores} cores · ${memoryGiB} GiB · node ${machine.nodeVersion}`;
}
