import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { list } from './arg-parsers.js';
import { SCOPES, type Scope } from '../engine/gateway/scopes.js';
import { checkEntry, type TokenEntry } from '../engine/gateway/token-file.js';
import { tokenDigest } from '../engine/gateway/token-set.js';

interface TokenCreateFlags {
  name: string;
  scopes: string[];
  channels?: string[];
}

/** Random bytes in a created token: 256 bits. */
const TOKEN_BYTES = 32;

/**
 * `holdfast token create --name amazon --scopes reserve,read --channels amazon`: prints a fresh
 * token once (it is stored nowhere) and the tokens-file entry that holds its SHA-256 digest, so
 * nobody computes digests by hand.
 */
export function addTokenCommand(program: Command): void {
  const token = program
    .command('token')
    .description('manage the named, scoped tokens of a tokens file (holdfast serve --tokens FILE)');
  token
    .command('create')
    .description('print a new 256-bit token and its tokens-file entry (the token is shown once and stored nowhere)')
    .requiredOption('--name <name>', "the token's name, as logs and metrics show it")
    .addOption(
      new Option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`).makeOptionMandatory().argParser(list),
    )
    .addOption(
      new Option(
        '--channels <list>',
        'with the reserve scope: the only channels it may reserve for (comma-separated)',
      ).argParser(list),
    )
    .action((flags: TokenCreateFlags) => create(flags));
}

function create(flags: TokenCreateFlags): void {
  const secret = randomBytes(TOKEN_BYTES).toString('base64url');
  const entry: TokenEntry = {
    name: flags.name,
    digest: tokenDigest(secret),
    scopes: flags.scopes as Scope[],
    ...(flags.channels === undefined ? {} : { channels: flags.channels }),
  };
  try {
    checkEntry(entry);
  } catch (error) {
    const message = (error as Error).message.replace(/^token: tokens\[0\]\./, '--');
    console.error(`holdfast token create: ${(error as { code?: string }).code ?? 'INVALID_ARGUMENT'}: ${message}`);
    process.exit(2);
  }
  console.log(`token: ${secret}`);
  console.log(`entry: ${JSON.stringify(entry)}`);
  console.log('add the entry to the "tokens" array of your tokens file, reload the server (kill -HUP <pid>),');
  console.log('and give the token to its client; it is shown only here (the file keeps its SHA-256 only).');
}
