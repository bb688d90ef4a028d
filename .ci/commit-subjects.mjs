#!/usr/bin/env node
// Checks the house rule for commit messages (CONTRIBUTING.md, "Commits"): a subject of at most 72
// characters, and a body that says why (merge commits excepted). It applies to the commits after
// RULE_BASE, the last commit made before the rule (older history keeps its long subjects). In a
// shallow clone without RULE_BASE it checks the commits it has.
import { execFileSync } from 'node:child_process';

const RULE_BASE = '50c6bc6074669f1e65693a127a96804eadb74110';
const SUBJECT_LENGTH_MAX = 72;

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function hasCommit(hash) {
  try {
    git('cat-file', '-e', `${hash}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

function commitsToCheck() {
  const range = hasCommit(RULE_BASE) ? [`${RULE_BASE}..HEAD`] : ['HEAD'];
  const log = git('log', '--format=%H%x00%P%x00%s%x00%b%x1e', ...range);
  return log
    .split('\x1e')
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [hash, parents, subject, body] = entry.split('\x00');
      return { hash, merge: parents.trim().split(' ').length > 1, subject, body: body.trim() };
    });
}

function problemsOf(commit) {
  const problems = [];
  if (commit.subject.length > SUBJECT_LENGTH_MAX) {
    problems.push(`subject is ${commit.subject.length} characters (at most ${SUBJECT_LENGTH_MAX})`);
  }
  if (!commit.merge && commit.body.length === 0) problems.push('no body saying why');
  return problems;
}

function insideGitCheckout() {
  try {
    return git('rev-parse', '--is-inside-work-tree').trim() === 'true';
  } catch {
    return false;
  }
}

if (!insideGitCheckout()) {
  console.log('commit messages: not a git checkout, no history to check');
  process.exit(0);
}
const commits = commitsToCheck();
let failures = 0;
for (const commit of commits) {
  for (const problem of problemsOf(commit)) {
    failures++;
    console.error(`${commit.hash.slice(0, 10)} "${commit.subject.slice(0, 60)}": ${problem}`);
  }
}
console.log(`commit messages: ${commits.length} checked, ${failures} problem${failures === 1 ? '' : 's'}`);
process.exitCode = failures === 0 ? 0 : 1;
