import { defined } from '../../shared/invariant.js';
import { createLatencyHistogram, type LatencyHistogram } from '../load/histogram.js';
import type { MixOp, MixStream } from './mix.js';
import type { RpcConnection, RpcMessage } from './rpc-connection.js';

/** One connection of the load and its op stream. */
export interface Lane {
  connection: RpcConnection;
  stream: MixStream;
}

export interface FramePlan {
  lanes: Lane[];
  /** Ops per frame; 1 sends a bare request object (not a batch array). */
  opsPerFrame: number;
  /**
   * Closed loop: frames each lane keeps in flight (a new one goes out when one is answered).
   * Paced: the most a lane may have in flight; a frame due beyond it waits (counted as late).
   */
  windowFrames: number;
  durationMs: number;
  /** Open loop at this many ops/s in all (frames spread round-robin over the lanes); absent: closed loop. */
  pacedOpsPerSecond?: number;
  /** Where to record latency (µs, each frame's round trip once per op it carries); null: not recorded. */
  latency: LatencyHistogram | null;
}

export interface FrameOutcome {
  ops: number;
  frames: number;
  /** First frame sent → last reply received. */
  elapsedMs: number;
  /** Frames still unanswered when the drain gave up. */
  unansweredFrames: number;
  /**
   * Paced only: how late frames went out against their schedule (µs), and how many times a due frame waited for the
   * window cap.
   */
  sendLagUs: LatencyHistogram | null;
  windowCapHits: number;
}

/** After the last frame is sent, how long to wait for the replies before calling them lost. */
const DRAIN_TIMEOUT_MS = 15_000;

interface RunState {
  plan: FramePlan;
  deadlineMs: number;
  ops: number;
  frames: number;
  inFlight: number;
  lastReplyMs: number;
  onIdle: (() => void) | null;
}

/** Builds and sends one frame on `lane`; `onAnswered` runs after its reply has been read. */
function sendFrame(state: RunState, lane: Lane, onAnswered: (lane: Lane) => void): void {
  const { opsPerFrame, latency } = state.plan;
  const { connection, stream } = lane;
  const firstId = connection.takeIds(opsPerFrame);
  const ops: MixOp[] = new Array(opsPerFrame);
  const requests: RpcMessage[] = new Array(opsPerFrame);
  for (let index = 0; index < opsPerFrame; index++) {
    const op = stream.nextOp();
    ops[index] = op;
    requests[index] = stream.request(op, firstId + index);
  }
  state.inFlight += 1;
  const sentAtMs = performance.now();
  connection.send(
    opsPerFrame === 1 ? defined(requests[0], 'a request per op') : requests,
    firstId,
    (reply, receivedAtMs) => {
      latency?.record((receivedAtMs - sentAtMs) * 1000, opsPerFrame);
      readReply(stream, ops, firstId, reply);
      state.inFlight -= 1;
      state.ops += opsPerFrame;
      state.frames += 1;
      state.lastReplyMs = receivedAtMs;
      onAnswered(lane);
      if (state.inFlight === 0 && state.onIdle !== null) state.onIdle();
    },
  );
}

function readReply(stream: MixStream, ops: MixOp[], firstId: number, reply: unknown): void {
  if (ops.length === 1 && !Array.isArray(reply)) {
    stream.answer(defined(ops[0], 'the frame has an op'), firstId, reply);
    return;
  }
  const responses = Array.isArray(reply) && reply.length === ops.length ? reply : null;
  for (const [index, op] of ops.entries()) stream.answer(op, firstId + index, responses?.[index]);
}

/** Resolves when nothing is in flight, or after DRAIN_TIMEOUT_MS. */
function drained(state: RunState): Promise<void> {
  if (state.inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(finish, DRAIN_TIMEOUT_MS);
    function finish(): void {
      clearTimeout(timer);
      state.onIdle = null;
      resolve();
    }
    state.onIdle = finish;
  });
}

function newState(plan: FramePlan, startMs: number): RunState {
  return {
    plan,
    deadlineMs: startMs + plan.durationMs,
    ops: 0,
    frames: 0,
    inFlight: 0,
    lastReplyMs: startMs,
    onIdle: null,
  };
}

/** Closed loop: each lane keeps `windowFrames` frames in flight until the deadline, then drains. */
async function runClosedLoop(plan: FramePlan): Promise<FrameOutcome> {
  const startMs = performance.now();
  const state = newState(plan, startMs);
  const refill = (lane: Lane): void => {
    if (performance.now() < state.deadlineMs) sendFrame(state, lane, refill);
  };
  for (const lane of plan.lanes) for (let frame = 0; frame < plan.windowFrames; frame++) sendFrame(state, lane, refill);
  await sleepUntilDeadline(state);
  await drained(state);
  return outcome(state, startMs, null, 0);
}

/** Open loop: frames go out on a fixed schedule (catching up when a timer fires late) until the deadline. */
async function runPaced(plan: FramePlan, opsPerSecond: number): Promise<FrameOutcome> {
  const intervalMs = (plan.opsPerFrame * 1000) / opsPerSecond;
  const startMs = performance.now();
  const state = newState(plan, startMs);
  const sendLagUs = createLatencyHistogram();
  let dueMs = startMs;
  let nextLane = 0;
  let windowCapHits = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const nowMs = performance.now();
      while (dueMs <= nowMs && dueMs < state.deadlineMs) {
        const lane = defined(plan.lanes[nextLane], 'a lane of the plan');
        if (lane.connection.framesInFlight >= plan.windowFrames) {
          windowCapHits += 1;
          break;
        }
        nextLane = (nextLane + 1) % plan.lanes.length;
        sendLagUs.record((performance.now() - dueMs) * 1000, 1);
        sendFrame(state, lane, () => undefined);
        dueMs += intervalMs;
      }
      if (dueMs >= state.deadlineMs) resolve();
      else setTimeout(tick, Math.max(0, dueMs - performance.now()));
    };
    tick();
  });
  await drained(state);
  return outcome(state, startMs, sendLagUs, windowCapHits);
}

function sleepUntilDeadline(state: RunState): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, state.deadlineMs - performance.now())));
}

function outcome(
  state: RunState,
  startMs: number,
  sendLagUs: LatencyHistogram | null,
  windowCapHits: number,
): FrameOutcome {
  return {
    ops: state.ops,
    frames: state.frames,
    elapsedMs: state.lastReplyMs - startMs,
    unansweredFrames: state.inFlight,
    sendLagUs,
    windowCapHits,
  };
}

/** Drives `plan.lanes` with frames of mixed ops, closed loop or paced. */
export function runFrames(plan: FramePlan): Promise<FrameOutcome> {
  return plan.pacedOpsPerSecond === undefined ? runClosedLoop(plan) : runPaced(plan, plan.pacedOpsPerSecond);
}
