import type { SimulationResult } from '../model/types.js';
import type { PlanResult } from '../plan/types.js';
import { renderPage } from './page.js';
import { planCharts } from './plan-charts.js';
import { planSeries } from './plan-series.js';
import { capacityTable, planFacts, pointsTable } from './plan-tables.js';
import { simulationCharts } from './simulation-charts.js';
import { simulationFacts, strategyTable } from './simulation-tables.js';
import { checkedPlanResult, checkedSimulationResult } from './validate.js';

/**
 * The simulator's HTML reports (issue 6 §6): one self-contained page each (Chart.js, CSS and data
 * inline; nothing is fetched), safe to open from disk or attach to a ticket.
 */

/**
 * A `holdfast simulate` result as a page: header, naive vs holdfast table, five charts. Throws on a malformed result.
 */
export function renderSimulationHtml(result: SimulationResult): string {
  const checked = checkedSimulationResult(result);
  return renderPage({
    title: `holdfast simulation: ${checked.scenario}`,
    facts: simulationFacts(checked),
    sections: [
      { heading: 'Figures', tables: [strategyTable(checked.strategies)] },
      { heading: 'Charts', charts: simulationCharts(checked.strategies) },
    ],
  });
}

/**
 * A `holdfast plan` result as a page: capacity table, p99 and accepted-rate charts, every point. Throws on a malformed
 * result.
 */
export function renderPlanHtml(plan: PlanResult): string {
  const checked = checkedPlanResult(plan);
  const series = planSeries(checked);
  return renderPage({
    title: `holdfast capacity plan: ${checked.scenario}`,
    facts: planFacts(checked),
    sections: [
      { heading: 'Capacity', tables: [capacityTable(checked)] },
      { heading: 'Charts', charts: planCharts(checked, series) },
      { heading: 'Every point', tables: [pointsTable(series)] },
    ],
  });
}
