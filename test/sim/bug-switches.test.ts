/**
 * Goal: the simulator's checkers can fail. Method: each simulation-only bug switch
 * (src/replication/bugs.ts) breaks one safety rule; within 1,000 seeds of the mode it concerns
 * (HA group, or a DR pair) the simulator must report a violation for it. The seeds each
 * needed are printed for the record.
 */
import { describe, expect, it } from 'vitest'
import { SIMULATION_BUGS, type SimulationBug } from '../../src/replication/bugs.js'
import { runSeeds } from './seeds.js'
import type { SimulationMode } from './simulation.js'

const MODE_OF_BUG: Partial<Record<SimulationBug, SimulationMode>> = {
  'sync-acks-before-remote': 'drSync',
  'promote-while-primary-reachable': 'drAsync',
  'dr-auto-resolve': 'drAsync',
}

describe('bug switches are caught within 1,000 seeds', () => {
  it.each(SIMULATION_BUGS)('%s', { timeout: 600_000 }, async (bug) => {
    const mode = MODE_OF_BUG[bug] ?? 'ha'
    const run = await runSeeds(1, 1000, new Set([bug]), true, mode)
    expect(run.failures.length).toBe(1)
    const [failure] = run.failures
    console.log(
      `bug ${bug} (${mode}): caught at seed ${failure!.seed} (${run.checked} seeds): ` +
        failure!.violation,
    )
  })
})
