/** The simulator as a library (`holdfast/simulator`): what `holdfast simulate` and `holdfast plan` run. */
export { runSimulation, defaultSampleIntervalMs, type SimulationOptions, type RemoteEngine } from './run.js';
export { runReplay, type ReplayRunOptions } from './replay-run.js';
export { BUILT_IN_SCENARIOS } from './scenario/builtins.js';
export { parseScenario, scenarioSchema, type Scenario } from './scenario/schema.js';
export { loadScenario, withOverrides, ScenarioError, type ScenarioOverrides } from './scenario/load-scenario.js';
export { readTrace, TraceError } from './trace/read-trace.js';
export { TraceWriter } from './trace/trace-writer.js';
export type { ReplayReport } from './trace/replay.js';
export type { TraceEvent, TraceOp } from './trace/schema.js';
export { renderSimulationHtml, renderPlanHtml } from './report/html.js';
export type * from './model/types.js';
export type * from './plan/types.js';
