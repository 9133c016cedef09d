import { defineConfig } from 'vitest/config';

// Agents are real worker threads running the compiled build (Node 20 cannot
// load .ts in a worker), so `npm test` builds first and the tests import dist/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,mjs}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
