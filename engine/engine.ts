import type { Engine } from './api/engine.js';
import { resolveOptions, type EngineOptions } from './api/options.js';
import { LocalEngine } from './router/local-engine.js';
import { ShardedEngine } from './router/sharded-engine.js';

/** Creates an engine: in-thread with `shards: 0`, else one worker thread per shard. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const resolved = resolveOptions(options);
  if (resolved.shards === 0) return new LocalEngine(resolved);
  return ShardedEngine.start(resolved);
}
