import type { ErrorCode } from '../../engine/api/errors.js';
import { invariant } from '../../shared/invariant.js';
import { LatencyHistogram } from '../model/latency-histogram.js';
import type { AllocationApi, LatencyPercentilesMs, Scheduler } from '../model/types.js';
import { TRACE_OPS, type TraceEvent, type TraceOp } from './schema.js';
import { skusOf, traceEventToCall, type TraceAnswer, type Timeline } from './trace-calls.js';

/** SKUs read at once by the final check. */
const GETS_IN_FLIGHT_MAX = 256;
const PROGRESS_EVERY_ANSWERS = 1024;

export interface ReplayOptions {
  api: AllocationApi;
  scheduler: Scheduler;
  /** 1: the recorded pace; 2: twice as fast (an event at t ms is issued t / 2 ms into the replay). */
  speed: number;
  /**
   * The engine clock's reading (epoch ms) when the replay starts: sync's asOf and restock's receivedAt land relative to
   * it.
   */
  originMs: number;
  /** Called as answers come in (every 1,024 and at the last). */
  onProgress?: (done: number, total: number) => void;
}

export interface OpCounts {
  calls: number;
  ok: number;
  /** error.code → how many calls the engine refused with it. */
  refused: Partial<Record<ErrorCode, number>>;
}

/**
 * After the replay, every SKU the trace named is read back. shortfallUnits sums the units
 * promised beyond what is on hand (0 for holdfast, whatever the trace asked). Units shipped
 * without stock are not visible through AllocationApi, so they are not in it.
 */
export interface FinalCheck {
  skus: number;
  shortfallUnits: number;
  /** SKUs whose read was refused (other than NOT_FOUND: a SKU the engine never stocked has nothing promised). */
  uncheckedSkus: number;
}

export interface ReplayReport {
  events: number;
  byOp: Record<TraceOp, OpCounts>;
  /** Scheduled issue → answer, on the scheduler's clock (0 in virtual time without modelled delay). */
  reserveLatencyMs: LatencyPercentilesMs;
  finalCheck: FinalCheck;
}

/**
 * Replays a trace through `api`: each event is issued at `t / speed` ms after the replay starts
 * on `scheduler`, events of the same instant in trace order. The promise settles when every
 * call has answered and the final check is done; it rejects only when a call rejects (the
 * engine's never do: they resolve to a refusal, which is counted).
 *
 * It schedules one instant at a time (each schedules the next), so the scheduler holds a single
 * pending action, and takes expectAnswer() for every call it issues. On the virtual
 * kernel, the caller drives the time:
 *
 *   const replay = replayTrace(events, { api: engine, scheduler: kernel, speed: 1, originMs: kernel.clock.nowMs() });
 *   await kernel.run();
 *   const report = await replay;
 */
export function replayTrace(events: readonly TraceEvent[], options: ReplayOptions): Promise<ReplayReport> {
  invariant(
    Number.isFinite(options.speed) && options.speed > 0,
    `speed must be a positive number, got ${options.speed}`,
  );
  invariant(Number.isFinite(options.originMs), `originMs must be a number, got ${options.originMs}`);
  return new Replay(events, options).start();
}

class Replay {
  private issued = 0;
  private answered = 0;
  private failed = false;
  private readonly startUs: number;
  private readonly timeline: Timeline;
  private readonly byOp = emptyCounts();
  private readonly reserveLatency = new LatencyHistogram();
  private readonly skus = new Set<string>();
  private resolve: (report: ReplayReport) => void = () => {};
  private reject: (error: unknown) => void = () => {};

  constructor(
    private readonly events: readonly TraceEvent[],
    private readonly options: ReplayOptions,
  ) {
    this.startUs = options.scheduler.timeUs;
    this.timeline = { originMs: options.originMs, speed: options.speed };
  }

  start(): Promise<ReplayReport> {
    const done = new Promise<ReplayReport>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.scheduleNext();
    this.finishIfDone();
    return done;
  }

  private atUs(event: TraceEvent): number {
    return this.startUs + Math.round((event.t * 1000) / this.options.speed);
  }

  /** The next instant's events, at their time (or at once, when a real-time scheduler is late). */
  private scheduleNext(): void {
    const next = this.events[this.issued];
    if (next === undefined) return;
    const atUs = this.atUs(next);
    const scheduler = this.options.scheduler;
    scheduler.at(Math.max(atUs, scheduler.timeUs), () => this.issueInstant(atUs));
  }

  private issueInstant(atUs: number): void {
    if (this.failed) return;
    let next = this.events[this.issued];
    while (next !== undefined && this.atUs(next) === atUs) {
      this.issued++;
      this.issue(next, atUs);
      next = this.events[this.issued];
    }
    this.scheduleNext();
  }

  private issue(event: TraceEvent, atUs: number): void {
    for (const sku of skusOf(event)) this.skus.add(sku);
    this.byOp[event.op].calls++;
    const answered = this.options.scheduler.expectAnswer();
    traceEventToCall(
      event,
      this.timeline,
    )(this.options.api).then(
      (answer) => {
        answered();
        this.onAnswer(event.op, answer, atUs);
      },
      (error: unknown) => {
        answered();
        this.fail(error);
      },
    );
  }

  private onAnswer(op: TraceOp, answer: TraceAnswer, issuedAtUs: number): void {
    count(this.byOp[op], answer);
    if (op === 'reserve') this.reserveLatency.recordUs(this.options.scheduler.timeUs - issuedAtUs);
    this.answered++;
    if (this.answered % PROGRESS_EVERY_ANSWERS === 0 || this.answered === this.events.length) {
      this.options.onProgress?.(this.answered, this.events.length);
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.failed || this.answered < this.events.length) return;
    checkShortfall(this.options.api, [...this.skus]).then(
      (finalCheck) =>
        this.resolve({
          events: this.events.length,
          byOp: this.byOp,
          reserveLatencyMs: this.reserveLatency.percentilesMs(),
          finalCheck,
        }),
      (error: unknown) => this.fail(error),
    );
  }

  private fail(error: unknown): void {
    this.failed = true;
    this.reject(error);
  }
}

function emptyCounts(): Record<TraceOp, OpCounts> {
  return Object.fromEntries(TRACE_OPS.map((op) => [op, { calls: 0, ok: 0, refused: {} }])) as Record<TraceOp, OpCounts>;
}

function count(counts: OpCounts, answer: TraceAnswer): void {
  if (answer.ok) {
    counts.ok++;
    return;
  }
  const code = answer.error.code;
  counts.refused[code] = (counts.refused[code] ?? 0) + 1;
}

/** Reads every SKU back (a bounded number at a time) and sums what is promised beyond stock. */
async function checkShortfall(api: AllocationApi, skus: readonly string[]): Promise<FinalCheck> {
  const check: FinalCheck = { skus: skus.length, shortfallUnits: 0, uncheckedSkus: 0 };
  for (let start = 0; start < skus.length; start += GETS_IN_FLIGHT_MAX) {
    const views = await Promise.all(skus.slice(start, start + GETS_IN_FLIGHT_MAX).map((sku) => api.get(sku)));
    for (const view of views) {
      if (view.ok) check.shortfallUnits += view.shortfall;
      else if (view.error.code !== 'NOT_FOUND') check.uncheckedSkus++;
    }
  }
  return check;
}
