/**
 * One owner per data directory, as PostgreSQL's postmaster.pid and TigerBeetle's file lock do.
 *
 *   ${dataDir}/holdfast.lock   JSON { pid, processStartTicks, host, startedAt, tag }
 *
 * Node has no flock(2), so the lock is a file created exclusively and checked for liveness:
 *   - taking it: the content is written to a temporary file, then link(2)ed to the lock path,
 *     which fails with EEXIST when the lock exists: the lock is never seen half-written;
 *   - a lock whose holder is gone (no such pid, or the pid was reused by a process that started
 *     at another time: /proc/<pid>/stat's start time) is stale: it is renamed aside, checked
 *     again (the rename may have caught a fresh lock that replaced the stale one: it is linked
 *     back), and removed — so a holder killed with SIGKILL never blocks the next start, and two
 *     starters racing over a stale lock cannot both win;
 *   - a lock of a live process, this one included (a second engine in the same process), is
 *     DATA_DIR_LOCKED naming the directory and the holder's pid.
 * Why not a library: proper-lockfile judges staleness by mtime, so a SIGKILLed holder blocks
 * starts until its stale timeout; fs-ext's flock is a native addon. Liveness by pid answers at once.
 * A lock of another host (a shared file system) cannot be checked and is always treated as held.
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JournalError } from './errors.js';
import { fsyncDirectory } from './sync-io.js';

export const LOCK_FILE_NAME = 'holdfast.lock';
/** Attempts before giving up on a lock that keeps changing under us (each attempt is a few syscalls). */
const TAKE_ATTEMPTS_MAX = 8;

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  processStartTicks: number | null;
  host: string;
  startedAt: string;
  tag: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
  /** Whether the lock file on disk is still this one (someone may have deleted it by hand). */
  isHeld(): boolean;
}

/**
 * Takes the exclusive lock of `dataDir` (created if missing): DATA_DIR_LOCKED when a live process
 * holds it, DATA_DIR_INVALID when the path is not a usable directory.
 */
export function lockDataDir(dataDir: string, tag: string): DataDirLock {
  ensureDirectory(dataDir);
  const path = join(dataDir, LOCK_FILE_NAME);
  const holder: LockHolder = {
    pid: process.pid,
    processStartTicks: processStartTicks(process.pid),
    host: hostname(),
    startedAt: new Date().toISOString(),
    tag,
  };
  for (let attempt = 0; attempt < TAKE_ATTEMPTS_MAX; attempt++) {
    if (tryCreate(path, holder)) return heldLock(path, holder);
    const current = readHolder(path);
    if (current === 'missing') continue;
    if (current !== 'unreadable' && isAlive(current)) throw lockedError(dataDir, current);
    if (current === 'unreadable' && !olderThanMs(path, 2_000)) throw lockedError(dataDir, null);
    breakStaleLock(path, current);
  }
  throw new JournalError(
    'DATA_DIR_LOCKED',
    `data directory ${dataDir}: ${path} keeps changing; another process is taking it`,
  );
}

function heldLock(path: string, holder: LockHolder): DataDirLock {
  let released = false;
  const isHeld = (): boolean => {
    const current = readHolder(path);
    return typeof current === 'object' && sameHolder(current, holder);
  };
  return {
    path,
    holder,
    isHeld,
    release() {
      if (released) return;
      released = true;
      if (isHeld()) rmSync(path, { force: true });
    },
  };
}

/** Writes the holder to a temporary file and links it into place; false when a lock exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  const temporaryPath = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(temporaryPath, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporaryPath, path);
    fsyncDirectory(join(path, '..'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw invalidError(join(path, '..'), error);
  } finally {
    rmSync(temporaryPath, { force: true });
  }
}

/** Moves a stale lock aside; if what was moved is not the stale lock we judged, it goes back. */
function breakStaleLock(path: string, judged: LockHolder | 'unreadable'): void {
  const asidePath = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, asidePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(asidePath);
  const isJudged =
    judged === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && sameHolder(moved, judged);
  if (!isJudged) {
    try {
      linkSync(asidePath, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  rmSync(asidePath, { force: true });
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isSafeInteger(parsed.pid) || typeof parsed.host !== 'string') return 'unreadable';
    return {
      pid: parsed.pid as number,
      processStartTicks: typeof parsed.processStartTicks === 'number' ? parsed.processStartTicks : null,
      host: parsed.host,
      startedAt: String(parsed.startedAt ?? ''),
      tag: String(parsed.tag ?? ''),
    };
  } catch {
    return 'unreadable';
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return (
    a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.processStartTicks === b.processStartTicks
  );
}

/** A holder on this host whose pid runs and (where /proc tells) started when the lock says. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!pidRuns(holder.pid)) return false;
  if (holder.processStartTicks === null) return true;
  const ticks = processStartTicks(holder.pid);
  return ticks === null || ticks === holder.processStartTicks;
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name); null where unreadable. */
function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function olderThanMs(path: string, ageMs: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ageMs;
  } catch {
    return true;
  }
}

function ensureDirectory(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (error) {
    throw invalidError(dataDir, error);
  }
}

function lockedError(dataDir: string, holder: LockHolder | null): JournalError {
  const who =
    holder === null
      ? 'a process that is writing its lock file now'
      : `process ${holder.pid}${holder.tag === '' ? '' : ` (${holder.tag})`} ` +
        `on ${holder.host}, since ${holder.startedAt}`;
  return new JournalError(
    'DATA_DIR_LOCKED',
    `data directory ${dataDir} is in use by ${who}; stop it first (its lock: ${join(dataDir, LOCK_FILE_NAME)})`,
  );
}

function invalidError(dataDir: string, error: unknown): JournalError {
  const { code, message } = error as NodeJS.ErrnoException;
  return new JournalError(
    'DATA_DIR_INVALID',
    `data directory ${dataDir} cannot be used: ${code ?? ''} ${message}`.trim(),
    { cause: error },
  );
}
