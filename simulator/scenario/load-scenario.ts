import { readFile } from 'node:fs/promises';
import { BUILT_IN_SCENARIOS } from './builtins.js';
import { parseScenario, type Scenario } from './schema.js';

/** A scenario that could not be loaded: every problem, each naming its field path. Code SCENARIO_INVALID. */
export class ScenarioError extends Error {
  readonly code = 'SCENARIO_INVALID';
  override name = 'ScenarioError';

  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`scenario ${source}:\n  ${problems.join('\n  ')}`);
  }
}

/** A built-in scenario by name, or a JSON file by path (validated by the schema). */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const builtIn = BUILT_IN_SCENARIOS[nameOrPath];
  if (builtIn !== undefined && Object.hasOwn(BUILT_IN_SCENARIOS, nameOrPath)) return structuredClone(builtIn);
  if (!nameOrPath.endsWith('.json')) {
    throw new ScenarioError(nameOrPath, [
      `not a built-in scenario (${Object.keys(BUILT_IN_SCENARIOS).join(', ')}) nor a .json file`,
    ]);
  }
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (error) {
    throw new ScenarioError(nameOrPath, [`cannot read it: ${(error as Error).message}`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(nameOrPath, [`not JSON: ${(error as Error).message}`]);
  }
  const parsed = parseScenario(data);
  if (!parsed.ok) throw new ScenarioError(nameOrPath, parsed.problems);
  return parsed.scenario;
}

/** What the command line may change in a scenario, applied then re-validated. */
export interface ScenarioOverrides {
  durationMs?: number;
  shards?: number;
  /** Scales every arrival rate (baseline and spike peak). */
  rateScale?: number;
  /** A fixed one-way latency on the channel ↔ engine hops, in ms. */
  hopLatencyMs?: number;
}

export function withOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  const next = structuredClone(scenario);
  if (overrides.durationMs !== undefined) next.durationMs = overrides.durationMs;
  if (overrides.shards !== undefined) next.engine.shards = overrides.shards;
  if (overrides.rateScale !== undefined) {
    next.arrivals.baselinePerSecond *= overrides.rateScale;
    if (next.arrivals.spike !== null) next.arrivals.spike.peakPerSecond *= overrides.rateScale;
  }
  if (overrides.hopLatencyMs !== undefined) {
    next.latency.toEngine = { kind: 'fixed', ms: overrides.hopLatencyMs };
    next.latency.fromEngine = { kind: 'fixed', ms: overrides.hopLatencyMs };
  }
  const parsed = parseScenario(next);
  if (!parsed.ok) throw new ScenarioError(`${scenario.name} (with the command line's changes)`, parsed.problems);
  return parsed.scenario;
}
