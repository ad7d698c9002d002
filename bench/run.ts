/**
 * Runs a benchmark plan: for each (server kind, topology) the servers are started once, every
 * system adapter that uses them runs every scenario variant, and the servers are stopped. The run
 * writes results.json and report.html into <out>/<timestamp>/.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { PresetName, RunParameters } from './parameters.js'
import { renderReport } from './report/html.js'
import { loadAverage, machineInfo, quorumMqVersion } from './output/environment.js'
import { formatProgress } from '../src/ops/progress-bar.js'
import { SCENARIOS } from './scenarios/index.js'
import type { Scenario, ScenarioContext, ScenarioName } from './scenarios/common.js'
import { ADAPTERS, type AdapterFactories } from './systems/index.js'
import { startTopology } from './topologies/index.js'
import type {
  Endpoint,
  ResultsFile,
  RunningTopology,
  ScenarioResult,
  SkippedRun,
  SystemAdapter,
  SystemName,
  TopologyName,
} from './types.js'

export interface PlanEntry {
  readonly system: SystemName
  readonly topology: TopologyName
}

export interface BenchOptions {
  readonly plan: readonly PlanEntry[]
  readonly scenarios: readonly ScenarioName[]
  readonly mode: PresetName
  readonly parameters: RunParameters
  /** Results go to <outDirectory>/<timestamp>/. */
  readonly outDirectory: string
  readonly existing?: readonly Endpoint[]
  readonly queueManager?: string
  readonly command: string
}

export interface BenchDependencies {
  readonly adapters?: AdapterFactories
  readonly log?: (line: string) => void
  readonly startTopology?: typeof startTopology
}

export interface BenchOutcome {
  readonly directory: string
  readonly resultsFile: string
  readonly reportFile: string
  readonly results: ResultsFile
}

interface Accumulator {
  readonly results: ScenarioResult[]
  readonly skipped: SkippedRun[]
  readonly versions: Record<string, string>
  readonly loadAverageAtStart: readonly number[]
  /** Scenario variants run or skipped so far, of the plan's total (the progress bar). */
  readonly progress: { done: number; readonly total: number; readonly startedMs: number }
}

/** Plan entries grouped by the servers they need, in first-mentioned order. */
function groupPlan(plan: readonly PlanEntry[], adapters: AdapterFactories) {
  const groups = new Map<string, { topology: TopologyName; adapters: SystemAdapter[] }>()
  for (const entry of plan) {
    const adapter = adapters[entry.system]()
    const key = `${adapter.serverKind}|${entry.topology}`
    let group = groups.get(key)
    if (group === undefined) {
      group = { topology: entry.topology, adapters: [] }
      groups.set(key, group)
    }
    group.adapters.push(adapter)
  }
  return [...groups.values()]
}

/** Scenario variants one adapter runs: sizes x persistence modes x scenarios. */
function variantsPerAdapter(options: BenchOptions): number {
  const { messageSizesBytes, persistenceModes } = options.parameters
  return messageSizesBytes.length * persistenceModes.length * options.scenarios.length
}

async function usableAdapters(
  options: BenchOptions,
  adapters: readonly SystemAdapter[],
  topology: TopologyName,
  accumulator: Accumulator,
  log: (line: string) => void,
): Promise<SystemAdapter[]> {
  const usable: SystemAdapter[] = []
  for (const adapter of adapters) {
    const reason = adapter.topologies.includes(topology)
      ? await adapter.unavailableReason()
      : `${adapter.label} does not run on topology ${topology}`
    if (reason === undefined) usable.push(adapter)
    else {
      accumulator.progress.done += variantsPerAdapter(options)
      accumulator.skipped.push({ system: adapter.name, topology, reason })
      log(`skipping ${adapter.name} on ${topology}: ${reason}`)
    }
  }
  return usable
}

function describeLine(result: ScenarioResult, scenario: Scenario): string {
  const primary = scenario.primaryMetric === 'throughput' ? undefined : scenario.primaryMetric
  const latency =
    primary !== undefined && result.latencies[primary] !== undefined
      ? ([primary, result.latencies[primary]] as const)
      : Object.entries(result.latencies)[0]
  const latencyText =
    latency === undefined
      ? ''
      : ` ${latency[0]} p50 ${latency[1].p50Micros} µs p99 ${latency[1].p99Micros} µs`
  return `  -> ${result.throughputMessagesPerSecond} msg/s${latencyText}`
}

async function runAdapter(
  adapter: SystemAdapter,
  running: RunningTopology,
  options: BenchOptions,
  accumulator: Accumulator,
  log: (line: string) => void,
): Promise<void> {
  const topology = running.info
  const systemVersion = await adapter.serverVersion(topology).catch(() => running.serverVersion)
  accumulator.versions[adapter.name] = systemVersion
  const context: ScenarioContext = {
    system: adapter,
    topology,
    systemVersion,
    parameters: options.parameters,
    capacityCache: new Map(),
    log,
  }
  const scenarios = SCENARIOS.filter((scenario) => options.scenarios.includes(scenario.name))
  for (const messageBytes of options.parameters.messageSizesBytes) {
    for (const persistent of options.parameters.persistenceModes) {
      if (!persistent && !adapter.supportsNonPersistent) {
        accumulator.progress.done += scenarios.length
        continue
      }
      for (const scenario of scenarios) {
        await runOne(scenario, context, { persistent, messageBytes }, accumulator, log)
      }
    }
  }
}

async function runOne(
  scenario: Scenario,
  context: ScenarioContext,
  variant: { persistent: boolean; messageBytes: number },
  accumulator: Accumulator,
  log: (line: string) => void,
): Promise<void> {
  const persistence = variant.persistent ? 'persistent' : 'non-persistent'
  const label = `${scenario.name} ${variant.messageBytes} B ${persistence}`
  const { progress } = accumulator
  const bar = formatProgress(
    progress.done,
    progress.total,
    performance.now() - progress.startedMs,
    'variants',
  )
  log(`${bar}  ${context.system.label} [${context.topology.name}] ${label}`)
  progress.done++
  const limitMs = scenarioTimeoutMs(scenario, context.parameters)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${limitMs / 1000} s`)), limitMs)
  })
  try {
    const result = await Promise.race([scenario.run(context, variant), timeout])
    accumulator.results.push(result)
    log(describeLine(result, scenario))
  } catch (error) {
    const reason = `${label} failed: ${error instanceof Error ? error.message : String(error)}`
    accumulator.skipped.push({
      system: context.system.name,
      topology: context.topology.name,
      reason,
    })
    log(`  !! ${reason}`)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A generous bound on one scenario variant, so that a server that stops answering costs one
 * failed entry in the results instead of a run that never ends.
 */
export function scenarioTimeoutMs(scenario: Scenario, parameters: RunParameters): number {
  const baseSeconds = 120 + 20 * (parameters.durationSeconds + parameters.warmupSeconds)
  // Each kill: the group back in sync (up to 2 min), load, the failover (up to 1 min).
  if (scenario.name === 'failover') return (baseSeconds + parameters.failoverKills * 200) * 1000
  if (scenario.name !== 'open-loop') return baseSeconds * 1000
  const rates = parameters.openLoopFractions.length + 4
  return (baseSeconds + rates * (parameters.openLoopSecondsPerRate * 3 + 12)) * 1000
}

export async function runBenchmark(
  options: BenchOptions,
  dependencies: BenchDependencies = {},
): Promise<BenchOutcome> {
  const log = dependencies.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const begin = dependencies.startTopology ?? startTopology
  const startedAt = new Date()
  const accumulator: Accumulator = {
    results: [],
    skipped: [],
    versions: {},
    loadAverageAtStart: loadAverage(),
    progress: {
      done: 0,
      total: Math.max(1, options.plan.length * variantsPerAdapter(options)),
      startedMs: performance.now(),
    },
  }
  for (const group of groupPlan(options.plan, dependencies.adapters ?? ADAPTERS)) {
    const adapters = await usableAdapters(options, group.adapters, group.topology, accumulator, log)
    const serverKind = adapters[0]?.serverKind
    if (serverKind === undefined) continue
    let running: RunningTopology
    try {
      running = await begin({
        serverKind,
        topology: group.topology,
        log,
        ...(options.existing === undefined ? {} : { existing: options.existing }),
        ...(options.queueManager === undefined ? {} : { queueManager: options.queueManager }),
      })
    } catch (error) {
      const reason = `could not start ${serverKind} ${group.topology}: ${String(error)}`
      log(reason)
      accumulator.progress.done += adapters.length * variantsPerAdapter(options)
      for (const adapter of adapters) {
        accumulator.skipped.push({ system: adapter.name, topology: group.topology, reason })
      }
      continue
    }
    try {
      for (const adapter of adapters) {
        try {
          await runAdapter(adapter, running, options, accumulator, log)
        } finally {
          await adapter.dispose().catch(() => undefined)
        }
      }
    } finally {
      log(`stopping ${serverKind} ${group.topology}`)
      await running.stop()
    }
  }
  return writeOutputs(options, startedAt, accumulator, log)
}

function timestampName(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-')
}

function writeOutputs(
  options: BenchOptions,
  startedAt: Date,
  accumulator: Accumulator,
  log: (line: string) => void,
): BenchOutcome {
  const results: ResultsFile = {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.mode,
    parameters: { ...options.parameters, scenarios: options.scenarios },
    command: options.command,
    machine: machineInfo(accumulator.loadAverageAtStart),
    versions: { node: process.version, quorummq: quorumMqVersion(), systems: accumulator.versions },
    results: accumulator.results,
    skipped: accumulator.skipped,
  }
  const directory = resolve(options.outDirectory, timestampName(startedAt))
  mkdirSync(directory, { recursive: true })
  const resultsFile = join(directory, 'results.json')
  const reportFile = join(directory, 'report.html')
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(reportFile, renderReport(results))
  log(`results: ${resultsFile}`)
  log(`report:  ${reportFile}`)
  return { directory, resultsFile, reportFile, results }
}
