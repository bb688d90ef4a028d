/** Checking the gateway's answer to a frame against what the oracle expects: a list of problems, empty when fine. */
import { show } from '../show.js';
import type { Answer, FuzzFrame, RpcId } from '../vocabulary.js';
import type { Expectation, Outcome } from './expectation.js';

/** Engine refusal codes that the gateway turns into JSON-RPC errors (never a result). */
const PROTOCOL_REFUSALS = new Set(['INVALID_ARGUMENT', 'OVERLOADED', 'CLOSED']);

function sameId(a: unknown, b: RpcId): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** Problems with one response against its outcome (empty: fine). `codes` tallies what was seen. */
function checkResponse(response: unknown, outcome: Outcome, codes: Map<string, number>): string[] {
  const problems: string[] = [];
  if (typeof response !== 'object' || response === null || Array.isArray(response))
    return [`not a response object: ${show(response)}`];
  const r = response as Record<string, unknown>;
  const extra = Object.keys(r).filter((key) => !['jsonrpc', 'id', 'result', 'error'].includes(key));
  if (extra.length > 0) problems.push(`unexpected response fields ${extra.join(', ')}`);
  if (r.jsonrpc !== '2.0') problems.push(`jsonrpc ${show(r.jsonrpc)}`);
  if (!sameId(r.id, outcome.id)) problems.push(`id ${show(r.id)} instead of ${show(outcome.id)}`);
  const hasError = 'error' in r;
  if (hasError === 'result' in r) problems.push('not exactly one of result and error');
  if (hasError) {
    const error = r.error as { code?: unknown; message?: unknown; data?: any };
    const code = error?.code;
    codes.set(String(code), (codes.get(String(code)) ?? 0) + 1);
    if (typeof error?.message !== 'string') problems.push('error.message is not a string');
    if (typeof error?.message === 'string' && error.message.startsWith('internal error'))
      problems.push(`internal error: ${error.message}`);
    if (outcome.type === 'error' && code !== outcome.code)
      problems.push(`error ${show(code)} instead of ${outcome.code}`);
    if (outcome.type !== 'error') {
      if (code !== -32602)
        problems.push(`error ${show(code)} for a ${outcome.type} of ${outcome.method} (only -32602 may refuse it)`);
      else if (error.data?.code !== 'INVALID_ARGUMENT')
        problems.push(`-32602 without the engine's INVALID_ARGUMENT in data: ${show(error.data)}`);
    }
    return problems;
  }
  const result = r.result as Record<string, any> | undefined;
  codes.set('result', (codes.get('result') ?? 0) + 1);
  if (outcome.type === 'error') {
    problems.push(`a result where error ${outcome.code} was due`);
    return problems;
  }
  if (outcome.method === 'stats') {
    // stats() is the one method whose result is not { ok, … } (README "Operations").
    if (typeof result !== 'object' || result === null || !Array.isArray(result.shards))
      problems.push(`stats without shards: ${show(result)}`);
    return problems;
  }
  if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
    problems.push(`result without a boolean ok: ${show(result)}`);
    return problems;
  }
  if (result.ok === false && PROTOCOL_REFUSALS.has(result.error?.code))
    problems.push(`a ${result.error.code} refusal as a result`);
  if (outcome.type === 'write') {
    // A poisoned write is refused: -32602, or (batch, syncMany) every entry refused INVALID_ARGUMENT.
    const composite = outcome.method === 'batch' || outcome.method === 'syncMany';
    if (!composite || result.ok !== true || !Array.isArray(result.results)) {
      problems.push(`a poisoned ${outcome.method} was answered with a result: ${show(result)}`);
    } else {
      const accepted = result.results.filter(
        (entry: any) => entry?.ok !== false || entry?.error?.code !== 'INVALID_ARGUMENT',
      );
      if (accepted.length > 0)
        problems.push(`a poisoned ${outcome.method} had entries not refused INVALID_ARGUMENT: ${show(accepted)}`);
    }
  }
  return problems;
}

/** Problems with the answer to a frame (empty: fine). */
export function checkAnswer(
  expectation: Expectation,
  frame: FuzzFrame,
  answer: Answer,
  codes: Map<string, number>,
): string[] {
  const problems: string[] = [];
  if (answer.binary !== (frame.encoding === 'msgpack'))
    problems.push(`answered in a ${answer.binary ? 'binary' : 'text'} frame`);
  if (expectation.kind === 'single') {
    if (Array.isArray(answer.data)) return [...problems, `an array answer to a single request: ${show(answer.data)}`];
    return [...problems, ...checkResponse(answer.data, expectation.outcome, codes)];
  }
  if (expectation.kind === 'batch') {
    if (!Array.isArray(answer.data))
      return [...problems, `a batch frame answered with ${show(answer.data)}, not an array`];
    if (answer.data.length !== expectation.outcomes.length) {
      return [
        ...problems,
        `a batch frame answered with ${answer.data.length} responses, ${expectation.outcomes.length} due: ${show(answer.data)}`,
      ];
    }
    expectation.outcomes.forEach((outcome, index) => {
      for (const problem of checkResponse((answer.data as unknown[])[index], outcome, codes))
        problems.push(`[${index}] ${problem}`);
    });
    return problems;
  }
  return [...problems, `an answer where none was due: ${show(answer.data)}`];
}
