/**
 * Structural check of results.json: returns the list of problems (empty when valid). Written by
 * hand so the harness needs no schema library; used by the tests and before comparing two runs.
 */
import { SYSTEM_NAMES, TOPOLOGY_NAMES } from '../types.js'

type Problems = string[]

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function expectNumber(record: Record<string, unknown>, key: string, at: string, out: Problems) {
  const value = record[key]
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    out.push(`${at}.${key}: expected a non-negative number, got ${JSON.stringify(value)}`)
  }
}

function expectString(record: Record<string, unknown>, key: string, at: string, out: Problems) {
  if (typeof record[key] !== 'string' || record[key] === '') {
    out.push(`${at}.${key}: expected a non-empty string`)
  }
}

const SUMMARY_NUMBERS = [
  'count',
  'minMicros',
  'meanMicros',
  'p50Micros',
  'p90Micros',
  'p99Micros',
  'p999Micros',
  'maxMicros',
]

export function validateSummary(value: unknown, at: string, out: Problems): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected a percentile summary`)
    return
  }
  for (const key of SUMMARY_NUMBERS) expectNumber(value, key, at, out)
  const ordered = ['p50Micros', 'p90Micros', 'p99Micros', 'p999Micros', 'maxMicros'].map(
    (key) => value[key] as number,
  )
  for (let index = 1; index < ordered.length; index++) {
    if ((ordered[index] as number) < (ordered[index - 1] as number)) {
      out.push(`${at}: percentiles are not ascending (${ordered.join(', ')})`)
      break
    }
  }
  if (!Array.isArray(value['curve'])) out.push(`${at}.curve: expected an array`)
  if (typeof value['histogram'] !== 'string') out.push(`${at}.histogram: expected a string`)
}

function validateResult(value: unknown, at: string, out: Problems): void {
  if (!isRecord(value)) {
    out.push(`${at}: expected an object`)
    return
  }
  for (const key of ['scenario', 'systemLabel', 'systemVersion', 'durability']) {
    expectString(value, key, at, out)
  }
  if (!SYSTEM_NAMES.includes(value['system'] as never)) out.push(`${at}.system: unknown system`)
  if (!TOPOLOGY_NAMES.includes(value['topology'] as never)) {
    out.push(`${at}.topology: unknown topology`)
  }
  if (typeof value['persistent'] !== 'boolean') out.push(`${at}.persistent: expected a boolean`)
  for (const key of [
    'nodeCount',
    'messageBytes',
    'connections',
    'inFlight',
    'durationSeconds',
    'messages',
    'throughputMessagesPerSecond',
    'throughputMegabytesPerSecond',
  ]) {
    expectNumber(value, key, at, out)
  }
  const latencies = value['latencies']
  if (!isRecord(latencies)) out.push(`${at}.latencies: expected an object`)
  else {
    for (const [metric, summary] of Object.entries(latencies)) {
      validateSummary(summary, `${at}.latencies.${metric}`, out)
    }
  }
  const openLoop = value['openLoop']
  if (openLoop !== undefined) {
    if (!Array.isArray(openLoop)) out.push(`${at}.openLoop: expected an array`)
    else {
      openLoop.forEach((point: unknown, index) => {
        const here = `${at}.openLoop[${index}]`
        if (!isRecord(point)) return void out.push(`${here}: expected an object`)
        expectNumber(point, 'offeredMessagesPerSecond', here, out)
        expectNumber(point, 'achievedMessagesPerSecond', here, out)
        validateSummary(point['put'], `${here}.put`, out)
        if (typeof point['saturated'] !== 'boolean') out.push(`${here}.saturated: boolean`)
      })
    }
  }
}

export function validateResults(value: unknown): string[] {
  const out: Problems = []
  if (!isRecord(value)) return ['results: expected an object']
  if (value['schemaVersion'] !== 1) out.push('schemaVersion: expected 1')
  for (const key of ['startedAt', 'finishedAt', 'mode', 'command'])
    expectString(value, key, '', out)
  const machine = value['machine']
  if (!isRecord(machine)) out.push('machine: expected an object')
  else {
    for (const key of ['cpus', 'memoryBytes']) expectNumber(machine, key, 'machine', out)
    for (const key of ['os', 'kernel', 'arch']) expectString(machine, key, 'machine', out)
  }
  const versions = value['versions']
  if (!isRecord(versions)) out.push('versions: expected an object')
  else {
    for (const key of ['node', 'quorummq']) expectString(versions, key, 'versions', out)
    if (!isRecord(versions['systems'])) out.push('versions.systems: expected an object')
  }
  if (!Array.isArray(value['results'])) out.push('results: expected an array')
  else value['results'].forEach((result, index) => validateResult(result, `results[${index}]`, out))
  if (!Array.isArray(value['skipped'])) out.push('skipped: expected an array')
  return out
}
