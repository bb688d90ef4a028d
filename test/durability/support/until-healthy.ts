/** Waiting, bounded, until every shard of an engine serves again after a storage fault. */
import type { Engine } from '../../engine/support/helpers.js';
import { sleep } from '../../engine/support/helpers.js';

export interface UntilHealthyOptions {
  /** Give up (throw, naming every shard's cause) after this long. */
  timeoutMs: number;
  /** Between two looks; each look also runs expireDue(), which retries a failed shard. */
  pollMs: number;
}

/** Resolves once every shard is healthy; throws with the shards' causes after `timeoutMs`. */
export async function untilHealthy(engine: Engine, options: UntilHealthyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (engine.stats().shards.some((shard) => !shard.healthy)) {
    if (Date.now() > deadline)
      throw new Error(`still unhealthy: ${JSON.stringify(engine.stats().shards.map((shard) => shard.cause))}`);
    await sleep(options.pollMs);
    await engine.expireDue();
  }
}
