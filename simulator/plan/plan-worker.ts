import { measurePoint, type PointTask } from './sweep.js';
import type { PlanPoint } from './types.js';

/** piscina's task function: one sweep point in (its scenario, seed, SLO), its PlanPoint out. */
export default function planWorker(task: PointTask): Promise<PlanPoint> {
  return measurePoint(task);
}
