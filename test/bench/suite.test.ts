/**
 * Proves the benchmark harness's own logic, without running a benchmark: rows (ratios to ceilings, references and
 * peers, targets, failed checks), floors and maxima, case selection (ceilings and inputs added, registry order), the
 * profiles, the results files, and the README section rendered from them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../bench/harness/case-result.js';
import { checkFloors, parseFloors } from '../../bench/harness/floors.js';
import {
  latestByCase,
  README_END_MARKER,
  README_START_MARKER,
  renderReadmeSection,
  replaceReadmeSection,
} from '../../bench/harness/readme-render.js';
import { CASES, selectCases } from '../../bench/harness/registry.js';
import { caseResultFile, type CaseResultFile, type RunInfo } from '../../bench/harness/results.js';
import { buildRows, type CaseRun } from '../../bench/harness/rows.js';
import { isProfileName, PROFILE_NAMES, profileOf } from '../../bench/harness/profile.js';
import type { CaseMeasurement, ProfileName, SuiteCase } from '../../bench/harness/types.js';

function fakeCase(name: string, extra: Partial<SuiteCase> = {}): SuiteCase {
  return {
    name,
    group: 'engine',
    summary: `${name} summary`,
    unit: 'ops/s',
    run: async () => {
      throw new Error('not run');
    },
    ...extra,
  };
}

function result(name: string, opsPerSecond: number, pass = true): CaseResult {
  return {
    name,
    description: `${name} description`,
    ops: opsPerSecond * 2,
    durationMs: 2000,
    opsPerSecond,
    latencyMeasures: 'issue → resolution',
    latencyUs: { count: 100, p50Us: 10, p99Us: 90, p999Us: 130, maxUs: 120 },
    checks: [{ name: 'accepted', expected: 5, actual: pass ? 5 : 4, pass }],
    details: { shards: 2 },
  };
}

function measuredRun(
  suiteCase: SuiteCase,
  opsPerSecond: number,
  extra: Partial<CaseMeasurement> = {},
  pass = true,
): CaseRun {
  return {
    suiteCase,
    status: 'measured',
    measurement: { result: result(suiteCase.name, opsPerSecond, pass), ...extra },
    environment: {},
  };
}

const ceiling = fakeCase('ceiling-x', { group: 'ceiling' });
const engine = fakeCase('engine-x', {
  ceiling: 'ceiling-x',
  references: ['loop-x'],
  peers: ['peer-a', 'peer-b'],
  targets: (own, lookup) => {
    const peer = lookup('peer-a');
    return [
      { name: 'throughput', goal: '>= 1000', measured: String(own.opsPerSecond), met: own.opsPerSecond >= 1000 },
      {
        name: '÷ peer-b',
        goal: '>= 2×',
        measured: 'x',
        met: lookup('peer-b') === undefined ? null : peer !== undefined,
      },
    ];
  },
});
const peerA = fakeCase('peer-a', { group: 'peer', needs: 'redis' });
const peerB = fakeCase('peer-b', { group: 'peer', needs: 'postgres' });

describe('bench suite: rows', () => {
  const runs: CaseRun[] = [
    measuredRun(ceiling, 4000),
    measuredRun(engine, 800),
    measuredRun(peerA, 200),
    { suiteCase: peerB, status: 'skipped', reason: 'no postgres: not installed', environment: {} },
  ];
  const rows = buildRows(runs);

  it('computes the ratio to the ceiling measured in the same run', () => {
    expect(rows[1].ceiling).toEqual({ case: 'ceiling-x', opsPerSecond: 4000, ratio: 0.2 });
    expect(rows[0].ceiling).toBeNull();
  });

  it('sets a case against its references that ran (none here)', () => {
    expect(rows[1].references).toEqual([]);
    const loop = fakeCase('loop-x', { group: 'ceiling' });
    const [, , row] = buildRows([measuredRun(ceiling, 4000), measuredRun(loop, 1600), measuredRun(engine, 800)]);
    expect(row.references).toEqual([{ case: 'loop-x', opsPerSecond: 1600, ratio: 0.5 }]);
  });

  it('computes holdfast ÷ each peer that ran, and lists the ones that did not', () => {
    expect(rows[1].peers).toEqual([{ case: 'peer-a', opsPerSecond: 200, ratio: 4 }]);
    expect(rows[1].peersMissing).toEqual(['peer-b']);
  });

  it("judges targets with the other cases' figures, null when a peer is missing", () => {
    expect(rows[1].targets.map((target) => target.met)).toEqual([false, null]);
  });

  it('keeps a skipped case with its reason and no figures', () => {
    expect(rows[3]).toMatchObject({
      status: 'skipped',
      reason: 'no postgres: not installed',
      figure: '—',
      ceiling: null,
      latencyUs: null,
    });
  });

  it('shows HDR percentiles no higher than the exact max', () => {
    expect(rows[1].latencyUs).toMatchObject({ p99Us: 90, p999Us: 120, maxUs: 120 });
  });

  it('uses a ceiling the case measured itself when it names none', () => {
    const own = fakeCase('recovery-x', { group: 'durability' });
    const [row] = buildRows([measuredRun(own, 100, { ownCeiling: { name: 'decode only', opsPerSecond: 400 } })]);
    expect(row.ceiling).toEqual({ case: 'decode only', opsPerSecond: 400, ratio: 0.25 });
  });

  it('collects failed checks and has no ratio when the ceiling failed', () => {
    const failedCeiling: CaseRun = { suiteCase: ceiling, status: 'failed', reason: 'crashed', environment: {} };
    const [, row] = buildRows([failedCeiling, measuredRun(engine, 800, {}, false)]);
    expect(row.ceiling).toBeNull();
    expect(row.checksFailed.map((item) => item.name)).toEqual(['accepted']);
  });
});

describe('bench suite: floors', () => {
  const floors = parseFloors(
    JSON.stringify({
      $comment: 'how they were chosen',
      ratioToCeiling: { 'engine-x': 0.25, 'absent-case': 0.5 },
      maxima: { 'memory-x': { bytesPerPosition: 600 } },
    }),
  );

  it('fails a ratio below its floor with a message naming the case, the ratio and the floor', () => {
    const rows = buildRows([measuredRun(ceiling, 4000), measuredRun(engine, 800)]);
    const [verdict] = checkFloors(rows, floors);
    expect(verdict.pass).toBe(false);
    expect(verdict.message).toContain('engine-x');
    expect(verdict.message).toContain('0.200');
    expect(verdict.message).toContain('0.25');
  });

  it('passes a ratio at or above its floor, and ignores cases that did not run', () => {
    const rows = buildRows([measuredRun(ceiling, 4000), measuredRun(engine, 1000)]);
    expect(checkFloors(rows, floors).map((verdict) => [verdict.case, verdict.pass])).toEqual([['engine-x', true]]);
  });

  it('does not judge a ratio whose ceiling did not measure', () => {
    const rows = buildRows([
      { suiteCase: ceiling, status: 'failed', reason: 'x', environment: {} },
      measuredRun(engine, 1000),
    ]);
    expect(checkFloors(rows, floors)[0].pass).toBeNull();
  });

  it('does not judge a ratio when other processes loaded the machine during the case or its ceiling', () => {
    const busy = parseFloors(JSON.stringify({ ratioToCeiling: { 'engine-x': 0.25 }, judgeBelowOtherLoadPercent: 25 }));
    const busyCeiling: CaseRun = {
      ...measuredRun(ceiling, 4000),
      environment: { otherProcessesCpuPercentOfMachine: 40 },
    };
    const [verdict] = checkFloors(buildRows([busyCeiling, measuredRun(engine, 800)]), busy);
    expect(verdict.pass).toBeNull();
    expect(verdict.message).toContain('40%');
    const quietCeiling: CaseRun = {
      ...measuredRun(ceiling, 4000),
      environment: { otherProcessesCpuPercentOfMachine: 24 },
    };
    expect(checkFloors(buildRows([quietCeiling, measuredRun(engine, 800)]), busy)[0].pass).toBe(false);
  });

  it('fails a metric above its maximum', () => {
    const memoryCase = fakeCase('memory-x', { group: 'memory' });
    const rows = buildRows([measuredRun(memoryCase, 1, { metrics: { bytesPerPosition: 700 } })]);
    const [verdict] = checkFloors(rows, floors);
    expect(verdict).toMatchObject({ case: 'memory-x', pass: false, measured: 700, bound: 600 });
    expect(verdict.message).toContain('bytesPerPosition');
  });

  it('rejects a malformed floors file naming the field', () => {
    expect(() => parseFloors('{"ratioToCeiling": {"engine-x": "high"}}')).toThrow(/ratioToCeiling\.engine-x/);
    expect(() => parseFloors('{"ratioToCeiling": {"engine-x": -1}}')).toThrow(/non-negative/);
  });

  it('bench/floors.json parses and names only cases of the registry that have a ceiling', () => {
    const repoFloors = parseFloors(readFileSync(new URL('../../bench/floors.json', import.meta.url), 'utf8'));
    // These measure their ceiling inside the case (decode only, the bare kernel): no `ceiling` to name.
    const ownCeilingCases = ['recovery', 'simulator-virtual'];
    for (const name of Object.keys(repoFloors.ratioToCeiling)) {
      const suiteCase = CASES.find((candidate) => candidate.name === name);
      expect(suiteCase, name).toBeDefined();
      expect(suiteCase?.ceiling !== undefined || ownCeilingCases.includes(name), `${name} has a ceiling`).toBe(true);
    }
    for (const name of Object.keys(repoFloors.maxima))
      expect(
        CASES.some((candidate) => candidate.name === name),
        name,
      ).toBe(true);
  });
});

describe('bench suite: case selection', () => {
  it('runs every case when nothing is selected', () => {
    expect(selectCases([]).cases).toHaveLength(CASES.length);
  });

  it('adds the ceilings a selected case is measured against, transitively, in registry order', () => {
    const { cases, unknown } = selectCases(['journal-fsync-always']);
    expect(unknown).toEqual([]);
    expect(cases.map((suiteCase) => suiteCase.name)).toEqual([
      'ceiling-transport-2',
      'engine-uniform',
      'journal-fsync-always',
    ]);
  });

  it('selects by group and reports unknown names', () => {
    const { cases, unknown } = selectCases(['peer', 'nope']);
    expect(cases.every((suiteCase) => suiteCase.group === 'peer')).toBe(true);
    expect(unknown).toEqual(['nope']);
  });

  it('names every case once, and every ceiling and peer it refers to exists earlier in the run', () => {
    const names = CASES.map((suiteCase) => suiteCase.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [index, suiteCase] of CASES.entries()) {
      if (suiteCase.ceiling !== undefined) expect(names.indexOf(suiteCase.ceiling), suiteCase.name).toBeLessThan(index);
      for (const peer of suiteCase.peers ?? []) expect(names, suiteCase.name).toContain(peer);
    }
  });

  it('runs every case a case takes inputs from before it, and adds them to a selection', () => {
    const names = CASES.map((suiteCase) => suiteCase.name);
    for (const [index, suiteCase] of CASES.entries()) {
      for (const input of suiteCase.inputs ?? []) {
        expect(names, suiteCase.name).toContain(input);
        expect(names.indexOf(input), suiteCase.name).toBeLessThan(index);
      }
    }
    expect(selectCases(['gateway-paced']).cases.map((suiteCase) => suiteCase.name)).toEqual([
      'ceiling-ws-echo-batched',
      'gateway-batched',
      'gateway-paced',
    ]);
  });
});

describe('bench suite: profiles', () => {
  it('full and ci run every case; every other profile names only known cases or groups', () => {
    for (const name of PROFILE_NAMES) {
      const profile = profileOf(name);
      expect(profile.name).toBe(name);
      if (name === 'full' || name === 'ci') expect(profile.cases, name).toBeNull();
      else expect(selectCases(profile.cases ?? []).unknown, name).toEqual([]);
    }
  });

  it("selects each area's cases with their ceilings (the old drivers' cases and the many-call cases)", () => {
    const casesOf = (name: ProfileName): string[] =>
      selectCases(profileOf(name).cases ?? []).cases.map((suiteCase) => suiteCase.name);
    expect(casesOf('engine')).toEqual([
      'ceiling-transport-2',
      'engine-uniform',
      'engine-reserve-many',
      'engine-paced',
      'engine-hot-sku',
    ]);
    expect(casesOf('gateway')).toEqual([
      'ceiling-ws-echo-batched',
      'ceiling-ws-echo-single',
      'gateway-batched',
      'gateway-paced',
      'gateway-single',
      'gateway-reserve-many',
    ]);
    expect(casesOf('durability')).toEqual([
      'ceiling-transport-2',
      'engine-uniform',
      'journal-fsync-off',
      'journal-fsync-interval',
      'journal-fsync-always',
      'recovery',
    ]);
    expect(profileOf('gateway')).toMatchObject({ warmupMs: 1000, durationMs: 5000 });
    expect(profileOf('durability')).toMatchObject({ warmupMs: 500, durationMs: 4000, recoveryRecords: 1_000_000 });
    expect(profileOf('engine')).toMatchObject({ warmupMs: 1000, durationMs: 4000, hotUnits: 1_000_000 });
  });

  it('overrides the measured pass when asked, and knows its names', () => {
    expect(profileOf('ci', 250).durationMs).toBe(250);
    expect(isProfileName('engine')).toBe(true);
    expect(isProfileName('fast')).toBe(false);
  });
});

describe('bench suite: results files and the README section', () => {
  const info: RunInfo = {
    profile: 'full',
    runStartedAt: '2026-11-27T01:00:00.000Z',
    revision: 'abc1234',
    command: '--profile full',
    machine: {
      cpuModel: 'AMD EPYC',
      cores: 2,
      totalMemoryBytes: 24 * 2 ** 30,
      nodeVersion: 'v20.20.2',
      platform: 'linux',
      osRelease: '6.1',
    },
  };
  const runs: CaseRun[] = [
    measuredRun(ceiling, 4000),
    measuredRun(engine, 800),
    measuredRun(peerA, 200),
    { suiteCase: peerB, status: 'skipped', reason: 'no postgres', environment: {} },
  ];
  const rows = buildRows(runs);
  const files = runs.map((run, index) => caseResultFile(info, run, rows[index], []));

  it('writes the machine, the latency percentiles, the ratio to the ceiling and the peers', () => {
    const file = files[1];
    expect(file).toMatchObject({
      suite: 'holdfast-bench-suite',
      case: 'engine-x',
      profile: 'full',
      opsPerSecond: 800,
      revision: 'abc1234',
    });
    expect(file.machine.cores).toBe(2);
    expect(file.latencyUs).toEqual({ p50: 10, p99: 90, p999: 120, max: 120, count: 100 });
    expect(file.ceiling?.ratio).toBe(0.2);
    expect(file.peers[0]).toMatchObject({ case: 'peer-a', ratio: 4 });
    expect(file.engineLatencyUsByShard).toBeNull();
  });

  it('keeps, for each case, its newest file of the profile asked for', () => {
    const older: CaseResultFile = { ...files[1], runStartedAt: '2026-11-26T00:00:00.000Z', opsPerSecond: 1 };
    const ci: CaseResultFile = {
      ...files[1],
      profile: 'ci',
      runStartedAt: '2026-11-28T00:00:00.000Z',
      opsPerSecond: 2,
    };
    const latest = latestByCase([older, files[1], ci], 'full');
    expect(latest).toHaveLength(1);
    expect(latest[0].opsPerSecond).toBe(800);
  });

  it('renders the hardware, a row per case (holdfast first), missed targets and skipped peers', () => {
    const section = renderReadmeSection(files, ['ceiling-x', 'engine-x', 'peer-a', 'peer-b']);
    expect(section.startsWith(README_START_MARKER)).toBe(true);
    expect(section.endsWith(README_END_MARKER)).toBe(true);
    expect(section).toContain('AMD EPYC, 2 cores, 24 GiB, Node 20.20.2');
    expect(section.indexOf('| engine-x |')).toBeLessThan(section.indexOf('| ceiling-x |'));
    expect(section).toContain('| engine-x | 800 ops/s | 10 | 90 | 120 | 120 | 20.0% of ceiling-x | 4.0× a |');
    expect(section).toContain('| engine-x: throughput | >= 1000 | 800 | **missed** |');
    expect(section).toContain('| peer-b | not measured (skipped) |');
    expect(section).toContain('`peer-b` was not measured: no postgres.');
  });

  it('marks the figures of a case during which other processes loaded the machine', () => {
    const busy: CaseResultFile = { ...files[2], environment: { otherProcessesCpuPercentOfMachine: 40 } };
    const section = renderReadmeSection([files[0], files[1], busy], []);
    expect(section).toContain('| peer-a | 200 ops/s ¹ |');
    expect(section).toContain('¹ Other processes took ≥ 10% of the machine during `peer-a` (40%)');
  });

  it('replaces only the text between the markers', () => {
    const readme = `# title\n\n## Performance\n\n${README_START_MARKER}\nold\n${README_END_MARKER}\n\n## Next\n`;
    const next = replaceReadmeSection(readme, `${README_START_MARKER}\nnew\n${README_END_MARKER}`);
    expect(next).toBe(`# title\n\n## Performance\n\n${README_START_MARKER}\nnew\n${README_END_MARKER}\n\n## Next\n`);
    expect(replaceReadmeSection(next, `${README_START_MARKER}\nnew\n${README_END_MARKER}`)).toBe(next);
  });

  it('refuses a README without the markers', () => {
    expect(() => replaceReadmeSection('# title\n', 'x')).toThrow(/bench:start/);
    expect(() => replaceReadmeSection(`${README_END_MARKER}\n${README_START_MARKER}`, 'x')).toThrow(/bench:start/);
  });
});
