import cliProgress from 'cli-progress';

/** A progress bar on stderr for long runs (cli-progress); silent when stderr is not a terminal or when off. */
export interface Progress {
  update(label: string, fraction: number): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {percentage}% · {duration_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(label, fraction) {
      if (!started) {
        bar.start(100, 0, { label });
        started = true;
      }
      bar.update(Math.round(fraction * 100), { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
