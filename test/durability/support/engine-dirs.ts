/**
 * Temporary data directories and engines opened on them, cleaned up after each test: engines
 * closed first (they hold the directories' locks), then the directories removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createEngine } from '../../../dist/engine/index.js';
import type { Engine, EngineOptions } from '../../engine/support/helpers.js';

export interface EngineDirs {
  /** A fresh, empty directory, removed after the test. */
  dataDir(): string;
  /** An engine closed after the test (unless closed earlier through `close`). */
  open(options: EngineOptions): Promise<Engine>;
  close(engine: Engine): Promise<void>;
}

export function useEngineDirs(prefix: string, defaults: EngineOptions = {}): EngineDirs {
  const dirs: string[] = [];
  const engines: Engine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dataDir() {
      const dir = mkdtempSync(join(tmpdir(), `holdfast-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    async open(options) {
      const engine = await createEngine({ ...defaults, ...options });
      engines.push(engine);
      return engine;
    },
    async close(engine) {
      engines.splice(engines.indexOf(engine), 1);
      await engine.close();
    },
  };
}
