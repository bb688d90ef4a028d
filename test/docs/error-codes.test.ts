/**
 * House rule: error codes live in one table, documented in the README; this test fails when one
 * is missing (including when README.md does not exist yet).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../dist/engine/index.js';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('error codes', () => {
  it('the table is not empty and every code names itself in upper snake case', () => {
    const codes = Object.keys(ERROR_CODES);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(code).toMatch(/^[A-Z][A-Z_]*$/);
    for (const description of Object.values(ERROR_CODES)) expect(String(description).length).toBeGreaterThan(0);
  });

  it('README.md exists', () => {
    expect(existsSync(readmePath), `${readmePath} must exist and document the error codes`).toBe(true);
  });

  it.each(Object.keys(ERROR_CODES))('README.md documents `%s`', (code) => {
    const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
    expect(readme.includes(`\`${code}\``), `README.md mentions \`${code}\``).toBe(true);
  });
});
