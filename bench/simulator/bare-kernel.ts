import { Kernel } from '../../simulator/kernel/kernel.js';
import { opsPerSecond } from '../harness/case-result.js';

/**
 * The bare kernel: `events` no-op actions, 1,000 self-rescheduling streams at pseudo-random gaps. Events per second.
 */
export async function bareKernelEventsPerSecond(events: number): Promise<number> {
  const kernel = new Kernel();
  let left = events;
  let seed = 12345;
  const gapUs = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return 1 + (seed % 10_000);
  };
  const step = (): void => {
    if (--left > 0) kernel.after(gapUs(), step);
  };
  for (let stream = 0; stream < 1000; stream++) kernel.after(gapUs(), step);
  const startMs = performance.now();
  const ran = await kernel.run();
  return opsPerSecond(ran, performance.now() - startMs);
}
