/**
 * The layer rules that docs/architecture.md states are the ones the checker enforces: a fixture
 * tree that breaks each rule once (an upward import, an import cycle, a client reaching into the
 * router, the simulator reaching into the ledger) is refused by dependency-cruiser with the
 * repository's own .dependency-cruiser.cjs, each rule naming the offending import; a fixture that
 * keeps the rules passes. The real tree is checked by `npm run lint:deps` in CI.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Writes a fixture tree (path → source) with a minimal tsconfig, in a fresh directory. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-layers-'));
  made.push(dir);
  const tsconfig = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', type: 'module' }));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  return dir;
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Runs dependency-cruiser with the repository's rules over a fixture; its violations. */
function cruise(dir: string): Promise<Violation[]> {
  const args = ['--config', CONFIG, '--output-type', 'json', 'shared', 'engine', 'simulator'];
  return new Promise((resolve, reject) => {
    execFile(DEPCRUISE, args, { cwd: dir, maxBuffer: 64 * 2 ** 20 }, (error, stdout) => {
      if (stdout.length === 0) return reject(error ?? new Error('depcruise printed nothing'));
      const result = JSON.parse(stdout) as {
        summary: { violations: { rule: { name: string }; from: string; to: string }[] };
      };
      resolve(result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })));
    });
  });
}

const LAWFUL = {
  'shared/invariant.ts': 'export const invariant = (ok: boolean): void => { if (!ok) throw new Error("x"); };\n',
  'engine/api/types.ts':
    "import { invariant } from '../../shared/invariant.js';\nexport " +
    'const one = (): number => { invariant(true); return 1; };\n',
  'engine/ledger/ledger.ts': "import { one } from '../api/types.js';\nexport const two = (): number => one() + 1;\n",
  'engine/router/router.ts':
    "import { two } from '../ledger/ledger.js';\nexport const three = (): number => two() + 1;\n",
  'engine/client/client.ts': "import { one } from '../api/types.js';\nexport const client = (): number => one();\n",
  'engine/index.ts': "export { three } from './router/router.js';\nexport { client } from './client/client.js';\n",
  'simulator/index.ts': "import { three } from '../engine/index.js';\nexport const sim = (): number => three();\n",
};

describe('layering rules (.dependency-cruiser.cjs)', () => {
  it('pass a tree that keeps them', async () => {
    expect(await cruise(fixture(LAWFUL))).toEqual([]);
  }, 60_000);

  it('refuse an upward import, a cycle, a client into the router, the simulator into the ledger', async () => {
    const dir = fixture({
      ...LAWFUL,
      // api (bottom of the engine) importing the router: upward.
      'engine/api/types.ts': "import '../router/router.js';\nexport const one = (): number => 1;\n",
      // Two ledger modules importing each other (type-only counts).
      'engine/ledger/a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\nexport const a = 1;\n",
      'engine/ledger/b.ts': "import type { A } from './a.js';\nexport type B = { a?: A };\nexport const b = 2;\n",
      'engine/ledger/ledger.ts':
        "import { a } from './a.js';\nimport { b } from './b.js';\nexport const two = (): number => a + b;\n",
      // The client reaching past the contract into the router.
      'engine/client/client.ts':
        "import { three } from '../router/router.js';\nexport const client = (): number => three();\n",
      // The simulator reaching into the ledger instead of the public entry.
      'simulator/index.ts':
        "import { two } from '../engine/ledger/ledger.js';\nexport const sim = (): number => two();\n",
    });
    const violations = await cruise(dir);
    const named = (rule: string) => violations.filter((v) => v.rule === rule).map((v) => `${v.from} → ${v.to}`);
    expect(named('api-imports-no-higher-layer')).toEqual(['engine/api/types.ts → engine/router/router.ts']);
    // The cycle is reported once, from whichever of its two modules the cruise reached first.
    expect(named('no-circular')).toHaveLength(1);
    expect(named('no-circular')[0]).toMatch(
      /^engine\/ledger\/(a\.ts → engine\/ledger\/b|b\.ts → engine\/ledger\/a)\.ts$/,
    );
    expect(named('client-imports-api-and-wire-only')).toEqual(['engine/client/client.ts → engine/router/router.ts']);
    expect(named('simulator-uses-public-engine-only')).toEqual(['simulator/index.ts → engine/ledger/ledger.ts']);
  }, 60_000);
});
