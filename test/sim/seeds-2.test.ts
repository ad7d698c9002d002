/**
 * Goal: as seeds-1.test.ts, for the other half: HA seeds 501..1000 and synchronous DR seeds
 * 1..100 (sync lost after the timeout and regained). A failure names its seed: replay it with
 * npm run test:sim -- --seed S [--mode M] for a readable trace.
 */
import { expect, it } from 'vitest'
import { runSeeds } from './seeds.js'
import { expectHaHalf } from './seeds-expectations.js'

it(
  'HA seeds 501..1000: no violation, and the workload was acknowledged',
  { timeout: 600_000 },
  async () => {
    expectHaHalf(await runSeeds(501, 500))
  },
)

it(
  'DR synchronous seeds 1..100: no violation; in sync nothing acknowledged is lost',
  { timeout: 600_000 },
  async () => {
    const run = await runSeeds(1, 100, new Set(), false, 'drSync')
    expect(run.failures).toEqual([])
    expect(run.ackedPuts).toBeGreaterThan(5_000)
    expect(run.promotions).toBeGreaterThan(100)
    expect(run.promotionsRefused).toBeGreaterThan(100)
    // Records were committed in sync (checked on the secondary), and some alone after the
    // timeout: those a forced promotion then forked were saved aside.
    expect(run.syncCommits).toBeGreaterThan(5_000)
    expect(run.savedAsideAcked).toBeGreaterThan(10)
  },
)
