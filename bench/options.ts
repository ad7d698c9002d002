/**
 * Command-line parsing for qmq-bench, kept apart from the entry point so it can be tested.
 */
import { parseArgs } from 'node:util'
import { PRESETS, type PresetName, type RunParameters } from './parameters.js'
import type { BenchOptions, PlanEntry } from './run.js'
import { DEFAULT_SCENARIOS, SCENARIO_NAMES, type ScenarioName } from './scenarios/common.js'
import { parseConnectionNames } from './topologies/index.js'
import { SYSTEM_NAMES, TOPOLOGY_NAMES, type SystemName, type TopologyName } from './types.js'

export const USAGE = `qmq-bench: QuorumMQ and peer-system benchmark harness

Usage: node dist/bench/cli.js [options]
  --system NAME        quorummq | rabbitmq | rabbitmq-classic | nats | in-memory (repeatable or
                       comma-separated; default: quorummq, rabbitmq, rabbitmq-classic, nats)
  --topology NAME      single | cluster3 (repeatable; default single)
  --scenario NAME      ${SCENARIO_NAMES.join(' | ')} (repeatable; default all but
                       failover, which kills the primary of a QuorumMQ cluster3 group)
  --failover-kills N   kill -9s of the primary in the failover scenario (default 20)
  --quick              1 KiB, ~2 s per scenario: for trying the harness
  --peers              the comparison run: QuorumMQ single and 3-node HA group, RabbitMQ quorum
                       single and 3 nodes,
                       RabbitMQ classic single, NATS R1 single and R3 on 3 nodes; 1 KiB, 5 s
  --out DIR            results directory (default bench/results); a timestamped folder is created
  --conn LIST          use running servers, host(port)[,host(port)...]; nothing is started
  --queue-manager QM   queue manager name with --conn for QuorumMQ (default QM1; needs QMQ_HOME)
  --sizes LIST         message sizes in bytes, e.g. 100,1024,10240,102400
  --persistence MODE   both | persistent | non-persistent
  --duration-seconds N measured seconds per scenario variant
  --connections M      connections for pipelined/open-loop load
  --in-flight N        puts in flight across the pipelined connections
  --render FILE        only re-render report.html next to an existing results.json
  -h, --help           this text

Environment: QMQ_BENCH_PORT_BASE (default 21000) moves every port the harness binds;
QMQ_BENCH_KEEP_DATA=1 keeps server data and logs; QMQ_BENCH_CONCURRENT_CALLS=1 lets QuorumMQ
calls overlap on one connection.`

export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'render'; readonly resultsFile: string }
  | { readonly kind: 'run'; readonly options: BenchOptions }

const DEFAULT_SYSTEMS: readonly SystemName[] = ['quorummq', 'rabbitmq', 'rabbitmq-classic', 'nats']

export const PEER_PLAN: readonly PlanEntry[] = [
  { system: 'quorummq', topology: 'single' },
  { system: 'rabbitmq', topology: 'single' },
  { system: 'rabbitmq-classic', topology: 'single' },
  { system: 'quorummq', topology: 'cluster3' },
  { system: 'rabbitmq', topology: 'cluster3' },
  { system: 'nats', topology: 'single' },
  { system: 'nats', topology: 'cluster3' },
]

function listOf(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim())
}

function checked<T extends string>(values: string[], allowed: readonly T[], flag: string): T[] {
  for (const value of values) {
    if (!allowed.includes(value as T)) {
      throw new Error(`${flag}: unknown value "${value}" (expected ${allowed.join(', ')})`)
    }
  }
  return values as T[]
}

function positiveNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag}: expected a positive number`)
  return value
}

function persistenceModes(text: string | undefined): boolean[] | undefined {
  if (text === undefined) return undefined
  const modes: Record<string, boolean[]> = {
    both: [true, false],
    persistent: [true],
    'non-persistent': [false],
  }
  const chosen = modes[text]
  if (chosen === undefined) throw new Error('--persistence: both | persistent | non-persistent')
  return chosen
}

const OPTIONS = {
  system: { type: 'string', multiple: true },
  topology: { type: 'string', multiple: true },
  scenario: { type: 'string', multiple: true },
  quick: { type: 'boolean' },
  peers: { type: 'boolean' },
  out: { type: 'string' },
  conn: { type: 'string' },
  'queue-manager': { type: 'string' },
  sizes: { type: 'string' },
  persistence: { type: 'string' },
  'duration-seconds': { type: 'string' },
  connections: { type: 'string' },
  'in-flight': { type: 'string' },
  'failover-kills': { type: 'string' },
  render: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

function overrideParameters(
  base: RunParameters,
  values: { [key: string]: string | boolean | string[] | undefined },
): RunParameters {
  const sizes = listOf(values['sizes'] === undefined ? [] : [String(values['sizes'])])
  const duration = positiveNumber(values['duration-seconds'] as string, '--duration-seconds')
  const connections = positiveNumber(values['connections'] as string, '--connections')
  const inFlight = positiveNumber(values['in-flight'] as string, '--in-flight')
  const modes = persistenceModes(values['persistence'] as string | undefined)
  const kills = positiveNumber(values['failover-kills'] as string, '--failover-kills')
  return {
    ...base,
    ...(sizes.length > 0
      ? { messageSizesBytes: sizes.map((size) => positiveNumber(size, '--sizes') as number) }
      : {}),
    ...(duration === undefined
      ? {}
      : { durationSeconds: duration, openLoopSecondsPerRate: duration }),
    ...(connections === undefined ? {} : { connections: Math.round(connections) }),
    ...(inFlight === undefined ? {} : { inFlight: Math.round(inFlight) }),
    ...(modes === undefined ? {} : { persistenceModes: modes }),
    ...(kills === undefined ? {} : { failoverKills: Math.round(kills) }),
  }
}

export function parseCommandLine(argv: readonly string[], defaultOut: string): CommandLine {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true })
  if (values.help === true) return { kind: 'help' }
  if (values.render !== undefined) return { kind: 'render', resultsFile: values.render }
  const preset: PresetName =
    values.quick === true ? 'quick' : values.peers === true ? 'peers' : 'full'
  const systems = checked(listOf(values.system), SYSTEM_NAMES, '--system')
  const topologies = checked(listOf(values.topology), TOPOLOGY_NAMES, '--topology')
  const scenarios = checked(listOf(values.scenario), SCENARIO_NAMES, '--scenario')
  let plan: PlanEntry[]
  if (values.peers === true) {
    plan = PEER_PLAN.filter(
      (entry) =>
        (systems.length === 0 || systems.includes(entry.system)) &&
        (topologies.length === 0 || topologies.includes(entry.topology)),
    )
  } else {
    const chosenTopologies: TopologyName[] = topologies.length === 0 ? ['single'] : topologies
    plan = (systems.length === 0 ? DEFAULT_SYSTEMS : systems).flatMap((system) =>
      chosenTopologies.map((topology) => ({ system, topology })),
    )
  }
  const options: BenchOptions = {
    plan,
    scenarios: scenarios.length === 0 ? [...DEFAULT_SCENARIOS] : (scenarios as ScenarioName[]),
    mode: preset,
    parameters: overrideParameters(PRESETS[preset], values),
    outDirectory: values.out ?? defaultOut,
    command: `qmq-bench ${argv.join(' ')}`.trim(),
    ...(values.conn === undefined ? {} : { existing: parseConnectionNames(values.conn) }),
    ...(values['queue-manager'] === undefined ? {} : { queueManager: values['queue-manager'] }),
  }
  return { kind: 'run', options }
}
