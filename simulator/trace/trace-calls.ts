import type { Refusal } from '../../engine/api/errors.js';
import type { AllocationApi } from '../model/types.js';
import type { TraceEvent, TraceOp, TraceRequest } from './schema.js';

/** What the replay needs of an answer: whether it was ok, and the refusal's code when not. */
export type TraceAnswer = { ok: true } | Refusal;

/** One event, ready to be issued through an API. */
export type TraceCall = (api: AllocationApi) => Promise<TraceAnswer>;

/**
 * How a trace's timeline lands on the engine's: trace ms `x` is engine epoch ms
 * `floor(originMs + x / speed)`. It moves the points in time a request carries (a count's
 * `asOf`, restock's `receivedAt`), which a trace records relative to its start; durations
 * (`ttlMs`) are not scaled.
 */
export interface Timeline {
  /** The engine clock's reading at the replay's start. */
  originMs: number;
  speed: number;
}

export const RECORDED_PACE: Timeline = { originMs: 0, speed: 1 };

export function engineMsOf(traceMs: number, timeline: Timeline): number {
  return Math.floor(timeline.originMs + traceMs / timeline.speed);
}

type TimeMap<Op extends TraceOp> = (request: TraceRequest<Op>, toMs: (ms: number) => number) => TraceRequest<Op>;

/** The operations whose requests carry points in time, and how to move them. */
const TIME_MAPS: { [Op in TraceOp]?: TimeMap<Op> } = {
  sync: (request, toMs) => ({ ...request, asOf: toMs(request.asOf) }),
  syncMany: (request, toMs) => ({ requests: request.requests.map((count) => ({ ...count, asOf: toMs(count.asOf) })) }),
  restock: (request, toMs) =>
    request.receivedAt === undefined ? request : { ...request, receivedAt: toMs(request.receivedAt) },
};

/** The request with its points in time (if any) mapped by `toMs`; the other fields untouched. */
export function mapRequestTimes<Op extends TraceOp>(
  op: Op,
  request: TraceRequest<Op>,
  toMs: (ms: number) => number,
): TraceRequest<Op> {
  const map = TIME_MAPS[op] as TimeMap<Op> | undefined;
  return map === undefined ? request : map(request, toMs);
}

type CallTable = { [Op in TraceOp]: (api: AllocationApi, request: TraceRequest<Op>) => Promise<TraceAnswer> };

/** Operation → the API call that issues it. */
const CALLS: CallTable = {
  reserve: (api, request) => api.reserve(request),
  commit: (api, request) => api.commit(request.id),
  release: (api, request) => api.release(request.id),
  fulfil: (api, request) => api.fulfil(request.id, request.lines),
  receive: (api, request) => api.receive(request),
  adjust: (api, request) => api.adjust(request),
  restock: (api, request) => api.restock(request),
  sync: (api, request) => api.sync(request),
  syncMany: (api, request) => api.syncMany(request.requests),
  get: (api, request) => api.get(request.sku),
  expireDue: (api) => api.expireDue(),
};

/** The API call an event stands for, its request's points in time moved onto the engine's clock. */
export function traceEventToCall(event: TraceEvent, timeline: Timeline = RECORDED_PACE): TraceCall {
  const { t: _t, op, ...fields } = event;
  const request = mapRequestTimes(op, fields as TraceRequest<TraceOp>, (ms) => engineMsOf(ms, timeline));
  const call = CALLS[op] as (api: AllocationApi, request: object) => Promise<TraceAnswer>;
  return (api) => call(api, request);
}

/** The SKUs an event names (a reserve's or fulfil's lines, a syncMany's counts, a position's sku). */
export function skusOf(event: TraceEvent): string[] {
  if ('lines' in event && event.lines !== undefined) return event.lines.map((line) => line.sku);
  if ('requests' in event) return event.requests.map((count) => count.sku);
  return 'sku' in event ? [event.sku] : [];
}
