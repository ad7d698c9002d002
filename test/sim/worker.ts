/** A simulator worker thread: runs its share of seeds and posts the results (no traces). */
import { parentPort, workerData } from 'node:worker_threads'
import type { SimulationBug } from '../../src/replication/bugs.js'
import { runSimulation, type SimulationMode, type SimulationResult } from './simulation.js'

const { seeds, bugs, mode } = workerData as {
  seeds: number[]
  bugs: SimulationBug[]
  mode: SimulationMode
}
const results: SimulationResult[] = []
for (const seed of seeds) {
  const result = await runSimulation({ seed, bugs: new Set(bugs), mode })
  results.push({ ...result, trace: [] })
}
parentPort!.postMessage(results)
