/**
 * Goal: the simulator's checkers can fail. Method: each simulation-only bug switch
 * (src/replication/bugs.ts) breaks one safety rule; within 1,000 seeds the simulator must
 * report a violation for it. The seeds each needed are printed for the record.
 */
import { describe, expect, it } from 'vitest'
import { SIMULATION_BUGS } from '../../src/replication/bugs.js'
import { runSeeds } from './seeds.js'

describe('bug switches are caught within 1,000 seeds', () => {
  it.each(SIMULATION_BUGS)('%s', { timeout: 600_000 }, async (bug) => {
    const run = await runSeeds(1, 1000, new Set([bug]), true)
    expect(run.failures.length).toBe(1)
    const [failure] = run.failures
    console.log(
      `bug ${bug}: caught at seed ${failure!.seed} (${run.checked} seeds): ${failure!.violation}`,
    )
  })
})
