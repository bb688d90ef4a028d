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
  if (typeof response !== 'object' || response === null || Array.isArray(response))
    return [`not a response object: ${show(response)}`];
  const r = response as Record<string, unknown>;
  const problems = envelopeProblems(r, outcome);
  if ('error' in r) return [...problems, ...errorProblems(r.error, outcome, codes)];
  return [...problems, ...resultProblems(r.result, outcome, codes)];
}

/** The response's own fields: only jsonrpc, id and one of result and error; the request's id echoed. */
function envelopeProblems(r: Record<string, unknown>, outcome: Outcome): string[] {
  const problems: string[] = [];
  const extra = Object.keys(r).filter((key) => !['jsonrpc', 'id', 'result', 'error'].includes(key));
  if (extra.length > 0) problems.push(`unexpected response fields ${extra.join(', ')}`);
  if (r.jsonrpc !== '2.0') problems.push(`jsonrpc ${show(r.jsonrpc)}`);
  if (!sameId(r.id, outcome.id)) problems.push(`id ${show(r.id)} instead of ${show(outcome.id)}`);
  if ('error' in r === 'result' in r) problems.push('not exactly one of result and error');
  return problems;
}

/** An error response: the code due, a message that is no "internal error"; -32602 carries INVALID_ARGUMENT. */
function errorProblems(value: unknown, outcome: Outcome, codes: Map<string, number>): string[] {
  const problems: string[] = [];
  const error = value as { code?: unknown; message?: unknown; data?: any };
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

/** A result response: only where no error was due, shaped as its method's, and never a poisoned write accepted. */
function resultProblems(value: unknown, outcome: Outcome, codes: Map<string, number>): string[] {
  const result = value as Record<string, any> | undefined;
  codes.set('result', (codes.get('result') ?? 0) + 1);
  if (outcome.type === 'error') return [`a result where error ${outcome.code} was due`];
  if (outcome.method === 'stats') {
    // stats() is the one method whose result is not { ok, … } (docs/api.md "Operations").
    if (typeof result !== 'object' || result === null || !Array.isArray(result.shards))
      return [`stats without shards: ${show(result)}`];
    return [];
  }
  if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean')
    return [`result without a boolean ok: ${show(result)}`];
  const problems: string[] = [];
  if (result.ok === false && PROTOCOL_REFUSALS.has(result.error?.code))
    problems.push(`a ${result.error.code} refusal as a result`);
  if (outcome.type === 'write') problems.push(...poisonedWriteProblems(result, outcome.method));
  return problems;
}

/** A poisoned write is refused: -32602, or (batch, syncMany) every entry refused INVALID_ARGUMENT. */
function poisonedWriteProblems(result: Record<string, any>, method: string): string[] {
  const composite = method === 'batch' || method === 'syncMany';
  if (!composite || result.ok !== true || !Array.isArray(result.results))
    return [`a poisoned ${method} was answered with a result: ${show(result)}`];
  const accepted = result.results.filter(
    (entry: any) => entry?.ok !== false || entry?.error?.code !== 'INVALID_ARGUMENT',
  );
  if (accepted.length > 0) return [`a poisoned ${method} had entries not refused INVALID_ARGUMENT: ${show(accepted)}`];
  return [];
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
        `a batch frame answered with ${answer.data.length} responses, ` +
          `${expectation.outcomes.length} due: ${show(answer.data)}`,
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
