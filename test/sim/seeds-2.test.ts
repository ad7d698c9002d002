/**
 * Goal: the replication core keeps every safety and liveness property of test/sim/checker.ts
 * under seeded faults (crashes, partitions, loss, duplication, reordering, slow and failing
 * fsyncs, torn writes). Method: seeds 501..1000 (the other half of the 1,000 seeds
 * npm test runs is in seeds-1.test.ts, so vitest spreads them over two workers).
 * A failure names its seed: replay it with npm run test:sim -- --seed S for a readable trace.
 */
import { expect, it } from 'vitest'
import { runSeeds } from './seeds.js'

it(
  'seeds 501..1000: no violation, and the workload was acknowledged',
  { timeout: 600_000 },
  async () => {
    const run = await runSeeds(501, 500)
    expect(run.failures).toEqual([])
    expect(run.checked).toBe(500)
    // The checks had something to check: work acknowledged, faults injected, engines compared.
    expect(run.ackedPuts).toBeGreaterThan(10_000)
    expect(run.crashes).toBeGreaterThan(100)
    expect(run.partitions).toBeGreaterThan(100)
    expect(run.engineComparisons).toBeGreaterThan(1_000)
    // Members catching up were sent their ranges in parts (the APPEND limit).
    expect(run.appendParts).toBeGreaterThan(1_000)
  },
)
