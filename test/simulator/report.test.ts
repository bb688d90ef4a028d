/**
 * The simulator's HTML reports: self-contained pages whose tables carry every figure
 * and whose charts really draw, checked in headless Chromium (the system's, /usr/bin/chromium).
 * Without Chromium the browser checks are skipped, unless HOLDFAST_REQUIRE_BROWSER=1 (CI), where
 * they fail.
 *
 * From issue 6 §6.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Browser } from 'playwright-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationResult, StrategyName, StrategyReport, TimelinePoint } from '../../simulator/model/types.js';
import type { PlanPoint, PlanResult } from '../../simulator/plan/types.js';
import {
  chartProblems,
  checkChartsDrawn,
  CHROMIUM_PATH,
  hasChromium,
  launchChromium,
  MIN_DRAWN_PIXELS,
  type ChartCheck,
  type PageSource,
} from '../../simulator/report/browser-check.js';
import { chartLibraryPath } from '../../simulator/report/chart-library.js';
import { formatCents, formatCount, formatMs, formatShare } from '../../simulator/report/format.js';
import { escapeHtml, inlineJson, inlineScript } from '../../simulator/report/html-escape.js';
import { renderPlanHtml, renderSimulationHtml } from '../../simulator/report/html.js';

const TIMELINE_POINTS = 20;
const SAMPLE_INTERVAL_MS = 500;
const EVIL_SCENARIO = 'flash </script><script>alert(1)</script> & "sale"';
const SIMULATION_CHART_IDS = ['chart-latency', 'chart-queue', 'chart-availability', 'chart-compare', 'chart-accuracy'];
const PLAN_CHART_IDS = ['chart-plan', 'chart-plan-accepted'];
const BROWSER_TEST_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Fixtures: realistic shapes; naive oversells and drifts, holdfast does not.

function timeline(strategy: StrategyName): TimelinePoint[] {
  const naive = strategy === 'naive';
  return Array.from({ length: TIMELINE_POINTS }, (_, i) => {
    const sellableUnits = Math.max(0, 20_000 - i * 900);
    const spike = Math.sin((i / (TIMELINE_POINTS - 1)) * Math.PI);
    return {
      tMs: i * SAMPLE_INTERVAL_MS,
      queueDepth: Math.round(spike * (naive ? 4_000 : 350)),
      availableUnits: naive ? sellableUnits + Math.round(spike * 1_500) : sellableUnits,
      sellableUnits,
      offeredPerSecond: Math.round(2_000 + spike * 8_000),
      acceptedPerSecond: Math.round((2_000 + spike * 8_000) * (naive ? 0.97 : 0.9)),
      accuracy: naive ? 1 - spike * 0.12 : 1,
    };
  });
}

function strategyReport(strategy: StrategyName): StrategyReport {
  const naive = strategy === 'naive';
  return {
    strategy,
    orders: {
      offered: 61_234,
      accepted: naive ? 58_001 : 54_310,
      stockouts: naive ? 3_233 : 6_924,
      shed: naive ? 0 : 12,
      abandoned: 4_100,
      paymentFailed: 610,
      lapsed: naive ? 0 : 37,
      paid: naive ? 53_291 : 49_600,
      fulfilled: naive ? 51_947 : 49_600,
      cancelled: naive ? 1_344 : 0,
      unfinished: 0,
    },
    units: {
      offered: 97_000,
      accepted: naive ? 92_100 : 86_400,
      shipped: naive ? 82_300 : 79_100,
      oversold: naive ? 2_187 : 0,
      returned: 800,
      restocked: 720,
      damaged: 80,
    },
    fulfilmentExceptionRate: naive ? 0.0252 : 0,
    inventoryAccuracy: naive ? 0.9237 : 1,
    returnsReconcileMs: naive ? { count: 800, mean: 30_512.4, max: 119_870 } : { count: 800, mean: 1.734, max: 12.9 },
    stockoutRate: naive ? 0.0747 : 0.1131,
    averageOrderValueCents: 18_250,
    lostRevenueCents: naive ? 83_482_117 : 126_392_541,
    acceptanceLatencyMs: naive
      ? { count: 61_234, p50: 0.412, p90: 1.07, p99: 3.81, p999: 9.6, max: 14.2, mean: 0.62 }
      : { count: 61_234, p50: 1.236, p90: 4.52, p99: 18.74, p999: 61.3, max: 1_234.5, mean: 2.1 },
    queueDepthMax: naive ? 4_000 : 350,
    shardQueueDepthMax: naive ? null : 120,
    unexpectedRefusals: 0,
    eventsRun: 1_234_567,
    timeline: timeline(strategy),
  };
}

function simulationResult(strategies: StrategyName[], scenario = 'flash-sale'): SimulationResult {
  return {
    scenario,
    seed: 42,
    mode: 'virtual',
    durationMs: (TIMELINE_POINTS - 1) * SAMPLE_INTERVAL_MS,
    engine: { shards: 4, serviceUsPerOp: 25, maxInFlightOpsPerShard: 1_024 },
    strategies: strategies.map(strategyReport),
  };
}

const PLAN_RATES_PER_SECOND = [1_000, 2_000, 4_000, 8_000, 16_000];
const PLAN_SHARDS = [1, 4];
const PLAN_LATENCIES_MS = [null, 50];
const SLO_P99_MS = 50;

function planPoint(ratePerSecond: number, shards: number, latencyMs: number | null): PlanPoint {
  const load = ratePerSecond / (shards * 5_000);
  const p99Ms = (latencyMs ?? 2) * 2 + (load < 1 ? 5 / (1 - load * 0.9) : 400 * load);
  const shedOrders = load > 1.5 ? Math.round(ratePerSecond * 0.1) : 0;
  return {
    ratePerSecond,
    shards,
    latencyMs,
    p99Ms,
    p50Ms: p99Ms / 4,
    acceptedPerSecond: Math.min(ratePerSecond, shards * 5_000) * 0.95,
    oversoldUnits: 0,
    shedOrders,
    unexpectedRefusals: 0,
    queueDepthMax: Math.round(load * 900),
    meetsSlo: p99Ms <= SLO_P99_MS && shedOrders === 0,
  };
}

function planResult(): PlanResult {
  const points = PLAN_SHARDS.flatMap((shards) =>
    PLAN_LATENCIES_MS.flatMap((latencyMs) => PLAN_RATES_PER_SECOND.map((rate) => planPoint(rate, shards, latencyMs))),
  );
  const capacity = PLAN_SHARDS.flatMap((shards) =>
    PLAN_LATENCIES_MS.map((latencyMs) => {
      const meeting = points.filter((p) => p.shards === shards && p.latencyMs === latencyMs && p.meetsSlo);
      const maxRatePerSecond = meeting.length === 0 ? null : Math.max(...meeting.map((p) => p.ratePerSecond));
      return { shards, latencyMs, maxRatePerSecond, highestPassingRatePerSecond: maxRatePerSecond };
    }),
  );
  return {
    scenario: 'flash-sale',
    seed: 7,
    sloP99Ms: SLO_P99_MS,
    serviceUsPerOp: 25,
    durationMs: 50_000,
    points,
    capacity,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a page back.

/** Every table row's cells (as HTML text), in page order. */
function tableRows(html: string): string[][] {
  const rows = html.match(/<tr>.*?<\/tr>/g) ?? [];
  return rows.map((row) => [...row.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((cell) => cell[1]));
}

/** The cells of the first table row whose first cell is `label`. */
function tableRow(html: string, label: string): string[] | undefined {
  return tableRows(html).find((row) => row[0] === escapeHtml(label));
}

/** The header's facts, label → value (as HTML text). */
function facts(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/g)].map((match) => [match[1], match[2]]));
}

/** Whether the page contains `text`, without printing a 200 kB page when it does not. */
function pageHas(html: string, text: string | RegExp): boolean {
  return typeof text === 'string' ? html.includes(text) : text.test(html);
}

/** The page's <title> text (as HTML text). */
function pageTitle(html: string): string | undefined {
  return /<title>(.*?)<\/title>/.exec(html)?.[1];
}

interface InlineChart {
  id: string;
  config: { data: { datasets: { label: string }[] } };
}

function inlineCharts(html: string): InlineChart[] {
  const json = /<script type="application\/json" id="holdfast-chart-data">(.*?)<\/script>/s.exec(html)?.[1];
  if (json === undefined) throw new Error('no inline chart data');
  return JSON.parse(json) as InlineChart[];
}

function datasetLabels(html: string): string[] {
  return inlineCharts(html).flatMap((chart) => chart.config.data.datasets.map((dataset) => dataset.label));
}

function expectSelfContained(html: string): void {
  expect(pageHas(html, /src="http/i), 'src="http…"').toBe(false);
  expect(pageHas(html, /<link/i), '<link>').toBe(false);
  expect(pageHas(html, /<(script|img|iframe)[^>]*\ssrc=/i), 'an element with src=').toBe(false);
}

// ---------------------------------------------------------------------------------------------

describe('simulation report page', () => {
  const html = renderSimulationHtml(simulationResult(['naive', 'holdfast']));

  it('is self-contained: Chart.js and the data inline, nothing fetched', () => {
    expectSelfContained(html);
    expect(html.length).toBeGreaterThan(150_000);
    expect(pageHas(html, 'Chart.js v4'), 'the Chart.js bundle inline').toBe(true);
  });

  it('names the run in its header', () => {
    expect(pageTitle(html)).toBe('holdfast simulation: flash-sale');
    expect(facts(html)).toEqual({
      Scenario: 'flash-sale',
      Seed: '42',
      Mode: 'virtual',
      Duration: '9.5 s',
      'Engine shards': '4',
      'Service time per op': '25 µs',
      'Max in-flight ops per shard': '1,024',
    });
  });

  it('puts every strategy figure side by side, naive first, formatted', () => {
    expect(tableRow(html, 'Figure')).toEqual(['Figure', 'naive', 'holdfast']);
    const expected: Record<string, [string, string]> = {
      'Oversold units': ['2,187', '0'],
      'Cancellations (paid orders)': ['1,344', '0'],
      Stockouts: ['3,233', '6,924'],
      'Fulfilment exception rate': ['2.5 %', '0 %'],
      'Inventory accuracy': ['92.4 %', '100 %'],
      'Returns reconcile mean': ['30,512 ms', '1.73 ms'],
      'Returns reconcile max': ['119,870 ms', '12.9 ms'],
      'Stockout rate': ['7.5 %', '11.3 %'],
      'Holds lapsed before payment': ['0', '37'],
      'Unexpected engine refusals': ['0', '0'],
      'Average order value': ['182.50', '182.50'],
      'Lost revenue': ['834,821.17', '1,263,925.41'],
      'Acceptance latency p50': ['0.412 ms', '1.24 ms'],
      'Acceptance latency p90': ['1.07 ms', '4.52 ms'],
      'Acceptance latency p99': ['3.81 ms', '18.7 ms'],
      'Acceptance latency p99.9': ['9.6 ms', '61.3 ms'],
      'Acceptance latency max': ['14.2 ms', '1,235 ms'],
    };
    for (const [label, values] of Object.entries(expected))
      expect(tableRow(html, label), label).toEqual([label, ...values]);
  });

  it('orders the strategies naive first whatever order the result lists them in', () => {
    const reversed = renderSimulationHtml(simulationResult(['holdfast', 'naive']));
    expect(tableRow(reversed, 'Figure')).toEqual(['Figure', 'naive', 'holdfast']);
  });

  it('inlines five charts with stable ids, timelines as {x: seconds, y} series', () => {
    const charts = inlineCharts(html);
    expect(charts.map((chart) => chart.id)).toEqual(SIMULATION_CHART_IDS);
    for (const id of SIMULATION_CHART_IDS) expect(pageHas(html, `<canvas id="${id}"`), id).toBe(true);
    expect(datasetLabels(html)).toEqual(
      expect.arrayContaining([
        'naive',
        'holdfast',
        'naive: available',
        'naive: sellable (truth)',
        'holdfast: available',
        'holdfast: sellable (truth)',
      ]),
    );
    const queue = charts.find((chart) => chart.id === 'chart-queue')!.config.data.datasets as unknown as {
      data: { x: number; y: number }[];
    }[];
    expect(queue[0].data).toHaveLength(TIMELINE_POINTS);
    expect(queue[0].data[1]).toEqual({ x: SAMPLE_INTERVAL_MS / 1000, y: expect.any(Number) });
  });

  it('disables animation on every chart', () => {
    for (const chart of inlineCharts(html))
      expect((chart.config as unknown as { options: { animation: unknown } }).options.animation, chart.id).toBe(false);
  });

  it('handles a result with one strategy: no naive column, no naive series', () => {
    const single = renderSimulationHtml(simulationResult(['holdfast']));
    expect(tableRow(single, 'Figure')).toEqual(['Figure', 'holdfast']);
    expect(tableRow(single, 'Oversold units')).toEqual(['Oversold units', '0']);
    expect(inlineCharts(single).map((chart) => chart.id)).toEqual(SIMULATION_CHART_IDS);
    expect(datasetLabels(single).filter((label) => label.includes('naive'))).toEqual([]);
  });

  it('escapes a hostile scenario name: text in the page, no script break-out', () => {
    const evil = renderSimulationHtml(simulationResult(['naive', 'holdfast'], EVIL_SCENARIO));
    expect(pageHas(evil, '<script>alert(1)'), 'a raw injected script').toBe(false);
    const escaped = 'flash &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;sale&quot;';
    expect(pageTitle(evil)).toBe(`holdfast simulation: ${escaped}`);
    expect(facts(evil).Scenario).toBe(escaped);
    expect(evil.match(/<script/g)).toHaveLength(3);
    expect(evil.match(/<\/script>/g)).toHaveLength(3);
  });

  it('rejects a malformed result, naming the field', () => {
    const { strategies: _, ...noStrategies } = simulationResult(['naive']);
    expect(() => renderSimulationHtml(noStrategies as SimulationResult)).toThrow(
      /simulation result\.strategies: expected an array/,
    );
    expect(() => renderSimulationHtml({ ...simulationResult([]) })).toThrow(/no strategy was run/);
    expect(() => renderSimulationHtml(simulationResult(['naive', 'naive']))).toThrow(/appears twice/);
    const badTimeline = simulationResult(['holdfast']);
    (badTimeline.strategies[0] as { timeline: unknown }).timeline = undefined;
    expect(() => renderSimulationHtml(badTimeline)).toThrow(/strategies\[0\]\.timeline: expected an array/);
    expect(() => renderSimulationHtml(null as unknown as SimulationResult)).toThrow(/expected an object/);
  });
});

describe('plan report page', () => {
  const plan = planResult();
  const html = renderPlanHtml(plan);

  it('is self-contained and names the plan', () => {
    expectSelfContained(html);
    expect(pageTitle(html)).toBe('holdfast capacity plan: flash-sale');
    expect(facts(html).SLO).toBe('p99 ≤ 50 ms, nothing oversold, nothing shed');
  });

  it('tabulates the capacity per shard count and latency, and every point', () => {
    const rows = tableRows(html);
    const capacityStart = rows.findIndex((row) => row[0] === 'Shards');
    expect(rows.slice(capacityStart, capacityStart + 5)).toEqual([
      ['Shards', 'Latency', 'Max rate meeting the SLO'],
      ['1', 'scenario latency', '4,000/s'],
      ['1', '50 ms injected', 'none of the swept rates'],
      ['4', 'scenario latency', '16,000/s'],
      ['4', '50 ms injected', 'none of the swept rates'],
    ]);
    expect(rows.filter((row) => / shards?, /.test(row[0]))).toHaveLength(plan.points.length);
    expect(tableRow(html, '4 shards, scenario latency')).toEqual([
      '4 shards, scenario latency',
      '1,000/s',
      '950/s',
      '2.31 ms',
      '9.24 ms',
      '0',
      '0',
      '45',
      'yes',
    ]);
    expect(tableRow(html, '1 shard, scenario latency')).toEqual([
      '1 shard, scenario latency',
      '1,000/s',
      '950/s',
      '2.52 ms',
      '10.1 ms',
      '0',
      '0',
      '180',
      'yes',
    ]);
  });

  it('draws p99 and accepted rate per series, with the SLO and the offered line', () => {
    const charts = inlineCharts(html);
    expect(charts.map((chart) => chart.id)).toEqual(PLAN_CHART_IDS);
    const [p99, accepted] = charts.map((chart) => chart.config.data.datasets.map((dataset) => dataset.label));
    const series = [
      '1 shard, scenario latency',
      '1 shard, 50 ms injected',
      '4 shards, scenario latency',
      '4 shards, 50 ms injected',
    ];
    expect(p99).toEqual([...series, 'SLO 50 ms']);
    expect(accepted).toEqual([...series, 'offered']);
  });

  it('labels series by shard count alone when the sweep has one latency setting', () => {
    const oneLatency = planResult();
    oneLatency.points = oneLatency.points.filter((point) => point.latencyMs === null);
    expect(datasetLabels(renderPlanHtml(oneLatency))).toContain('4 shards');
  });

  it('rejects a malformed plan', () => {
    expect(() => renderPlanHtml({ ...plan, points: undefined } as unknown as PlanResult)).toThrow(
      /plan result\.points: expected an array/,
    );
    expect(() => renderPlanHtml({ ...plan, points: [{ ...plan.points[0], p99Ms: Number.NaN }] })).toThrow(
      /points\[0\]\.p99Ms/,
    );
  });
});

describe('report building blocks', () => {
  it('formats figures readably', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatMs(0.012345)).toBe('0.0123 ms');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(4_321.2)).toBe('4,321 ms');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatCents(123_456)).toBe('1,234.56');
    expect(formatCents(5)).toBe('0.05');
    expect(formatShare(0.12345)).toBe('12.3 %');
    expect(formatCount(Number.NaN)).toBe('—');
  });

  it('inlines JSON that cannot close its script element and still parses back', () => {
    const value = { name: '</script><!-- \u2028 & >' };
    const json = inlineJson(value);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('inlines script source without a closing tag', () => {
    expect(inlineScript('var s = "</SCRIPT><!--";')).toBe('var s = "<\\/SCRIPT><\\!--";');
  });

  it('finds Chart.js UMD build next to the package entry', () => {
    expect(chartLibraryPath()).toMatch(/chart\.js[\\/]dist[\\/]chart\.umd\.min\.js$/);
  });
});

// ---------------------------------------------------------------------------------------------
// The real check: every chart draws in a browser.

const chromiumAvailable = hasChromium();
const browserRequired = process.env.HOLDFAST_REQUIRE_BROWSER === '1';
const browserSuiteName =
  chromiumAvailable || browserRequired
    ? 'report pages in headless Chromium'
    : `report pages in headless Chromium (SKIPPED: no ${CHROMIUM_PATH}; apt-get ` +
      `install -y chromium, or set HOLDFAST_REQUIRE_BROWSER=1 to fail instead)`;

function expectAllDrawn(check: ChartCheck, ids: string[]): void {
  expect(chartProblems(check)).toEqual([]);
  expect(check.chartsCreated).toBe(ids.length);
  expect(check.charts.map((chart) => chart.id)).toEqual(ids);
  for (const chart of check.charts) expect(chart.pixels, chart.id).toBeGreaterThan(MIN_DRAWN_PIXELS);
}

describe.skipIf(!chromiumAvailable && !browserRequired)(browserSuiteName, { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let tempDir = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!chromiumAvailable) {
      throw new Error(
        `HOLDFAST_REQUIRE_BROWSER=1 but Chromium is missing at ${CHROMIUM_PATH}: apt-get install -y chromium`,
      );
    }
    tempDir = mkdtempSync(join(tmpdir(), 'holdfast-report-'));
    browser = await launchChromium();
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });

  /** One browser for the suite, a fresh context per page. */
  function check(source: PageSource, readyTimeoutMs?: number): Promise<ChartCheck> {
    return checkChartsDrawn(source, { browser, readyTimeoutMs });
  }

  it('draws all five simulation charts, both strategies', async () => {
    expectAllDrawn(
      await check({ html: renderSimulationHtml(simulationResult(['naive', 'holdfast'])) }),
      SIMULATION_CHART_IDS,
    );
  });

  it('draws all five simulation charts with one strategy', async () => {
    expectAllDrawn(await check({ html: renderSimulationHtml(simulationResult(['holdfast'])) }), SIMULATION_CHART_IDS);
  });

  it('opened from a file, a hostile scenario name stays text: no dialog, the title reads back', async () => {
    const path = join(tempDir, 'evil.html');
    writeFileSync(path, renderSimulationHtml(simulationResult(['naive', 'holdfast'], EVIL_SCENARIO)));
    const result = await check({ path });
    expectAllDrawn(result, SIMULATION_CHART_IDS);
    expect(result.title).toBe(`holdfast simulation: ${EVIL_SCENARIO}`);
  });

  it('draws the charts of a run that accepted nothing (zero latencies on the log scale)', async () => {
    const result = simulationResult(['holdfast']);
    result.strategies[0].acceptanceLatencyMs = { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    expectAllDrawn(await check({ html: renderSimulationHtml(result) }), SIMULATION_CHART_IDS);
  });

  it('draws both plan charts', async () => {
    expectAllDrawn(await check({ html: renderPlanHtml(planResult()) }), PLAN_CHART_IDS);
  });

  it('reports a page that throws and a chart that never drew', async () => {
    const html = renderPlanHtml(planResult())
      .replace('<div class="charts">', '<div class="charts"><canvas id="chart-never"></canvas>')
      .replace('window.__holdfastCharts = created;', "throw new Error('bootstrap broke');");
    const problems = chartProblems(await check({ html }, 1_000));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('page error: bootstrap broke'),
        expect.stringContaining('charts not ready'),
        'blank chart: chart-never: BLANK (0 pixels)',
        'window.__holdfastCharts is null but the page has 3 canvases',
      ]),
    );
  });
});
