#!/usr/bin/env node
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import {
  chartProblems,
  checkChartsDrawn,
  CHROMIUM_PATH,
  describeChart,
  hasChromium,
  launchChromium,
} from './browser-check.js';

/**
 * Opens report pages in headless Chromium and says whether each chart drew:
 *   node dist/simulator/report/check-html.js report.html [plan.html …]
 * Prints `chart-xxx: drawn (N pixels)` per chart; exits 1 when a chart is blank or a page threw,
 * 2 on bad usage or a missing Chromium.
 */

const USAGE = 'usage: node dist/simulator/report/check-html.js <report.html> [more.html …]';

async function checkFile(browser: Browser, path: string): Promise<boolean> {
  const check = await checkChartsDrawn({ path }, { browser });
  for (const chart of check.charts) console.log(describeChart(chart));
  const problems = chartProblems(check);
  for (const problem of problems) console.error(`${path}: ${problem}`);
  return problems.length === 0;
}

async function main(paths: string[]): Promise<number> {
  if (paths.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    console.error(`no such file: ${missing.join(', ')}`);
    return 2;
  }
  if (!hasChromium()) {
    console.error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``);
    return 2;
  }
  const browser = await launchChromium();
  try {
    let allDrawn = true;
    for (const path of paths) {
      if (paths.length > 1) console.log(`${path}:`);
      allDrawn = (await checkFile(browser, path)) && allDrawn;
    }
    return allDrawn ? 0 : 1;
  } finally {
    await browser.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
