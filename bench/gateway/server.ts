/**
 * The gateway benchmark's server, run as a child process so the load driver does not share its
 * event loop: an engine with the engine benchmark's options (bench/load/engine-options.ts)
 * behind startGateway with its default limits. Prints the same line as `holdfast serve`:
 * `holdfast serve: listening on ws://127.0.0.1:<port> (<n> shards)`. SIGTERM closes the gateway,
 * then the engine, then exits 0 (so `--cpu-prof` profiles get written).
 *
 * argv: [shards]; the token comes from HOLDFAST_TOKEN.
 */
import { createEngine, startGateway } from '../../engine/index.js';
import { benchEngineOptions } from '../load/engine-options.js';

async function main(): Promise<void> {
  const shards = Number(process.argv[2] ?? '2');
  const token = process.env.HOLDFAST_TOKEN;
  if (token === undefined || token === '') throw new Error('HOLDFAST_TOKEN must be set');
  const engine = await createEngine(benchEngineOptions(shards));
  const gateway = await startGateway({ engine, host: '127.0.0.1', port: 0, token });
  console.log(`holdfast serve: listening on ${gateway.url} (${shards} shard${shards === 1 ? '' : 's'})`);
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    gateway
      .close()
      .then(() => engine.close())
      .then(
        () => process.exit(0),
        (error: Error) => {
          console.error(`bench server: shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
