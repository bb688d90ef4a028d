import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The README's embedded example, exactly as written there. */
function readmeExample(): string {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const block = readme.match(/```js\n(import \{ createEngine \} from 'holdfast';[\s\S]*?)```/);
  if (block === null) throw new Error('README.md has no ```js block importing holdfast');
  return block[1];
}

describe('README embedded example', () => {
  it('runs as shown with plain node (compiled package, no loader) and prints what its comments say', () => {
    const file = `${root}/readme-example.tmp.mjs`;
    writeFileSync(file, readmeExample());
    try {
      const output = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
      expect(output.trim().split('\n')).toEqual([
        'true held WH-EAST 2',
        'event commit 3 98',
        'event fulfil 4 98',
        'event fulfil 5 98',
        '98',
        'CONFLICT',
        'held INSUFFICIENT_STOCK',
        'true false',
      ]);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
