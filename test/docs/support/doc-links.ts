/**
 * Finds the broken references of a Markdown file: relative links to files that do not exist,
 * `#anchors` that name no heading of their target, and backticked repository paths (`engine/…`,
 * `test/…`, `cli/…`, `shared/…`, `bench/…`, `simulator/…`, `docs/…`) that do not exist. Fenced code
 * blocks are not read: what they show is code, not a reference.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One broken reference: where it is, what kind, and what it points to. */
export interface BrokenReference {
  file: string;
  line: number;
  kind: 'link' | 'anchor' | 'path';
  target: string;
}

/** What a check may look at: whether a repository path exists, and a Markdown file's text. */
export interface RepoView {
  exists: (repoPath: string) => boolean;
  read: (repoPath: string) => string;
}

const LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const CODE_SPAN = /`([^`\n]+)`/g;
/** A repository path as a whole code span: a known top-level directory, then path characters only. */
const REPO_PATH = /^(?:engine|test|cli|shared|bench|simulator|docs)\/[A-Za-z0-9_./-]*$/;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const FENCE = /^\s*(```|~~~)/;

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
export function proseLines(text: string): Array<{ line: number; text: string }> {
  const lines: Array<{ line: number; text: string }> = [];
  let fenced = false;
  text.split('\n').forEach((content, index) => {
    if (FENCE.test(content)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) lines.push({ line: index + 1, text: content });
  });
  return lines;
}

/**
 * GitHub's anchors for a Markdown text's headings: lower case, punctuation dropped, spaces to
 * hyphens, repeats numbered.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: content } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(content);
    if (heading === null) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const repeats = seen.get(base) ?? 0;
    seen.set(base, repeats + 1);
    anchors.add(repeats === 0 ? base : `${base}-${repeats}`);
  }
  return anchors;
}

/** Every broken reference of the Markdown file at `file` (a repository path) with text `text`. */
export function brokenReferences(file: string, text: string, repo: RepoView): BrokenReference[] {
  const broken: BrokenReference[] = [];
  const directory = dirname(file);
  for (const { line, text: content } of proseLines(text)) {
    const outsideCode = content.replace(CODE_SPAN, '');
    for (const [, target] of outsideCode.matchAll(LINK)) {
      const problem = linkProblem(directory, file, text, target, repo);
      if (problem !== null) broken.push({ file, line, kind: problem, target });
    }
    for (const [, span] of content.matchAll(CODE_SPAN)) {
      if (REPO_PATH.test(span) && !repo.exists(span.replace(/\/$/, ''))) {
        broken.push({ file, line, kind: 'path', target: span });
      }
    }
  }
  return broken;
}

function linkProblem(directory: string, file: string, text: string, target: string, repo: RepoView) {
  if (URL_SCHEME.test(target)) return null;
  const [pathPart, anchor] = target.split('#', 2);
  const targetFile = pathPart === '' ? file : join(directory, decodeURIComponent(pathPart)).replace(/\/$/, '');
  if (pathPart !== '' && !repo.exists(targetFile)) return 'link';
  if (anchor === undefined || anchor === '' || !targetFile.endsWith('.md')) return null;
  const targetText = targetFile === file ? text : repo.read(targetFile);
  return headingAnchors(targetText).has(anchor.toLowerCase()) ? null : 'anchor';
}

/** A view of the repository on disk at `root`. */
export function diskRepo(root: string): RepoView {
  return {
    exists: (repoPath) => existsSync(resolve(root, repoPath)),
    read: (repoPath) => readFileSync(resolve(root, repoPath), 'utf8'),
  };
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git']);

/**
 * The repository's Markdown files, as repository paths: README.md, CONTRIBUTING.md, CHANGELOG.md
 * at the top, and every .md under docs/, bench/ and simulator/.
 */
export function markdownFiles(root: string): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].filter((name) => existsSync(join(root, name)));
  for (const top of ['docs', 'bench', 'simulator']) files.push(...markdownUnder(root, join(root, top)));
  return files.sort();
}

function markdownUnder(root: string, directory: string): string[] {
  if (!existsSync(directory)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(directory)) {
    if (SKIPPED_DIRECTORIES.has(entry)) continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) found.push(...markdownUnder(root, path));
    else if (entry.endsWith('.md')) found.push(relative(root, path));
  }
  return found;
}

/** One line per broken reference: `file:line: kind target`. */
export function describeBroken(broken: readonly BrokenReference[]): string[] {
  return broken.map(({ file, line, kind, target }) => `${file}:${line}: broken ${kind} ${target}`);
}
