import type { CaseResult } from './case-result.js';

export type ProfileName = 'full' | 'ci' | 'engine' | 'gateway' | 'durability';

/**
 * How long and how big each case runs, and which cases: `full` for the README's figures, `ci` for the quick run after
 * the tests, `engine`, `gateway` and `durability` for one area's cases at the timing its own driver used to have.
 */
export interface Profile {
  name: ProfileName;
  /** The cases (names or groups) a run of this profile selects when `--cases` is not given; null: every case. */
  cases: readonly string[] | null;
  /** Unmeasured pass before each throughput case's measured pass. */
  warmupMs: number;
  /** Each throughput case's measured pass. */
  durationMs: number;
  /** Units of the hot SKU (engine); attempts are twice as many. */
  hotUnits: number;
  /** Journal records of the recovery case (one op each), and ops of its batched variant. */
  recoveryRecords: number;
  /** SKUs loaded in the memory case (one position each). */
  memorySkus: number;
  /** Live holds added in the memory case. */
  memoryHolds: number;
  /** Units of the hot SKU for Redis and PostgreSQL (attempts are twice as many). */
  redisHotUnits: number;
  postgresHotUnits: number;
  /** Before each case: wait up to this long for the cores to be ≥ 90 % idle. */
  quietWaitMs: number;
}

/** Where the peer servers are (null: not available in this run). */
export interface PeerEndpoints {
  redisUrl: string | null;
  postgresUrl: string | null;
}

export interface CaseContext {
  profile: Profile;
  peers: PeerEndpoints;
  /** Throughput of the cases named in the case's `inputs` that measured earlier in this run. */
  inputs: Record<string, number>;
}

/** A ceiling measured inside the case itself (e.g. recovery's decode-only read of the same files). */
export interface OwnCeiling {
  name: string;
  opsPerSecond: number;
}

/** What a case's child process hands back. */
export interface CaseMeasurement {
  result: CaseResult;
  /** Figures that are not throughput (bytes per position, recovery ms…). */
  metrics?: Record<string, number>;
  ownCeiling?: OwnCeiling;
}

/** A case that finds, once running, that it cannot measure here: skipped with this one line. */
export interface CaseSkip {
  skipped: string;
}

export type CaseGroup = 'ceiling' | 'engine' | 'gateway' | 'durability' | 'memory' | 'simulator' | 'peer';

export type PeerName = 'redis' | 'postgres';

/**
 * A target: printed with the measured figure, never failed on. `met: null`: could not be judged (e.g. the peer was
 * skipped).
 */
export interface SuiteTarget {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

/** Another case's figures, as targets and ratios see them. */
export interface CaseFigures {
  opsPerSecond: number;
  metrics: Record<string, number>;
}

export type FigureLookup = (caseName: string) => CaseFigures | undefined;

export interface SuiteCase {
  name: string;
  group: CaseGroup;
  /** One line for the table notes and the README. */
  summary: string;
  /** What the throughput figure counts, per second ('ops/s', 'attempts/s', 'events/s', 'records/s'). */
  unit: string;
  /** The case whose throughput is this case's ceiling (run first, in the same run). */
  ceiling?: string;
  /**
   * Cases this one is set against for reference (e.g. the ledger loop for every engine case): their ratio is printed,
   * no floor.
   */
  references?: string[];
  /**
   * Cases whose throughput this case's run reads (CaseContext.inputs), e.g. the paced gateway case paces at half the
   * batched case's rate: run before it, and added to a selection as ceilings are.
   */
  inputs?: string[];
  /** Peer cases this case is compared with: holdfast ÷ peer. */
  peers?: string[];
  /** The peer server this case measures (the suite provides it, or skips the case). */
  needs?: PeerName;
  /** Why the case cannot run on this checkout (null: it can); the suite skips it with that one line. */
  unavailable?: () => string | null;
  /** Node flags for the case's child process (e.g. --expose-gc). */
  nodeArgs?: string[];
  /** The headline figure when it is not throughput (memory, recovery). */
  figure?: (measurement: CaseMeasurement) => string;
  targets?: (own: CaseFigures, lookup: FigureLookup) => SuiteTarget[];
  /** Runs in the child process. */
  run(context: CaseContext): Promise<CaseMeasurement | CaseSkip>;
}
