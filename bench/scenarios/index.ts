/** The scenario registry, in the order a run executes them (pipelined before open-loop). */
import { blastScenario } from './blast.js'
import type { Scenario, ScenarioName } from './common.js'
import { failoverScenario } from './failover.js'
import { getLatencyScenario } from './get-latency.js'
import { openLoopScenario } from './open-loop.js'
import { pipelinedScenario } from './pipelined.js'
import { putLatencyScenario } from './put-latency.js'
import { roundTripScenario } from './round-trip.js'

export const SCENARIOS: readonly Scenario[] = [
  putLatencyScenario,
  getLatencyScenario,
  roundTripScenario,
  pipelinedScenario,
  openLoopScenario,
  blastScenario,
  failoverScenario,
]

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name)
}

export type { Scenario, ScenarioName }
