/**
 * Goal: the replication core keeps every safety and liveness property of test/sim/checker.ts
 * (HA group) and test/sim/dr-checker.ts (DR pair, asynchronous) under seeded faults (crashes,
 * partitions, loss, duplication, reordering, slow and failing fsyncs, torn writes, GC-like
 * pauses; for DR also planned switches and forced promotions). Method: HA seeds 1..500 and
 * asynchronous DR seeds 1..100 (the other half is in seeds-2.test.ts, so vitest spreads them
 * over two workers). A failure names its seed: replay it with
 * npm run test:sim -- --seed S [--mode M] for a readable trace.
 */
import { expect, it } from 'vitest'
import { runSeeds } from './seeds.js'
import { expectHaHalf } from './seeds-expectations.js'

it(
  'HA seeds 1..500: no violation, and the workload was acknowledged',
  { timeout: 600_000 },
  async () => {
    expectHaHalf(await runSeeds(1, 500))
  },
)

it(
  'DR asynchronous seeds 1..100: no violation; acknowledged but forked records saved aside',
  { timeout: 600_000 },
  async () => {
    const run = await runSeeds(1, 100, new Set(), false, 'drAsync')
    expect(run.failures).toEqual([])
    expect(run.ackedPuts).toBeGreaterThan(5_000)
    expect(run.promotions).toBeGreaterThan(100)
    // The refusal rule was exercised, and forced promotions did lose (and save) acked records.
    expect(run.promotionsRefused).toBeGreaterThan(100)
    expect(run.savedAsideAcked).toBeGreaterThan(100)
    expect(run.pauses).toBeGreaterThan(20)
  },
)
