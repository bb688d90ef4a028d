import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inlineScript } from './html-escape.js';

/**
 * Chart.js's UMD build, inlined into every report page so it opens without a network. The
 * package exports only its entry points, so the file is found next to the resolved entry.
 */
const UMD_FILE = 'chart.umd.min.js';

let cachedSource: string | undefined;

/** Path of chart.js/dist/chart.umd.min.js, resolved from this module (works from source and dist/). */
export function chartLibraryPath(): string {
  const entryPath = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(entryPath), UMD_FILE);
}

/** The library's source, escaped for an inline `<script>`; read once per process. */
export function chartLibrarySource(): string {
  cachedSource ??= inlineScript(readFileSync(chartLibraryPath(), 'utf8'));
  return cachedSource;
}
