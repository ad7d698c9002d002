import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Soak suites run long and have their own npm script; the crash test runs a few rounds
    // here and 50 under npm run test:crash.
    exclude: ['test/soak/**', 'node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more parallel files only add fsync and scheduler contention.
    maxWorkers: 2,
  },
})
