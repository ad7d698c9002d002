/**
 * How results are grouped for display: a configuration is a system on a topology (one line or
 * bar per configuration, one colour each); a variant is a message size with a persistence mode.
 */
import type { ScenarioResult } from '../types.js'

export interface Configuration {
  readonly key: string
  readonly system: string
  readonly topology: string
  readonly label: string
  /** For table headers, e.g. 'RMQ quorum ×3'. */
  readonly shortLabel: string
  readonly color: string
  readonly dashed: boolean
  matches(result: ScenarioResult): boolean
}

export interface Variant {
  readonly key: string
  readonly messageBytes: number
  readonly persistent: boolean
  readonly label: string
}

/** Fixed colours per system and topology, so a system looks the same in every chart and run. */
const COLORS: Readonly<Record<string, string>> = {
  'quorummq/single': '#c0392b',
  'quorummq/cluster3': '#7b241c',
  'rabbitmq/single': '#e67e22',
  'rabbitmq/cluster3': '#9c4f0e',
  'rabbitmq-classic/single': '#b7950b',
  'nats/single': '#2e86c1',
  'nats/cluster3': '#1b3f72',
  'in-memory/single': '#7f8c8d',
}
const SPARE_COLORS = ['#8e44ad', '#16a085', '#2c3e50', '#d35400']

const SHORT_NAMES: Readonly<Record<string, string>> = {
  quorummq: 'QuorumMQ',
  rabbitmq: 'RMQ quorum',
  'rabbitmq-classic': 'RMQ classic',
  nats: 'NATS JS',
  'in-memory': 'in-process',
}

/** Display order: QuorumMQ first, then peers, then the harness floor. */
const SYSTEM_ORDER = ['quorummq', 'rabbitmq', 'rabbitmq-classic', 'nats', 'in-memory']

export function configurationKey(result: { system: string; topology: string }): string {
  return `${result.system}/${result.topology}`
}

function topologyLabel(topology: string, nodeCount: number): string {
  return topology === 'single' ? '1 node' : `${nodeCount} nodes`
}

export function configurationsOf(results: readonly ScenarioResult[]): Configuration[] {
  const byKey = new Map<string, ScenarioResult>()
  for (const result of results) {
    const key = configurationKey(result)
    if (!byKey.has(key)) byKey.set(key, result)
  }
  const ordered = [...byKey.values()].sort((left, right) => {
    const order = (result: ScenarioResult) => {
      const index = SYSTEM_ORDER.indexOf(result.system)
      return index === -1 ? SYSTEM_ORDER.length : index
    }
    return order(left) - order(right) || left.nodeCount - right.nodeCount
  })
  let spare = 0
  return ordered.map((sample) => {
    const key = configurationKey(sample)
    const color = COLORS[key] ?? SPARE_COLORS[spare++ % SPARE_COLORS.length] ?? '#000'
    return {
      key,
      system: sample.system,
      topology: sample.topology,
      label: `${sample.systemLabel} · ${topologyLabel(sample.topology, sample.nodeCount)}`,
      shortLabel: `${SHORT_NAMES[sample.system] ?? sample.system} ×${sample.nodeCount}`,
      color,
      dashed: sample.topology !== 'single',
      matches: (result: ScenarioResult) => configurationKey(result) === key,
    }
  })
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} B`
}

export function variantKey(result: { messageBytes: number; persistent: boolean }): string {
  return `${result.messageBytes}|${result.persistent ? 'p' : 'n'}`
}

export function variantsOf(results: readonly ScenarioResult[]): Variant[] {
  const byKey = new Map<string, Variant>()
  for (const result of results) {
    const key = variantKey(result)
    if (byKey.has(key)) continue
    byKey.set(key, {
      key,
      messageBytes: result.messageBytes,
      persistent: result.persistent,
      label: `${formatBytes(result.messageBytes)}, ${result.persistent ? 'persistent' : 'non-persistent'}`,
    })
  }
  return [...byKey.values()].sort(
    (left, right) =>
      left.messageBytes - right.messageBytes || Number(right.persistent) - Number(left.persistent),
  )
}

export function formatMicros(micros: number): string {
  if (micros >= 1_000_000) return `${trim(micros / 1_000_000)} s`
  if (micros >= 1000) return `${trim(micros / 1000)} ms`
  return `${trim(micros)} µs`
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

export function findResult(
  results: readonly ScenarioResult[],
  configuration: Configuration,
  scenario: string,
  variant: Variant,
): ScenarioResult | undefined {
  return results.find(
    (result) =>
      configuration.matches(result) &&
      result.scenario === scenario &&
      variantKey(result) === variant.key,
  )
}

/**
 * The highest offered rate an open-loop run sustained (achieved at least 95 % of it) below the
 * first rate it did not: a sustained point above a saturated one is noise, not capacity.
 */
export function highestSustainedRate(result: ScenarioResult): number | undefined {
  const points = result.openLoop ?? []
  const firstSaturated = points.findIndex((point) => point.saturated)
  const sustained = firstSaturated === -1 ? points : points.slice(0, firstSaturated)
  if (sustained.length === 0) return undefined
  return Math.max(...sustained.map((point) => point.offeredMessagesPerSecond))
}
