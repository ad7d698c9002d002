/** Runs a range of seeds in this process and returns the failures (for the vitest suites). */
import type { SimulationBug } from '../../src/replication/bugs.js'
import { runSimulation, type SimulationMode } from './simulation.js'

export interface SeedRun {
  readonly checked: number
  readonly failures: { seed: number; violation: string }[]
  readonly ackedPuts: number
  readonly crashes: number
  readonly partitions: number
  readonly engineComparisons: number
  readonly appendParts: number
  readonly pauses: number
  readonly pausedPrimariesDeposed: number
  readonly promotions: number
  readonly promotionsRefused: number
  readonly savedAsideAcked: number
  readonly syncCommits: number
}

export async function runSeeds(
  from: number,
  count: number,
  bugs: ReadonlySet<SimulationBug> = new Set(),
  stopAtFirstFailure = false,
  mode: SimulationMode = 'ha',
): Promise<SeedRun> {
  const run = {
    checked: 0,
    failures: [] as { seed: number; violation: string }[],
    ackedPuts: 0,
    crashes: 0,
    partitions: 0,
    engineComparisons: 0,
    appendParts: 0,
    pauses: 0,
    pausedPrimariesDeposed: 0,
    promotions: 0,
    promotionsRefused: 0,
    savedAsideAcked: 0,
    syncCommits: 0,
  }
  for (let seed = from; seed < from + count; seed++) {
    const result = await runSimulation({ seed, bugs, mode })
    run.checked++
    run.ackedPuts += result.stats.ackedPuts
    run.crashes += result.stats.crashes
    run.partitions += result.stats.partitions
    run.engineComparisons += result.stats.engineComparisons
    run.appendParts += result.stats.appendParts
    run.pauses += result.stats.pauses
    run.pausedPrimariesDeposed += result.stats.pausedPrimariesDeposed
    run.promotions += result.stats.promotions
    run.promotionsRefused += result.stats.promotionsRefused
    run.savedAsideAcked += result.stats.savedAsideAcked
    run.syncCommits += result.stats.syncCommits
    if (result.violations.length > 0) {
      run.failures.push({ seed, violation: result.violations[0]! })
      if (stopAtFirstFailure) break
    }
  }
  return run
}
