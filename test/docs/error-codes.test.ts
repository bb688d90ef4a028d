/**
 * House rule: error codes live in one table each, and every code is documented. The engine's
 * codes (ERROR_CODES, engine/api/errors.ts) must each appear in docs/api.md, the journal's
 * (JOURNAL_ERROR_CODES, engine/journal/errors.ts) in docs/durability.md; this test fails when one
 * is missing, including when the page does not exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../dist/engine/index.js';
import { JOURNAL_ERROR_CODES } from '../../dist/engine/journal/errors.js';

const apiDocPath = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
const durabilityDocPath = fileURLToPath(new URL('../../docs/durability.md', import.meta.url));

function textOf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

describe.each([
  { table: 'ERROR_CODES', codes: ERROR_CODES, docPath: apiDocPath, doc: 'docs/api.md' },
  { table: 'JOURNAL_ERROR_CODES', codes: JOURNAL_ERROR_CODES, docPath: durabilityDocPath, doc: 'docs/durability.md' },
])('$table', ({ codes, docPath, doc }) => {
  it('the table is not empty and every code names itself in upper snake case', () => {
    const names = Object.keys(codes);
    expect(names.length).toBeGreaterThan(0);
    for (const code of names) expect(code).toMatch(/^[A-Z][A-Z_]*$/);
    for (const description of Object.values(codes)) expect(String(description).length).toBeGreaterThan(0);
  });

  it(`${doc} exists`, () => {
    expect(existsSync(docPath), `${docPath} must exist and document the error codes`).toBe(true);
  });

  it.each(Object.keys(codes))(`${doc} documents \`%s\``, (code) => {
    expect(textOf(docPath).includes(`\`${code}\``), `${doc} mentions \`${code}\``).toBe(true);
  });
});
