/**
 * Goal: a seed replays exactly, so a failing seed printed by a run can be debugged from its
 * trace. Method: run the same seeds twice with tracing on and compare traces and statistics;
 * a different seed must give a different run (the seed does drive the faults).
 */
import { expect, it } from 'vitest'
import { runSimulation } from './simulation.js'

it('the same seed gives the same run, a different seed a different one', async () => {
  for (const seed of [3, 42]) {
    const first = await runSimulation({ seed, trace: true })
    const second = await runSimulation({ seed, trace: true })
    expect(second.trace).toEqual(first.trace)
    expect(second.stats).toEqual(first.stats)
    expect(first.trace.length).toBeGreaterThan(10)
  }
  for (const mode of ['drAsync', 'drSync'] as const) {
    const first = await runSimulation({ seed: 7, mode, trace: true })
    const second = await runSimulation({ seed: 7, mode, trace: true })
    expect(second.trace).toEqual(first.trace)
    expect(second.stats).toEqual(first.stats)
  }
  const other = await runSimulation({ seed: 43, trace: true })
  const again = await runSimulation({ seed: 42, trace: true })
  expect(other.trace).not.toEqual(again.trace)
})
