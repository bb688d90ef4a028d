/**
 * Safety by construction: no frame may carry a state-changing request that the engine could
 * accept. Generated write requests always carry a poison (see poisons.ts), and a byte-mutated
 * frame is only sent when the oracle shows that none of its requests is a write that reaches the
 * engine (else its unmutated original is sent). So the ledger must not change at all, whatever
 * the gateway answers.
 */
import { expectationOf, reachesEngineAsWrite } from '../oracle/expectation.js';
import type { FrameOptions, FuzzFrame } from '../vocabulary.js';
import type { FrameDraft } from './frame-arbitrary.js';
import { mutate } from './mutations.js';

/**
 * The frame to send for a draft: the mutated bytes when the oracle finds them safe (no write
 * reaches the engine unless the draft made it and poisoned it), else the clean bytes.
 */
export function finishFrame(draft: FrameDraft, options: FrameOptions): FuzzFrame | null {
  if (draft.kind === 'skip') return null;
  if (draft.base.length > options.maxPayloadBytes)
    throw new Error(`generator bug: a ${draft.kind} frame of ${draft.base.length} bytes is over maxPayloadBytes`);
  if (draft.mutations.length === 0) return { kind: draft.kind, encoding: draft.encoding, bytes: draft.base };
  const mutated = mutate(draft.base, draft.mutations, draft.encoding);
  if (mutated.length <= options.maxPayloadBytes && !reachesEngineAsWrite(expectationOf(mutated, draft.encoding))) {
    return { kind: draft.kind, encoding: draft.encoding, bytes: mutated };
  }
  return { kind: draft.kind.replace(/^mutated-/, 'unmutated-'), encoding: draft.encoding, bytes: draft.base };
}
