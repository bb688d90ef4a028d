import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Opens a report page in headless Chromium and says whether every chart really drew: the one
 * implementation behind test/simulator/report.test.ts and `node dist/simulator/report/check-html.js`.
 * Uses the system's Chromium (Debian: `apt-get install -y chromium`), never a downloaded one.
 * playwright-core is a devDependency: only the test and the check script load this module.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** No sandbox (root in CI); no background traffic, which a closed network refuses slowly. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A chart with fewer painted pixels than this counts as blank (axes and a legend alone paint thousands). */
export const MIN_DRAWN_PIXELS = 500;

const READY_TIMEOUT_MS = 10_000;
const VIEWPORT = { width: 1280, height: 900 };

export type PageSource = { html: string } | { path: string };

export interface ChartPixels {
  id: string;
  /** Pixels of the canvas with non-zero alpha. */
  pixels: number;
}

export interface ChartCheck {
  /** The page's title as the browser parsed it (escaping bugs show here). */
  title: string;
  charts: ChartPixels[];
  /** The page's `window.__holdfastCharts` (charts its bootstrap created), null when never set. */
  chartsCreated: number | null;
  /** Uncaught page errors, console errors, dialogs, network requests and a bootstrap that never finished. */
  errors: string[];
}

export interface CheckOptions {
  /** A browser from `launchChromium` to reuse (several pages, one launch); else one is launched and closed. */
  browser?: Browser;
  readyTimeoutMs?: number;
}

export function hasChromium(executablePath = CHROMIUM_PATH): boolean {
  return existsSync(executablePath);
}

/** Headless system Chromium with the flags above; the caller closes it. */
export function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

/** Runs in the page (a string, so no transpiler helper leaks into it): painted pixels per canvas. */
const COUNT_DRAWN_PIXELS = `Array.from(document.querySelectorAll('canvas')).map((canvas) => {
  let pixels = 0;
  if (canvas.width > 0 && canvas.height > 0) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) pixels += 1;
  }
  return { id: canvas.id, pixels };
})`;

const READY_EXPRESSION = "document.body !== null && document.body.dataset.chartsReady === 'true'";
const CHARTS_CREATED_EXPRESSION = 'typeof window.__holdfastCharts === "number" ? window.__holdfastCharts : null';

/** Only the page itself and inline URLs may load: a report that fetches anything is not self-contained. */
function isInlineUrl(url: string, pageUrl: string | null): boolean {
  return url === pageUrl || /^(about|data|blob):/.test(url);
}

function recordErrors(page: Page, pageUrl: string | null, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    errors.push(`dialog opened: ${dialog.type()} "${dialog.message()}"`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!isInlineUrl(request.url(), pageUrl)) errors.push(`network request: ${request.url()}`);
  });
}

function fileUrl(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/** The page's own URL: file:// for a path, none for inline HTML (Chromium shows about:blank). */
function pageUrlOf(source: PageSource): string | null {
  return 'path' in source ? fileUrl(source.path) : null;
}

async function load(page: Page, source: PageSource): Promise<void> {
  if ('html' in source) await page.setContent(source.html, { waitUntil: 'load' });
  else await page.goto(fileUrl(source.path), { waitUntil: 'load' });
}

/** Loads the page in a fresh context, waits for its charts, and measures each canvas. */
export async function checkChartsDrawn(source: PageSource, options: CheckOptions = {}): Promise<ChartCheck> {
  const browser = options.browser ?? (await launchChromium());
  try {
    return await checkInBrowser(browser, source, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  } finally {
    if (options.browser === undefined) await browser.close();
  }
}

async function checkInBrowser(browser: Browser, source: PageSource, readyTimeoutMs: number): Promise<ChartCheck> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    recordErrors(page, pageUrlOf(source), errors);
    await load(page, source);
    const ready = await page.waitForFunction(READY_EXPRESSION, undefined, { timeout: readyTimeoutMs }).then(
      () => true,
      () => false,
    );
    if (!ready) errors.push(`charts not ready after ${readyTimeoutMs} ms: the page's chart script did not finish`);
    const chartsCreated = (await page.evaluate(CHARTS_CREATED_EXPRESSION)) as number | null;
    const charts = (await page.evaluate(COUNT_DRAWN_PIXELS)) as ChartPixels[];
    return { title: await page.title(), charts, chartsCreated, errors: [...errors] };
  } finally {
    await context.close();
  }
}

export function isDrawn(chart: ChartPixels, minPixels = MIN_DRAWN_PIXELS): boolean {
  return chart.pixels >= minPixels;
}

/** `chart-latency: drawn (41,233 pixels)` or `chart-latency: BLANK (0 pixels)`. */
export function describeChart(chart: ChartPixels, minPixels = MIN_DRAWN_PIXELS): string {
  return (
    `${chart.id}: ${isDrawn(chart, minPixels) ? 'drawn' : 'BLANK'} ` +
    `(${chart.pixels.toLocaleString('en-US')} pixels)`
  );
}

/** Everything wrong with a checked page; empty when every chart drew and nothing failed. */
export function chartProblems(check: ChartCheck, minPixels = MIN_DRAWN_PIXELS): string[] {
  const blank = check.charts
    .filter((chart) => !isDrawn(chart, minPixels))
    .map((chart) => `blank chart: ${describeChart(chart, minPixels)}`);
  const noCharts = check.charts.length === 0 ? ['no chart canvas on the page'] : [];
  const miscounted =
    check.chartsCreated === check.charts.length
      ? []
      : [`window.__holdfastCharts is ${check.chartsCreated} but the page has ${check.charts.length} canvases`];
  return [...check.errors, ...noCharts, ...blank, ...miscounted];
}
