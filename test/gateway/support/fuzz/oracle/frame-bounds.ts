/** The frame bounds the oracle applies: engine operations and values, per request and per frame. */
import { FRAME_OPS_MAX, VALUES_PER_FRAME_MAX, VALUES_PER_REQUEST_MAX } from '../vocabulary.js';

/** A request's engine operations: a batch's ops or a syncMany's counts (when 1 to 10,000 of them), else one. */
export function operationsOfRequest(request: unknown): number {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 1;
  const { method, params } = request as { method?: unknown; params?: any };
  if (typeof params !== 'object' || params === null) return 1;
  const list = method === 'batch' ? params.ops : method === 'syncMany' ? params.requests : undefined;
  return Array.isArray(list) && list.length >= 1 && list.length <= 10_000 ? list.length : 1;
}

/** Values in decoded data (every array, map, map key and scalar), counted up to `cap + 1`. */
export function valuesIn(value: unknown, cap: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0 && count <= cap) {
    const next = stack.pop();
    count++;
    if (typeof next !== 'object' || next === null || ArrayBuffer.isView(next)) continue;
    if (Array.isArray(next)) for (let index = 0; index < next.length && index <= cap; index++) stack.push(next[index]);
    else
      for (const key of Object.keys(next)) {
        count++;
        stack.push((next as Record<string, unknown>)[key]);
      }
  }
  return Math.min(count, cap + 1);
}

/** Whether the gateway refuses the frame whole (-32600, id null) before running any of it. */
export function overFrameBounds(requests: readonly unknown[]): boolean {
  let operations = 0;
  for (const request of requests) {
    operations += operationsOfRequest(request);
    if (operations > FRAME_OPS_MAX) return true;
  }
  let values = 0;
  for (const request of requests) {
    const each = valuesIn(request, VALUES_PER_REQUEST_MAX);
    if (each > VALUES_PER_REQUEST_MAX) return true;
    values += each;
    if (values > VALUES_PER_FRAME_MAX) return true;
  }
  return false;
}
