#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { isProfileName, PROFILE_NAMES } from '../bench/harness/profile.js';
import { addServeCommand } from './serve.js';
import { addPlanCommand } from './plan.js';
import { addSimulateCommand } from './simulate.js';
import { addTokenCommand } from './token.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const SUITE_SCRIPT = fileURLToPath(new URL('../bench/suite.js', import.meta.url));

/** Runs the benchmark suite's profile in its own process, so its figures are not skewed by this one. */
function runBench(profile: string): void {
  if (!isProfileName(profile)) {
    console.error(`holdfast bench: unknown profile '${profile}' (known: ${PROFILE_NAMES.join(', ')})`);
    process.exitCode = 2;
    return;
  }
  const child = spawn(process.execPath, [SUITE_SCRIPT, '--profile', profile], { stdio: 'inherit' });
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
  .description('run a profile of the benchmark suite and print its figures (docs/benchmarks.md)')
  .argument('[profile]', `which profile: ${PROFILE_NAMES.join(', ')}`, 'full')
  .action(runBench);

addServeCommand(program);
addSimulateCommand(program);
addPlanCommand(program);
addTokenCommand(program);

await program.parseAsync();
