import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // property tests place thousands of buses; keep one worker per core
    pool: 'forks',
    // generous limits: tests assert behaviour, never speed, and must pass on a busy 2-core machine
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
