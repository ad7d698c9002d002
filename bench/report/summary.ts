/**
 * The summary table: one row per scenario figure and variant, one column per configuration, the
 * best value per row highlighted, then QuorumMQ ÷ peer ratios when QuorumMQ took part. The same
 * row definitions drive bench/compare.ts, so the table and the comparison agree.
 */
import type { LatencyMetric, ScenarioResult } from '../types.js'
import {
  findResult,
  formatCount,
  formatMicros,
  highestSustainedRate,
  type Configuration,
  type Variant,
} from './model.js'
import { escapeXml } from './svg.js'

export interface Figure {
  readonly scenario: string
  readonly name: string
  readonly better: 'lower' | 'higher'
  readonly unit: 'µs' | 'msg/s'
  value(result: ScenarioResult): number | undefined
}

function latency(
  scenario: string,
  metric: LatencyMetric,
  percentile: 'p50Micros' | 'p99Micros' | 'p999Micros' | 'maxMicros',
  name: string,
): Figure {
  return {
    scenario,
    name,
    better: 'lower',
    unit: 'µs',
    value: (result) => result.latencies[metric]?.[percentile],
  }
}

function rate(scenario: string, name: string, value: Figure['value']): Figure {
  return { scenario, name, better: 'higher', unit: 'msg/s', value }
}

function phaseRate(phase: string) {
  return (result: ScenarioResult): number | undefined =>
    result.phases?.find((candidate) => candidate.name === phase)?.throughputMessagesPerSecond
}

export const FIGURES: readonly Figure[] = [
  latency('put-latency', 'put', 'p50Micros', 'sequential put p50'),
  latency('put-latency', 'put', 'p99Micros', 'sequential put p99'),
  latency('get-latency', 'get', 'p50Micros', 'sequential get p50 (deep queue)'),
  latency('get-latency', 'get', 'p99Micros', 'sequential get p99 (deep queue)'),
  latency('round-trip', 'roundTrip', 'p50Micros', 'put→get round trip p50'),
  latency('round-trip', 'roundTrip', 'p99Micros', 'put→get round trip p99'),
  rate('pipelined', 'pipelined throughput', (result) => result.throughputMessagesPerSecond),
  latency('pipelined', 'endToEnd', 'p99Micros', 'pipelined end-to-end p99'),
  rate('open-loop', 'open loop: highest sustained rate', highestSustainedRate),
  latency('open-loop', 'put', 'p99Micros', 'open loop: put p99 at that rate'),
  rate('blast', 'blast write (units of work)', phaseRate('write')),
  rate('blast', 'blast read (units of work)', phaseRate('read')),
  latency('failover', 'gap', 'p50Micros', 'failover: client-visible gap p50'),
  latency('failover', 'gap', 'p99Micros', 'failover: client-visible gap p99'),
  latency('failover', 'gap', 'maxMicros', 'failover: client-visible gap max'),
]

export function formatFigure(figure: Figure, value: number): string {
  return figure.unit === 'µs' ? formatMicros(value) : `${formatCount(value)}/s`
}

/** QuorumMQ ÷ peer, and whether that favours QuorumMQ. */
export function ratioOf(figure: Figure, quorum: number, peer: number) {
  const ratio = peer === 0 ? Number.POSITIVE_INFINITY : quorum / peer
  const quorumBetter = figure.better === 'lower' ? ratio < 1 : ratio > 1
  return { ratio, quorumBetter }
}

function bestValue(figure: Figure, values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined)
  if (present.length === 0) return undefined
  return figure.better === 'lower' ? Math.min(...present) : Math.max(...present)
}

function row(
  figure: Figure,
  values: readonly (number | undefined)[],
  configurations: readonly Configuration[],
): string {
  const best = bestValue(figure, values)
  const cells = values.map((value) =>
    value === undefined
      ? '<td class="missing">—</td>'
      : `<td${values.filter((v) => v !== undefined).length > 1 && value === best ? ' class="best"' : ''}>` +
        `${formatFigure(figure, value)}</td>`,
  )
  const quorumIndex = configurations.findIndex((c) => c.system === 'quorummq')
  const quorumValue = quorumIndex === -1 ? undefined : values[quorumIndex]
  const ratios = configurations.flatMap((configuration, index) => {
    if (quorumIndex === -1 || configuration.system === 'quorummq') return []
    const peer = values[index]
    if (quorumValue === undefined || peer === undefined) return ['<td class="missing">—</td>']
    const { ratio, quorumBetter } = ratioOf(figure, quorumValue, peer)
    return [`<td class="${quorumBetter ? 'good' : 'bad'}">${ratio.toFixed(2)}×</td>`]
  })
  const winner = configurations[values.findIndex((value) => value === best)]
  return (
    `<tr><td class="text">${escapeXml(figure.name)}</td>${cells.join('')}` +
    `<td class="text">${winner === undefined ? '' : escapeXml(winner.shortLabel)}</td>` +
    `${ratios.join('')}</tr>`
  )
}

export function renderSummaryTable(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  variants: readonly Variant[],
): string {
  if (results.length === 0) return '<h2>Summary</h2><p>No scenario produced a result.</p>'
  const hasQuorum = configurations.some((c) => c.system === 'quorummq')
  const peers = configurations.filter((c) => c.system !== 'quorummq')
  const header =
    '<tr><th class="text">Figure</th>' +
    configurations
      .map(
        (c) =>
          `<th title="${escapeXml(c.label)}"><span class="swatch" ` +
          `style="background:${c.color}"></span>${escapeXml(c.shortLabel)}</th>`,
      )
      .join('') +
    '<th class="text">Best</th>' +
    (hasQuorum
      ? peers
          .map(
            (c) => `<th title="QuorumMQ ÷ ${escapeXml(c.label)}">÷ ${escapeXml(c.shortLabel)}</th>`,
          )
          .join('')
      : '') +
    '</tr>'
  const rows: string[] = []
  const columns = 2 + configurations.length + (hasQuorum ? peers.length : 0)
  for (const variant of variants) {
    const variantRows: string[] = []
    for (const figure of FIGURES) {
      const values = configurations.map((configuration) => {
        const result = findResult(results, configuration, figure.scenario, variant)
        return result === undefined ? undefined : figure.value(result)
      })
      if (values.every((value) => value === undefined)) continue
      variantRows.push(row(figure, values, configurations))
    }
    if (variantRows.length === 0) continue
    rows.push(
      `<tr class="variant"><th class="text" colspan="${columns}">${escapeXml(variant.label)}</th></tr>`,
      ...variantRows,
    )
  }
  const note = hasQuorum
    ? ''
    : '<p class="muted">QuorumMQ is not in this run, so there are no ratio columns.</p>'
  return `<h2>Summary</h2>${note}
    <p class="muted">Best value per row in green. Latencies: lower is better; rates: higher.
    ×1 / ×3: nodes. "÷ X" columns: QuorumMQ's value divided by X's (green: QuorumMQ better).</p>
    <table>${header}${rows.join('\n')}</table>`
}
