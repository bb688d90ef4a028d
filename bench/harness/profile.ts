import type { Profile, ProfileName } from './types.js';

const FULL: Profile = {
  name: 'full',
  cases: null,
  warmupMs: 1000,
  durationMs: 4000,
  hotUnits: 1_000_000,
  recoveryRecords: 1_000_000,
  memorySkus: 1_000_000,
  memoryHolds: 1_000_000,
  redisHotUnits: 200_000,
  postgresHotUnits: 5_000,
  quietWaitMs: 5000,
};

/**
 * `full` and `ci` run every case; `engine`, `gateway` and `durability` run one area's cases (their ceilings are added
 * by the selection) with full's sizes and the timing the area's own driver had before the suite took it over.
 */
const PROFILES: Record<ProfileName, Profile> = {
  full: FULL,
  ci: {
    name: 'ci',
    cases: null,
    warmupMs: 300,
    durationMs: 1500,
    hotUnits: 200_000,
    recoveryRecords: 200_000,
    // 1M positions make a ~1.2 GB heap whose GCs take ~15 s to load; per-position bytes at 200k are within 2% of 1M's.
    memorySkus: 200_000,
    memoryHolds: 200_000,
    redisHotUnits: 50_000,
    postgresHotUnits: 1_000,
    quietWaitMs: 1000,
  },
  engine: {
    ...FULL,
    name: 'engine',
    cases: ['engine-uniform', 'engine-reserve-many', 'engine-paced', 'engine-hot-sku'],
  },
  gateway: {
    ...FULL,
    name: 'gateway',
    cases: ['gateway-batched', 'gateway-paced', 'gateway-single', 'gateway-reserve-many'],
    durationMs: 5000,
  },
  durability: { ...FULL, name: 'durability', cases: ['durability'], warmupMs: 500 },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as string[]).includes(name);
}

/** The named profile, with the measured pass overridden when `durationMs` is given. */
export function profileOf(name: ProfileName, durationMs?: number): Profile {
  const profile = { ...PROFILES[name] };
  if (durationMs !== undefined) profile.durationMs = durationMs;
  return profile;
}
