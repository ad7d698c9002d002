/**
 * What every scenario needs: a context (system, topology, parameters), fresh queues that are
 * deleted afterwards, sessions that are always closed, and the common fields of a result.
 */
import { createHistogram, recordMicros, summarize, type Histogram } from '../measure/histogram.js'
import { nowMicros, sleepMs } from '../measure/clock.js'
import type { RunParameters } from '../parameters.js'
import type {
  LatencyMetric,
  MessageStream,
  PercentileSummary,
  QueueSession,
  ScenarioResult,
  SystemAdapter,
  TopologyInfo,
} from '../types.js'

export const SCENARIO_NAMES = [
  'put-latency',
  'get-latency',
  'round-trip',
  'pipelined',
  'open-loop',
  'blast',
  'failover',
] as const
export type ScenarioName = (typeof SCENARIO_NAMES)[number]
/** What a run does when no --scenario is given: failover kills servers, so only on request. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIO_NAMES.filter(
  (name) => name !== 'failover',
)

export interface ScenarioVariant {
  readonly persistent: boolean
  readonly messageBytes: number
}

export interface ScenarioContext {
  readonly system: SystemAdapter
  readonly topology: TopologyInfo
  readonly systemVersion: string
  readonly parameters: RunParameters
  /** Capacity (messages/s) measured by the pipelined scenario, reused by the open-loop one. */
  readonly capacityCache: Map<string, number>
  log(line: string): void
}

export interface Scenario {
  readonly name: ScenarioName
  readonly title: string
  /** What the summary table and the charts show first for this scenario. */
  readonly primaryMetric: LatencyMetric | 'throughput'
  run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult>
}

export function capacityKey(variant: ScenarioVariant): string {
  return `${variant.persistent ? 'persistent' : 'non-persistent'}:${variant.messageBytes}`
}

let queueCounter = 0

/** MQ-style names (upper case, dots, at most 48 characters) are valid in every system here. */
export function uniqueQueueName(scenario: ScenarioName): string {
  queueCounter++
  const stamp = Date.now().toString(36).toUpperCase()
  return `BENCH.${scenario.toUpperCase().replace(/-/g, '_')}.${stamp}.${queueCounter}`
}

/** Runs `body` against a queue created for it, and deletes the queue whatever happens. */
export async function withQueue<T>(
  context: ScenarioContext,
  scenario: ScenarioName,
  variant: ScenarioVariant,
  body: (queueName: string) => Promise<T>,
): Promise<T> {
  const queueName = uniqueQueueName(scenario)
  await context.system.createQueue(context.topology, queueName, variant.persistent)
  try {
    return await body(queueName)
  } finally {
    await context.system.deleteQueue(context.topology, queueName).catch((error: unknown) => {
      context.log(`warning: could not delete queue ${queueName}: ${String(error)}`)
    })
  }
}

/** Opens `count` sessions, runs `body`, then closes them all even if `body` throws. */
export async function withSessions<T>(
  context: ScenarioContext,
  queueName: string,
  variant: ScenarioVariant,
  count: number,
  body: (sessions: QueueSession[]) => Promise<T>,
): Promise<T> {
  const sessions: QueueSession[] = []
  try {
    for (let index = 0; index < count; index++) {
      sessions.push(await context.system.open(context.topology, queueName, variant.persistent))
    }
    return await body(sessions)
  } finally {
    for (const session of sessions) await session.close().catch(() => undefined)
  }
}

export async function closeStreams(streams: readonly MessageStream[]): Promise<void> {
  for (const stream of streams) await stream.close().catch(() => undefined)
}

/** A histogram per latency metric, created on first use. */
export class LatencySet {
  private readonly histograms = new Map<LatencyMetric, Histogram>()

  record(metric: LatencyMetric, micros: number): void {
    let histogram = this.histograms.get(metric)
    if (histogram === undefined) {
      histogram = createHistogram()
      this.histograms.set(metric, histogram)
    }
    recordMicros(histogram, micros)
  }

  summaries(): Partial<Record<LatencyMetric, PercentileSummary>> {
    const result: Partial<Record<LatencyMetric, PercentileSummary>> = {}
    for (const [metric, histogram] of this.histograms) result[metric] = summarize(histogram)
    return result
  }
}

export interface MeasuredFields {
  readonly connections: number
  readonly inFlight: number
  readonly durationSeconds: number
  readonly messages: number
  readonly latencies: ScenarioResult['latencies']
  readonly openLoop?: ScenarioResult['openLoop']
  readonly saturationMessagesPerSecond?: number
  readonly phases?: ScenarioResult['phases']
  readonly notes?: readonly string[]
}

export function throughputs(
  messages: number,
  durationSeconds: number,
  messageBytes: number,
): { messagesPerSecond: number; megabytesPerSecond: number } {
  if (durationSeconds <= 0) return { messagesPerSecond: 0, megabytesPerSecond: 0 }
  const messagesPerSecond = messages / durationSeconds
  return {
    messagesPerSecond: round(messagesPerSecond, 1),
    megabytesPerSecond: round((messagesPerSecond * messageBytes) / 1_000_000, 3),
  }
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals
  return Math.round(value * factor) / factor
}

export function buildResult(
  context: ScenarioContext,
  scenario: ScenarioName,
  variant: ScenarioVariant,
  fields: MeasuredFields,
): ScenarioResult {
  const rate = throughputs(fields.messages, fields.durationSeconds, variant.messageBytes)
  return {
    scenario,
    system: context.system.name,
    systemLabel: context.system.label,
    systemVersion: context.systemVersion,
    topology: context.topology.name,
    nodeCount: context.topology.nodeCount,
    persistent: variant.persistent,
    messageBytes: variant.messageBytes,
    durability: context.system.durability(context.topology, variant.persistent),
    connections: fields.connections,
    inFlight: fields.inFlight,
    durationSeconds: round(fields.durationSeconds, 3),
    messages: fields.messages,
    throughputMessagesPerSecond: rate.messagesPerSecond,
    throughputMegabytesPerSecond: rate.megabytesPerSecond,
    latencies: fields.latencies,
    ...(fields.openLoop === undefined ? {} : { openLoop: fields.openLoop }),
    ...(fields.saturationMessagesPerSecond === undefined
      ? {}
      : { saturationMessagesPerSecond: fields.saturationMessagesPerSecond }),
    ...(fields.phases === undefined ? {} : { phases: fields.phases }),
    ...(fields.notes === undefined || fields.notes.length === 0 ? {} : { notes: fields.notes }),
  }
}

/**
 * Puts `count` messages with `window` of them in flight (not measured): fills a deep queue.
 * `makeBody` receives the sequence number.
 */
export async function preload(
  session: QueueSession,
  count: number,
  window: number,
  persistent: boolean,
  makeBody: (sequence: number) => Buffer,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const sequence = next++
      await session.put(makeBody(sequence), { persistent })
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker))
}

/** Waits until `condition` holds, polling, or until `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = nowMicros() + timeoutMs * 1000
  while (!condition()) {
    if (nowMicros() >= deadline) return false
    await sleepMs(1)
  }
  return true
}
