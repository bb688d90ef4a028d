/**
 * `holdfast serve` failing to start: one line `holdfast serve: <CODE>: <message>` on stderr and
 * exit status 2, never a stack trace. A coded error (the engine's, the journal's: JOURNAL_CORRUPT,
 * DATA_DIR_LOCKED, DATA_DIR_INVALID, RECOVERY_FAILED, INVALID_ARGUMENT, …) keeps its code; the
 * system errors of listening get the codes below; anything else is STARTUP_FAILED.
 */
export const STARTUP_ERROR_CODES = {
  ADDRESS_IN_USE: 'another process already listens on --host:--port',
  ADDRESS_NOT_PERMITTED: 'this user may not listen on --host:--port (ports below 1024 need privileges)',
  ADDRESS_UNAVAILABLE: '--host is not an address of this machine, or does not resolve',
  STARTUP_FAILED: 'any other failure to start that carries no code; the message says what failed',
} as const;

export type StartupErrorCode = keyof typeof STARTUP_ERROR_CODES;

/** Exit status of a failed start (1 stays for failures after the server was up). */
export const STARTUP_EXIT_STATUS = 2;

export interface StartupContext {
  host: string;
  port: number;
  /** null: in memory only. */
  dataDir: string | null;
}

export interface StartupFailure {
  code: string;
  message: string;
}

/** System errors about the data directory (they can reach us from a shard worker with the code in the message). */
const DATA_DIR_ERRNO = new Set([
  'ENOTDIR',
  'EISDIR',
  'EEXIST',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOENT',
  'ELOOP',
  'ENAMETOOLONG',
]);
const LISTEN_SYSCALLS = new Set(['listen', 'bind', 'getaddrinfo']);
const CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;
const MESSAGE_LENGTH_MAX = 2_000;

/** The code and one-line message for an error thrown while starting. */
export function startupFailure(error: unknown, context: StartupContext): StartupFailure {
  const { code, syscall } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    syscall?: unknown;
  };
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (typeof syscall === 'string' && LISTEN_SYSCALLS.has(syscall)) {
    const listening = listenFailure(typeof code === 'string' ? code : '', context, message);
    if (listening !== null) return listening;
  }
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) return { code: 'STARTUP_FAILED', message };
  if (DATA_DIR_ERRNO.has(code) && context.dataDir !== null) {
    return { code: 'DATA_DIR_INVALID', message: `data directory ${context.dataDir} cannot be used: ${message}` };
  }
  return { code, message };
}

/** The line printed on stderr. */
export function startupLine(failure: StartupFailure): string {
  return `holdfast serve: ${failure.code}: ${failure.message}`;
}

function listenFailure(code: string, context: StartupContext, message: string): StartupFailure | null {
  const where = `${context.host.includes(':') ? `[${context.host}]` : context.host}:${context.port}`;
  if (code === 'EADDRINUSE')
    return {
      code: 'ADDRESS_IN_USE',
      message: `${where} is already in use (is another server running? choose another --port)`,
    };
  if (code === 'EACCES' || code === 'EPERM')
    return { code: 'ADDRESS_NOT_PERMITTED', message: `may not listen on ${where} (${message})` };
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return {
      code: 'ADDRESS_UNAVAILABLE',
      message: `cannot listen on ${where}: ${context.host} is not an address of this machine (${message})`,
    };
  }
  return null;
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > MESSAGE_LENGTH_MAX ? `${line.slice(0, MESSAGE_LENGTH_MAX)}…` : line;
}
