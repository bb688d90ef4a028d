export { parseScenario, scenarioSchema, type Arrivals, type Catalogue, type Scenario } from './schema.js';
export { arrivalRateAt, arrivalTimesMs, peakArrivalRate } from './arrivals.js';
export { BUILT_IN_SCENARIOS } from './builtins.js';
