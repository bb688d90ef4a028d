/** The fuzz test's frame stream: sampled in seeded chunks, each draft passed through the safety filter. */
import fc from 'fast-check';
import { frameArbitrary, type FrameDraft } from './generators/frame-arbitrary.js';
import { finishFrame } from './generators/safe-frame.js';
import type { FuzzFrame } from './vocabulary.js';

export interface FrameSourceOptions {
  /** How many frames to hand out in all. */
  frames: number;
  /** Chunk k of frames is sampled with seed `seed + k`. */
  seed: number;
  /** Frames generated per fc.sample call. */
  chunkFrames: number;
  maxPayloadBytes: number;
}

/** Deterministic frames: frame i is the same for the same seed, whichever connection sends it. */
export class FrameSource {
  private readonly arbitrary: fc.Arbitrary<FrameDraft>;
  private chunk: FuzzFrame[] = [];
  private chunkIndex = 0;
  private handed = 0;
  generatedMs = 0;

  constructor(private readonly options: FrameSourceOptions) {
    this.arbitrary = frameArbitrary({ maxPayloadBytes: options.maxPayloadBytes });
  }

  next(): { index: number; frame: FuzzFrame } | null {
    if (this.handed >= this.options.frames) return null;
    while (this.chunk.length === 0) {
      const startedAt = performance.now();
      const drafts: FrameDraft[] = fc.sample(this.arbitrary, {
        seed: (this.options.seed + this.chunkIndex++) | 0,
        numRuns: this.options.chunkFrames,
      });
      this.chunk = drafts
        .map((draft) => finishFrame(draft, { maxPayloadBytes: this.options.maxPayloadBytes }))
        .filter((frame): frame is FuzzFrame => frame !== null)
        .reverse();
      this.generatedMs += performance.now() - startedAt;
    }
    return { index: this.handed++, frame: this.chunk.pop() as FuzzFrame };
  }
}
