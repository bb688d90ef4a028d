/**
 * Rewrites README.md's performance block — between `<!-- bench:start -->` and
 * `<!-- bench:end -->` — from the latest full suite run (bench/results/<case>.json, profile
 * full; for each case its newest file). `node dist/bench/readme-section.js [--stdout]
 * [--profile full|ci] [--results-dir DIR] [--readme FILE]`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CASES } from './harness/registry.js';
import { latestByCase, renderReadmeSection, replaceReadmeSection } from './harness/readme-render.js';
import { SUITE_MARKER, type CaseResultFile } from './harness/results.js';

const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const DEFAULT_README = fileURLToPath(new URL('../../README.md', import.meta.url));

interface Options {
  stdout?: boolean;
  profile: string;
  resultsDir: string;
  readme: string;
}

function readResults(dir: string): CaseResultFile[] {
  const files: CaseResultFile[] = [];
  for (const name of readdirSync(dir)
    .filter((entry) => entry.endsWith('.json'))
    .sort()) {
    const parsed = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Partial<CaseResultFile>;
    if (parsed.suite === SUITE_MARKER) files.push(parsed as CaseResultFile);
  }
  return files;
}

function main(): void {
  const options = new Command()
    .name('readme-section')
    .option('--stdout', 'print the block instead of rewriting README.md')
    .option('--profile <name>', 'which runs to use', 'full')
    .option('--results-dir <dir>', 'results directory', DEFAULT_RESULTS_DIR)
    .option('--readme <file>', 'README to rewrite', DEFAULT_README)
    .parse(process.argv)
    .opts<Options>();
  const files = latestByCase(readResults(options.resultsDir), options.profile);
  if (files.length === 0)
    throw new Error(
      `no ${options.profile}-profile suite results in ${options.resultsDir}: run \`npm run bench\` first`,
    );
  const section = renderReadmeSection(
    files,
    CASES.map((suiteCase) => suiteCase.name),
  );
  if (options.stdout === true) {
    console.log(section);
    return;
  }
  const readme = readFileSync(options.readme, 'utf8');
  writeFileSync(options.readme, replaceReadmeSection(readme, section));
  console.log(
    `${options.readme}: performance section rewritten from ${files.length} case results (profile ${options.profile})`,
  );
}

try {
  main();
} catch (error) {
  console.error(`readme-section: ${(error as Error).message}`);
  process.exitCode = 1;
}
