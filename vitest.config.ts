import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash and soak suites spawn processes and run long; they have their own npm scripts.
    exclude: ['test/crash/**', 'test/soak/**', 'node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more parallel files only add fsync and scheduler contention.
    maxWorkers: 2,
  },
})
