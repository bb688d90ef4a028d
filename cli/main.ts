#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { addServeCommand } from './serve.js';
import { addPlanCommand } from './plan.js';
import { addSimulateCommand } from './simulate.js';
import { addTokenCommand } from './token.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const BENCHES: Record<string, string> = {
  engine: '../bench/engine.js',
  gateway: '../bench/gateway.js',
  durability: '../bench/durability.js',
};

/** Runs a benchmark in its own process, so its figures are not skewed by this one. */
function runBench(name: string): void {
  const relative = BENCHES[name];
  if (relative === undefined) {
    console.error(`holdfast bench: unknown benchmark '${name}' (known: ${Object.keys(BENCHES).join(', ')})`);
    process.exitCode = 2;
    return;
  }
  const child = spawn(process.execPath, [fileURLToPath(new URL(relative, import.meta.url))], { stdio: 'inherit' });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
}

const program = new Command()
  .name('holdfast')
  .description('In-memory inventory allocation engine: per-SKU actors sharded across worker threads.')
  .version(packageJson.version);

program
  .command('bench')
  .description('run a benchmark and print its figures')
  .argument('[name]', `which benchmark: ${Object.keys(BENCHES).join(', ')}`, 'engine')
  .action(runBench);

addServeCommand(program);
addSimulateCommand(program);
addPlanCommand(program);
addTokenCommand(program);

await program.parseAsync();
