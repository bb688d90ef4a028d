/**
 * Every reference in the repository's Markdown resolves: relative links name files that exist,
 * their `#anchors` name a heading of the target, and backticked repository paths (`engine/…`,
 * `test/…`, `cli/…`, `shared/…`, `bench/…`, `simulator/…`, `docs/…`) exist. The failure lists every
 * broken reference with its file and line. A synthetic document proves the check can fail.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  brokenReferences,
  describeBroken,
  diskRepo,
  headingAnchors,
  markdownFiles,
  type RepoView,
} from './support/doc-links.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('doc links', () => {
  it('finds the Markdown files of the repository (README, docs/, CONTRIBUTING, CHANGELOG)', () => {
    const files = markdownFiles(root);
    for (const expected of ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'docs/architecture.md', 'docs/api.md']) {
      expect(files, expected).toContain(expected);
    }
    expect(files.some((file) => file.startsWith('node_modules/') || file.startsWith('dist/'))).toBe(false);
  });

  it('every link, anchor and backticked repository path in them resolves', () => {
    const repo = diskRepo(root);
    const broken = markdownFiles(root).flatMap((file) => brokenReferences(file, repo.read(file), repo));
    expect(describeBroken(broken), 'broken references (file:line)').toEqual([]);
  });

  it('reports a broken link, a missing anchor and a missing path, with their lines (synthetic document)', () => {
    const files: Record<string, string> = {
      'docs/a.md': '# A\n\nSee [b](b.md#the-part) and [gone](missing.md).\n',
      'docs/b.md': '# B\n\n## Another part\n',
      'engine/real.ts': '',
    };
    const repo: RepoView = {
      exists: (path) => path in files || path === 'engine',
      read: (path) => files[path],
    };
    const text = [
      '# Title',
      'Fine: [a](a.md), [self](#title), [web](https://example.com), `engine/real.ts`, `engine/`.',
      'Broken: [x](nowhere.md) and [y](#no-such-heading).',
      '',
      'The file `engine/nope.ts` and `test/engine/gone.test.ts` are gone; [b](b.md#the-part) has no such heading.',
      '```sh',
      'cat engine/in-a-fence.ts   # [not a link](fenced.md) `test/fenced.ts`',
      '```',
    ].join('\n');
    const broken = brokenReferences('docs/a.md', text, repo);
    expect(describeBroken(broken)).toEqual([
      'docs/a.md:3: broken link nowhere.md',
      'docs/a.md:3: broken anchor #no-such-heading',
      'docs/a.md:5: broken anchor b.md#the-part',
      'docs/a.md:5: broken path engine/nope.ts',
      'docs/a.md:5: broken path test/engine/gone.test.ts',
    ]);
  });

  it('derives heading anchors as GitHub does', () => {
    const anchors = headingAnchors(
      '# The service: `holdfast serve`\n## Limits and backpressure\n## Limits and backpressure\n',
    );
    expect([...anchors]).toEqual([
      'the-service-holdfast-serve',
      'limits-and-backpressure',
      'limits-and-backpressure-1',
    ]);
  });
});
