import type { Principal } from './scopes.js';

/** null: go on and call the engine; forbidden: answer -32003; answer: this engine result stands for the call. */
export type Verdict = null | { forbidden: string } | { answer: unknown };

/** The verdict on reserving for `channel` (null: the token may). */
export type ChannelVerdict = (principal: Principal, what: string, channel: unknown) => Verdict;

/** The verdict for a hold of another channel. */
export type NotOurs = (principal: Principal, what: string, id: string) => Verdict;
