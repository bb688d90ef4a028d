/** A `holdfast serve` child process started by a test, once it prints where it listens. */
import { spawn, type ChildProcess } from 'node:child_process';
import { withDeadline } from './helpers.js';

export interface ServeChild {
  child: ChildProcess;
  /** The ws:// or wss:// url it printed. */
  url: string;
  /** Everything it printed so far. */
  output(): { stdout: string; stderr: string };
}

/**
 * Spawns `command args` and resolves once stdout has a url matching `urlPattern` (its first
 * group, or the whole match) and the health/metrics line; rejects when the child exits first.
 */
export async function spawnServe(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; urlPattern: RegExp; what: string; timeoutMs?: number },
): Promise<ServeChild> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = options.urlPattern.exec(stdout);
      if (match !== null && stdout.includes('metrics:')) resolve(match[1] ?? match[0]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stdout} ${stderr}`)));
  });
  const output = () => ({ stdout, stderr });
  try {
    return { child, url: await withDeadline(ready, options.timeoutMs ?? 15_000, options.what), output };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
