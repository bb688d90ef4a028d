/**
 * The tokens file (`--tokens FILE`, `tokensFile`, or the same object as `tokens`): named tokens,
 * each stored as the SHA-256 of the token (never the token itself), with its scopes and, for a
 * `reserve` token, the channels it may act for.
 *
 *   { "tokens": [ { "name": "amazon", "digest": "<64 hex>", "scopes": ["reserve", "read"], "channels": ["amazon"] } ] }
 *
 * Validated whole before any of it is used: an unknown field, a bad digest, a duplicate name or
 * digest, an unknown scope is one InvalidArgumentError naming the file and the path in it.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { invariant } from '../../shared/invariant.js';
import { InvalidArgumentError } from '../api/errors.js';
import { LIMITS } from '../api/limits.js';
import { SCOPES, type Principal, type Scope } from './scopes.js';

/** Tokens one file may name (each is a metrics label: this bounds their cardinality). */
export const TOKENS_MAX = 1000;
/** Channels one token may be bound to. */
export const CHANNELS_PER_TOKEN_MAX = 100;
/** Largest tokens file read. */
export const TOKEN_FILE_BYTES_MAX = 1024 * 1024;
/** The name the single `--token` / `token` gets. */
export const ADMIN_NAME = 'admin';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DIGEST = /^[0-9a-f]{64}$/;

const entrySchema = z.strictObject({
  name: z.string().regex(NAME, 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  digest: z.string().regex(DIGEST, 'must be the SHA-256 of the token as 64 lower-case hex digits'),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  channels: z.array(z.string().min(1).max(LIMITS.channelLengthMax)).min(1).max(CHANNELS_PER_TOKEN_MAX).optional(),
});

const fileSchema = z.strictObject({ tokens: z.array(entrySchema).max(TOKENS_MAX) });

export type TokenEntry = z.infer<typeof entrySchema>;
export type TokenFile = z.infer<typeof fileSchema>;

/** Validates a tokens file's content (already parsed from JSON) into principals. */
export function principalsOf(content: unknown, source: string): Principal[] {
  const parsed = fileSchema.safeParse(content);
  if (!parsed.success) {
    const { issues } = parsed.error;
    // An unknown field is the likelier mistake (a typo) than the missing field it stands for.
    const issue = issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? issues[0];
    invariant(issue !== undefined, 'a failed parse reports an issue');
    throw new InvalidArgumentError(`${source}: ${issueText(issue)}`);
  }
  const problem = entriesProblem(parsed.data.tokens);
  if (problem !== null) throw new InvalidArgumentError(`${source}: ${problem}`);
  return parsed.data.tokens.map(principalOf);
}

/** One entry on its own (what `holdfast token create` prints), checked as the file would be. */
export function checkEntry(entry: TokenEntry): TokenEntry {
  principalsOf({ tokens: [entry] }, 'token');
  return entry;
}

/** Reads and validates a tokens file; every failure is an InvalidArgumentError naming the file. */
export async function readTokenFile(path: string): Promise<Principal[]> {
  const source = tokenFileSource(path);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('is not a regular file');
    if (info.size > TOKEN_FILE_BYTES_MAX) throw new Error(`is ${info.size} bytes, more than ${TOKEN_FILE_BYTES_MAX}`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`${source}: cannot be read: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${source}: is not valid JSON: ${(error as Error).message}`);
  }
  return principalsOf(content, source);
}

/** How messages name a tokens file. */
export function tokenFileSource(path: string): string {
  return `tokens file ${path}`;
}

function principalOf(entry: TokenEntry): Principal {
  return {
    name: entry.name,
    digest: entry.digest,
    scopes: new Set<Scope>(entry.scopes),
    channels: entry.channels === undefined ? null : new Set(entry.channels),
  };
}

/** The rules zod's shape cannot say: uniqueness, and channels only where they mean something. */
function entriesProblem(entries: readonly TokenEntry[]): string | null {
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const at = `tokens[${index}]`;
    if (names.has(entry.name))
      return `${at}.name: '${entry.name}' is already the name of tokens[${names.get(entry.name)}]`;
    if (digests.has(entry.digest)) return `${at}.digest: is already the digest of tokens[${digests.get(entry.digest)}]`;
    names.set(entry.name, index);
    digests.set(entry.digest, index);
    const scopes = new Set(entry.scopes);
    if (scopes.size !== entry.scopes.length) return `${at}.scopes: names a scope twice`;
    if (entry.channels === undefined) continue;
    if (!scopes.has('reserve')) return `${at}.channels: only a token with the reserve scope can be bound to channels`;
    if (scopes.has('admin')) return `${at}.channels: an admin token acts for every channel; drop channels or admin`;
    if (new Set(entry.channels).size !== entry.channels.length) return `${at}.channels: names a channel twice`;
  }
  return null;
}

/** `tokens[2].scopes[0]: …` from a zod issue. */
function issueText(issue: z.core.$ZodIssue): string {
  const path = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return `${path === '' ? key : `${path}.${key}`}: is not a known field`;
  }
  if (issue.code === 'invalid_value' && path.includes('.scopes['))
    return `${path}: must be one of ${SCOPES.join(', ')}`;
  if (path === '') return `must be an object { "tokens": [ { name, digest, scopes, channels? } ] }: ${issue.message}`;
  return `${path}: ${issue.message}`;
}

function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text;
}
