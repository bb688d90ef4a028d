import { defineConfig } from 'vitest/config';

/**
 * Tests import the engine from dist/ (what users run; `npm test` builds first), so shard
 * workers load compiled JavaScript. Internals without workers (lifecycle tables) import sources.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
