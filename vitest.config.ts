import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // property tests place thousands of buses; keep one worker per core
    pool: 'forks',
    testTimeout: 60_000,
  },
});
