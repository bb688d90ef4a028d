/**
 * Overload: offer about 3× the engine's capacity for 9 s with a fixed-rate,
 * open-loop driver and check that the engine sheds the excess (OVERLOADED) instead of queueing it.
 *
 * Driven: the embedded engine (shards 2), not the gateway. An in-process gateway shares its
 * thread with the load generator and is the bottleneck by far (measured on this 2-core machine:
 * ~4–10k single-request frames/s, ~45k/s with 64-request batch frames, against ~60k reserves/s
 * for the embedded engine), so 3× the engine's capacity cannot be offered through it: the excess
 * would wait in socket buffers and in the gateway's per-connection pause
 * (maxPendingPerConnection, covered by gateway-backpressure.test.ts, as is OVERLOADED → -32001)
 * and the engine's shedding would never be reached.
 *
 * Phases: warm-up; capacity = the best accepted reserves/s of three short closed-loop windows;
 * overload = requests scheduled at 3 × capacity for 9 s; settle; recovery = 10 % of capacity for
 * 3 s. The driver never waits for answers. It shares the engine's router thread (that is where
 * embedded callers run), which is also what bounds the engine's capacity, so at 3× it cannot
 * send everything on time: it sends in bursts of BURST, yielding in between (as a server reading
 * sockets would), and what is still due at the end is its backlog (printed, with its lag; it
 * typically gets ~2× capacity out). Accepted latency is taken from the call to the answer (what
 * the engine controls); the latency from the scheduled time is printed too. Holds live 500 ms and
 * outcomes are retained 1 s, so the ledger stays small and memory measures queueing.
 *
 * Asserts, with generous bounds (shared, noisy machines):
 * (a) a substantial share (≥ 20 %) of the overload is answered OVERLOADED, nothing else is
 *     refused, every request is answered, no shard's queue passes maxInFlightOpsPerShard;
 * (b) RSS (sampled every 250 ms) stays under baseline + 1.5 GB, its median in the last third of the
 *     overload is not far above the middle third's, and the router thread's heap after a full GC
 *     (forced at a third and at the end of the overload) grows by less than 48 MB: a queue that
 *     grows without bound raises the heap that survives a GC, while the driver's garbage does not
 *     (a least-squares RSS slope over 3 s was tried and measured GC's sawtooth: 40–70 MB/s rises
 *     with the queues bounded);
 * (c) accepted requests keep p99 under 2 s (hdr-histogram-js);
 * (d) after the load drops, ≥ 99 % of requests are accepted and p99 is under 500 ms.
 * Without shedding (OVERLOAD_MAX_IN_FLIGHT=5000000) it fails: 0 OVERLOADED, queues of 37–56k
 * per shard, p99 ~2.9 s (8 s from the scheduled time), router heap after GC 99 → 197 MB
 * (48 → 49 MB with shedding); with the shards' heavier reserves (LOCATIONS): 0 OVERLOADED, the
 * last answer 2.7 s after the sending stopped, router heap after GC 106 → 278 MB (42 → 43 MB and
 * 36 % shed with shedding). Before LOCATIONS, once the ledger got faster, the router's thread
 * bounded capacity and the driver, on that thread, could offer only ~1.4× of it: 11 % shed. Every figure is printed.
 *
 * From issue 5 §6.
 */
import * as hdr from 'hdr-histogram-js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import type { Engine } from '../../dist/engine/index.js';
import { sleep } from './support/helpers.js';

/**
 * OVERLOAD_MAX_IN_FLIGHT=5000000 turns shedding off in practice: then this test must fail (it does: see the header).
 */
const MAX_IN_FLIGHT_PER_SHARD = Number(process.env.OVERLOAD_MAX_IN_FLIGHT ?? 1024);
const SHARDS = 2;
const SKUS = Array.from({ length: 64 }, (_, i) => `OV-${i}`);
/**
 * Every SKU is stocked at LOCATIONS and each reserve asks for the most-available one, so a shard
 * weighs every location per reserve: the shards, not the router's thread (which the driver
 * shares), bound the engine's capacity, and the driver has the thread time to offer 3× of it.
 */
const LOCATIONS = Array.from({ length: Number(process.env.OVERLOAD_LOCATIONS ?? 32) }, (_, i) => `L${i}`);
const OVERLOAD_FACTOR = 3;
const OVERLOAD_MS = 9_000;
const RECOVERY_FACTOR = 0.1;
const RECOVERY_MS = 3_000;
const DRAIN_TIMEOUT_MS = 20_000;
/** Requests the driver sends in one go before yielding to the event loop. */
const BURST = 256;
const RSS_INTERVAL_MS = 250;
const MB = 1024 * 1024;

// Generous bounds: unbounded queueing breaks them by far (see the header).
const P99_BOUND_MS = 2_000;
const RECOVERY_P99_BOUND_MS = 500;
const RSS_HEADROOM_BYTES = 1.5 * 1024 * MB;
const HEAP_AFTER_GC_GROWTH_BOUND_MB = 48;
const LAST_THIRD_MEDIAN_GROWTH_BOUND_MB = 256;
const SHED_SHARE_MIN = 0.2;

interface RssSample {
  atMs: number;
  rss: number;
  phase: string;
}

interface PhaseResult {
  name: string;
  rate: number;
  sent: number;
  answered: number;
  ok: number;
  overloaded: number;
  other: Map<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 counted from the time a request was due (adds the driver's lag). */
  scheduledP99Ms: number;
  /** Requests due that the driver could not send before the phase ended. */
  backlog: number;
  /** The longest the driver was behind its schedule. */
  maxLagMs: number;
  drainMs: number;
  sendMs: number;
}

function histogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** A full garbage collection, then the heap still in use: what survives is what is retained. */
function heapAfterFullGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

describe('overload (embedded engine, shards 2)', () => {
  let engine: Engine | undefined;
  afterAll(async () => {
    await engine?.close();
  });

  it(
    `sheds ${OVERLOAD_FACTOR}× its capacity with OVERLOADED, ` +
      `keeps memory and accepted latency bounded, and recovers`,
    async () => {
      engine = await createEngine({
        shards: SHARDS,
        maxInFlightOpsPerShard: MAX_IN_FLIGHT_PER_SHARD,
        onOverload: 'reject',
        outcomeRetentionMs: 1_000,
        retainedOutcomesPerShard: 200_000,
        locationOrder: LOCATIONS,
      });
      const e = engine;
      for (const sku of SKUS)
        for (const location of LOCATIONS)
          expect((await e.receive({ sku, location, qty: 1_000_000_000 })).ok).toBe(true);

      let serial = 0;
      const reserve = () => {
        const n = serial++;
        return e.reserve({
          id: `ov-${n}`,
          channel: 'web',
          ttlMs: 500,
          lines: [{ sku: SKUS[n % SKUS.length], qty: 1 }],
          strategy: 'most-available',
        });
      };

      const origin = performance.now();
      const rss: RssSample[] = [];
      let phase = 'setup';
      const sampler = setInterval(
        () => rss.push({ atMs: performance.now() - origin, rss: process.memoryUsage().rss, phase }),
        RSS_INTERVAL_MS,
      );

      /** Closed loop: `concurrency` callers, each sending its next request when the last is answered. */
      const closedLoop = async (concurrency: number, ms: number): Promise<number> => {
        let ok = 0;
        const end = performance.now() + ms;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (performance.now() < end) if ((await reserve()).ok) ok++;
          }),
        );
        return ok / (ms / 1000);
      };

      /**
       * Open loop: request i is due at start + i / rate and is sent then, or as soon as the driver
       * gets the thread, whatever the answers; for `ms` of wall-clock time (requests still due
       * when it ends are not sent: they are the driver's backlog, printed). The driver shares the
       * engine's router thread, so it sends in bursts of at most BURST and yields to the event loop
       * in between, like a server reading sockets. Two latencies per accepted request: `service`,
       * from the call to the answer (what the engine controls), and `scheduled`, from the time it
       * was due (which adds the driver's own lag when the thread is saturated).
       */
      const openLoop = async (name: string, rate: number, ms: number): Promise<PhaseResult> => {
        phase = name;
        const service = histogram();
        const scheduled = histogram();
        const result: PhaseResult = {
          name,
          rate,
          sent: 0,
          answered: 0,
          ok: 0,
          overloaded: 0,
          other: new Map(),
          p50Ms: 0,
          p99Ms: 0,
          maxMs: 0,
          scheduledP99Ms: 0,
          backlog: 0,
          maxLagMs: 0,
          drainMs: 0,
          sendMs: 0,
        };
        const total = Math.round((rate * ms) / 1000);
        const start = performance.now();
        const end = start + ms;
        let drained: (() => void) | null = null;
        const send = (dueAt: number) => {
          const calledAt = performance.now();
          void reserve().then((answer) => {
            result.answered++;
            if (answer.ok) {
              result.ok++;
              const now = performance.now();
              service.recordValue(Math.max(1, Math.round((now - calledAt) * 1000)));
              scheduled.recordValue(Math.max(1, Math.round((now - dueAt) * 1000)));
            } else if (answer.error.code === 'OVERLOADED') {
              result.overloaded++;
            } else {
              result.other.set(answer.error.code, (result.other.get(answer.error.code) ?? 0) + 1);
            }
            if (result.answered === result.sent && drained !== null) drained();
          });
        };
        await new Promise<void>((resolve) => {
          const tick = () => {
            const now = performance.now();
            const due = now >= end ? total : Math.min(total, Math.floor(((now - start) / 1000) * rate));
            if (due > result.sent)
              result.maxLagMs = Math.max(result.maxLagMs, now - (start + (result.sent / rate) * 1000));
            const until = Math.min(due, result.sent + BURST);
            while (result.sent < until) send(start + (result.sent++ / rate) * 1000);
            if (now >= end || result.sent >= total) resolve();
            else if (result.sent < due) setImmediate(tick);
            else setTimeout(tick, 1);
          };
          tick();
        });
        result.sendMs = performance.now() - start;
        result.backlog = total - result.sent;
        const sendEnd = performance.now();
        if (result.answered < result.sent) {
          await Promise.race([
            new Promise<void>((resolve) => {
              drained = resolve;
            }),
            sleep(DRAIN_TIMEOUT_MS),
          ]);
        }
        result.drainMs = performance.now() - sendEnd;
        result.p50Ms = service.getValueAtPercentile(50) / 1000;
        result.p99Ms = service.getValueAtPercentile(99) / 1000;
        result.maxMs = service.maxValue / 1000;
        result.scheduledP99Ms = scheduled.getValueAtPercentile(99) / 1000;
        const seconds = result.sendMs / 1000;
        const other = [...result.other].map(([code, count]) => `${code} ${count}`).join(', ') || 'none';
        console.log(
          `overload: ${name}: scheduled ${Math.round(rate)}/s for ${ms / 1000} ` +
            `s; sent ${result.sent} (${Math.round(result.sent / seconds)}/s; ` +
            `driver backlog ${result.backlog}, lag max ${Math.round(result.maxLagMs)} ms); ` +
            (`accepted ${result.ok} (${Math.round(result.ok / seconds)}/s, ` +
              `${((100 * result.ok) / result.sent).toFixed(1)} %), `) +
            (`OVERLOADED ${result.overloaded} ` +
              `(${((100 * result.overloaded) / result.sent).toFixed(1)} %), other refusals: ${other}; `) +
            (`answered ${result.answered}/${result.sent} (the last ` +
              `${Math.round(result.drainMs)} ms after the sending stopped); `) +
            (`accepted latency p50 ${result.p50Ms.toFixed(1)} ms, p99 ` +
              `${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms `) +
            `(from the scheduled time: p99 ${result.scheduledP99Ms.toFixed(1)} ms)`,
        );
        return result;
      };

      try {
        // Capacity: warm up, then the best of three closed-loop windows.
        phase = 'capacity';
        await closedLoop(1024, 1_500);
        const windows = [await closedLoop(2048, 700), await closedLoop(2048, 700), await closedLoop(2048, 700)];
        const capacity = Math.max(...windows);
        console.log(
          `overload: capacity ${Math.round(capacity)} accepted reserves/s ` +
            `(closed-loop windows: ${windows.map(Math.round).join(', ')}); ` +
            `maxInFlightOpsPerShard ${MAX_IN_FLIGHT_PER_SHARD}, ${SHARDS} shards`,
        );
        expect(capacity, 'the engine accepted reserves while measuring capacity').toBeGreaterThan(0);
        await sleep(1_000);

        const statsBefore = e.stats();
        const baseline = process.memoryUsage().rss;
        const overloadFrom = performance.now() - origin;
        const heapAfterGc: number[] = [];
        const gcTimers = [OVERLOAD_MS / 3, OVERLOAD_MS - 250].map((atMs) =>
          setTimeout(() => heapAfterGc.push(heapAfterFullGc()), atMs),
        );
        const overload = await openLoop('overload', capacity * OVERLOAD_FACTOR, OVERLOAD_MS);
        for (const timer of gcTimers) clearTimeout(timer);
        const overloadTo = overloadFrom + OVERLOAD_MS;
        const statsAfter = e.stats();

        phase = 'settle';
        const settleStart = performance.now();
        while (
          e.stats().shards.some((shard) => shard.queueDepth > 0) &&
          performance.now() - settleStart < DRAIN_TIMEOUT_MS
        )
          await sleep(20);
        await sleep(1_500); // the overload's holds expire and their outcomes are dropped
        const recovery = await openLoop('recovery', capacity * RECOVERY_FACTOR, RECOVERY_MS);
        phase = 'done';
        await sleep(RSS_INTERVAL_MS);

        // (b) RSS over the overload: bounded, and not climbing in its last third.
        const during = rss.filter((sample) => sample.atMs >= overloadFrom && sample.atMs <= overloadTo + 1_000);
        const third = Math.max(1, Math.floor(during.length / 3));
        const middle = during.slice(third, 2 * third);
        const last = during.slice(-third);
        const maxRss = Math.max(...rss.map((sample) => sample.rss));
        const heapGrowth = ((heapAfterGc[1] ?? NaN) - (heapAfterGc[0] ?? NaN)) / MB;
        const medianGrowth = (median(last.map((s) => s.rss)) - median(middle.map((s) => s.rss))) / MB;
        console.log(
          `overload: RSS baseline ${(baseline / MB).toFixed(0)} MB, max ` +
            `${(maxRss / MB).toFixed(0)} MB (growth ${((maxRss - baseline) / MB).toFixed(0)} MB), ` +
            (`last third of the overload: median ${medianGrowth >= 0 ? '+' : ''}` +
              `${medianGrowth.toFixed(0)} MB over the middle third; router heap after a full GC ` +
              `${heapAfterGc.map((bytes) => (bytes / MB).toFixed(0)).join(' → ')} MB; `) +
            `samples (MB): ${during.map((sample) => Math.round(sample.rss / MB)).join(' ')}`,
        );
        const shardsLine = statsAfter.shards.map(
          (shard) =>
            `shard ${shard.shard}: queueDepthMax ${shard.queueDepthMax}, overloaded ` +
            `${shard.overloaded}, largest batch ${shard.largestBatchOps}`,
        );
        console.log(`overload: ${shardsLine.join('; ')}`);

        // (a) Load is shed, nothing hangs, the queue stays within its bound.
        expect(overload.answered, 'every overload request was answered (none hangs)').toBe(overload.sent);
        expect(
          overload.overloaded / overload.sent,
          `share of the ${OVERLOAD_FACTOR}× load answered OVERLOADED`,
        ).toBeGreaterThanOrEqual(SHED_SHARE_MIN);
        expect(overload.ok, 'requests were still accepted under overload').toBeGreaterThan(0);
        expect(Object.fromEntries(overload.other), 'no refusal other than OVERLOADED').toEqual({});
        const shedByStats =
          statsAfter.shards.reduce((n, shard) => n + shard.overloaded, 0) -
          statsBefore.shards.reduce((n, shard) => n + shard.overloaded, 0);
        expect(shedByStats, 'stats().shards[i].overloaded counts every OVERLOADED').toBe(overload.overloaded);
        for (const shard of statsAfter.shards) {
          expect(
            shard.queueDepthMax,
            `shard ${shard.shard}: queue depth never passed maxInFlightOpsPerShard`,
          ).toBeLessThanOrEqual(MAX_IN_FLIGHT_PER_SHARD);
        }

        // (b) Memory.
        expect(
          maxRss,
          `max RSS ${(maxRss / MB).toFixed(0)} MB under baseline ${(baseline / MB).toFixed(0)} MB + 1.5 GB`,
        ).toBeLessThan(baseline + RSS_HEADROOM_BYTES);
        expect(heapAfterGc.length, 'both full GCs ran during the overload').toBe(2);
        expect(heapGrowth, 'router heap growth after a full GC, a third of the way to the end (MB)').toBeLessThan(
          HEAP_AFTER_GC_GROWTH_BOUND_MB,
        );
        expect(medianGrowth, 'RSS median growth from the middle to the last third of the overload (MB)').toBeLessThan(
          LAST_THIRD_MEDIAN_GROWTH_BOUND_MB,
        );

        // (c) Accepted latency under overload.
        expect(overload.p99Ms, 'p99 of accepted requests under overload (ms)').toBeLessThan(P99_BOUND_MS);

        // (d) Recovery.
        expect(recovery.answered, 'every recovery request was answered').toBe(recovery.sent);
        expect(recovery.ok / recovery.sent, 'share accepted once the load dropped').toBeGreaterThanOrEqual(0.99);
        expect(recovery.p99Ms, 'p99 once the load dropped (ms)').toBeLessThan(RECOVERY_P99_BOUND_MS);
      } finally {
        clearInterval(sampler);
      }
    },
    90_000,
  );
});
