/**
 * The report's chart sections, built from results with the primitives in svg.ts.
 */
import { percentileToNines, resolvableNines } from '../measure/histogram.js'
import type { LatencyMetric, PercentileSummary, ScenarioResult } from '../types.js'
import {
  findResult,
  formatCount,
  formatMicros,
  highestSustainedRate,
  type Configuration,
  type Variant,
} from './model.js'
import {
  decadeTicks,
  escapeXml,
  logRange,
  renderBarChart,
  renderLineChart,
  type Bar,
  type Series,
  type Tick,
} from './svg.js'

const METRIC_NAMES: Readonly<Record<LatencyMetric, string>> = {
  put: 'put acknowledgement',
  get: 'get',
  roundTrip: 'put→get round trip',
  endToEnd: 'end to end (put start → delivery)',
  gap: 'failover gap (last ack before a kill → first after)',
}

const SCENARIO_TITLES: Readonly<Record<string, string>> = {
  'put-latency': 'Sequential put (1 connection, 1 in flight)',
  'get-latency': 'Sequential get from a deep queue',
  'round-trip': 'Put then get between two connections',
  pipelined: 'Pipelined load (N in flight over M connections, consumers draining)',
  'open-loop': 'Open-loop fixed rate',
  blast: 'amqsblst-like write then read',
  failover: 'Failover: kill -9 of the primary under load',
}

function rateLabel(value: number): string {
  if (value >= 1_000_000) return `${value / 1_000_000}M`
  if (value >= 1000) return `${value / 1000}k`
  return String(value)
}

interface ThroughputFigure {
  readonly title: string
  readonly scenario: string
  value(result: ScenarioResult): { rate: number; megabytes: number } | undefined
}

const THROUGHPUT_FIGURES: readonly ThroughputFigure[] = [
  {
    title: 'Pipelined throughput',
    scenario: 'pipelined',
    value: (result) => ({
      rate: result.throughputMessagesPerSecond,
      megabytes: result.throughputMegabytesPerSecond,
    }),
  },
  {
    title: 'Open loop: highest sustained offered rate',
    scenario: 'open-loop',
    value: (result) => {
      const rate = highestSustainedRate(result)
      return rate === undefined
        ? undefined
        : { rate, megabytes: (rate * result.messageBytes) / 1_000_000 }
    },
  },
  ...(['write', 'read'] as const).map((phase) => ({
    title: `Blast ${phase} (units of work)`,
    scenario: 'blast',
    value: (result: ScenarioResult) => {
      const found = result.phases?.find((candidate) => candidate.name === phase)
      return found === undefined
        ? undefined
        : { rate: found.throughputMessagesPerSecond, megabytes: found.throughputMegabytesPerSecond }
    },
  })),
]

export function renderThroughputCharts(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  variants: readonly Variant[],
): string {
  const charts: string[] = []
  for (const variant of variants) {
    for (const figure of THROUGHPUT_FIGURES) {
      const bars: Bar[] = []
      for (const configuration of configurations) {
        const result = findResult(results, configuration, figure.scenario, variant)
        const value = result === undefined ? undefined : figure.value(result)
        if (value === undefined) continue
        bars.push({
          label: configuration.label,
          value: value.rate,
          color: configuration.color,
          valueLabel: `${formatCount(value.rate)} msg/s · ${value.megabytes.toFixed(2)} MB/s`,
        })
      }
      if (bars.length > 0) {
        charts.push(renderBarChart(`${figure.title} — ${variant.label}`, 'messages/s', bars))
      }
    }
  }
  return charts.length === 0 ? '' : `<h2 id="throughput">Throughput</h2>${charts.join('\n')}`
}

function latencyAxis(values: readonly number[], label: string) {
  const range = logRange(values)
  return {
    label,
    scale: 'log' as const,
    ...range,
    ticks: decadeTicks(range.min, range.max, formatMicros),
  }
}

function rateAxis(values: readonly number[], label: string) {
  const range = logRange(values)
  return {
    label,
    scale: 'log' as const,
    ...range,
    ticks: decadeTicks(range.min, range.max, rateLabel),
  }
}

function openLoopSeries(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  variant: Variant,
  y: (point: NonNullable<ScenarioResult['openLoop']>[number]) => number,
): Series[] {
  const series: Series[] = []
  for (const configuration of configurations) {
    const result = findResult(results, configuration, 'open-loop', variant)
    const points = result?.openLoop ?? []
    if (points.length === 0) continue
    const firstSaturated = points.find((point) => point.saturated)
    series.push({
      name: configuration.label,
      color: configuration.color,
      dashed: configuration.dashed,
      showPoints: true,
      points: points.map((point) => ({
        x: point.offeredMessagesPerSecond,
        y: Math.max(1, y(point)),
        highlighted: point === firstSaturated,
        title:
          `${configuration.label}: offered ${formatCount(point.offeredMessagesPerSecond)}/s, ` +
          `achieved ${formatCount(point.achievedMessagesPerSecond)}/s, put p50 ` +
          `${formatMicros(point.put.p50Micros)}, p99 ${formatMicros(point.put.p99Micros)}` +
          (point.saturated ? ' (saturated)' : ''),
      })),
    })
  }
  return series
}

export function renderOpenLoopCharts(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  variants: readonly Variant[],
): string {
  const charts: string[] = []
  for (const variant of variants) {
    const latency = openLoopSeries(results, configurations, variant, (point) => point.put.p99Micros)
    if (latency.length === 0) continue
    const achieved = openLoopSeries(
      results,
      configurations,
      variant,
      (point) => point.achievedMessagesPerSecond,
    )
    const offered = latency.flatMap((series) => series.points.map((point) => point.x))
    const rates = [...offered, ...achieved.flatMap((s) => s.points.map((point) => point.y))]
    charts.push(
      renderLineChart({
        title: `Put p99 from intended send time vs offered rate — ${variant.label}`,
        x: rateAxis(offered, 'offered rate (messages/s, log)'),
        y: latencyAxis(
          latency.flatMap((s) => s.points.map((point) => point.y)),
          'put latency p99 (log)',
        ),
        series: latency,
      }),
      renderLineChart({
        title: `Achieved vs offered rate (dotted: keeping up) — ${variant.label}`,
        x: rateAxis(rates, 'offered rate (messages/s, log)'),
        y: rateAxis(rates, 'achieved rate (messages/s, log)'),
        series: achieved,
        diagonal: true,
      }),
    )
  }
  return charts.length === 0
    ? ''
    : `<h2 id="open-loop">Latency against offered load (open loop)</h2>
       <p class="muted">Where a curve turns up and leaves the dotted line, the system saturates;
       the ringed cross is the first rate it did not sustain.</p>${charts.join('\n')}`
}

const NINES_TICKS: readonly Tick[] = [
  { value: 0, label: 'p0' },
  { value: Math.log10(2), label: 'p50' },
  { value: 1, label: 'p90' },
  { value: 2, label: 'p99' },
  { value: 3, label: 'p99.9' },
  { value: 4, label: 'p99.99' },
  { value: 5, label: 'p99.999' },
  { value: 6, label: 'p99.9999' },
]

function curvePoints(summary: PercentileSummary) {
  const limit = resolvableNines(summary.count)
  return summary.curve.map((point) => ({
    x: point.percentile >= 100 ? limit : Math.min(limit, percentileToNines(point.percentile)),
    y: Math.max(1, point.valueMicros),
    title: `p${point.percentile.toFixed(4).replace(/\.?0+$/, '')}: ${formatMicros(point.valueMicros)}`,
  }))
}

function percentileChart(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  scenario: string,
  metric: LatencyMetric,
  variant: Variant,
): string | undefined {
  const series: Series[] = []
  for (const configuration of configurations) {
    const summary = findResult(results, configuration, scenario, variant)?.latencies[metric]
    if (summary === undefined || summary.count === 0) continue
    series.push({
      name: `${configuration.label} (n=${formatCount(summary.count)})`,
      color: configuration.color,
      dashed: configuration.dashed,
      points: curvePoints(summary),
    })
  }
  if (series.length === 0) return undefined
  const maxNines = Math.max(1, ...series.flatMap((s) => s.points.map((point) => point.x)))
  const top = Math.ceil(maxNines)
  return renderLineChart({
    title: `${METRIC_NAMES[metric]} — ${variant.label}`,
    x: {
      label: 'percentile (log scale in nines)',
      scale: 'linear',
      min: 0,
      max: top,
      ticks: NINES_TICKS.filter((tick) => tick.value <= top),
    },
    y: latencyAxis(
      series.flatMap((s) => s.points.map((point) => point.y)),
      'latency (log)',
    ),
    series,
  })
}

const PERCENTILE_CHARTS: readonly { scenario: string; metrics: readonly LatencyMetric[] }[] = [
  { scenario: 'put-latency', metrics: ['put'] },
  { scenario: 'get-latency', metrics: ['get'] },
  { scenario: 'round-trip', metrics: ['roundTrip', 'put'] },
  { scenario: 'pipelined', metrics: ['put', 'endToEnd'] },
]

export function renderPercentileCharts(
  results: readonly ScenarioResult[],
  configurations: readonly Configuration[],
  variants: readonly Variant[],
): string {
  const sections: string[] = []
  for (const { scenario, metrics } of PERCENTILE_CHARTS) {
    const charts: string[] = []
    for (const variant of variants) {
      for (const metric of metrics) {
        const chart = percentileChart(results, configurations, scenario, metric, variant)
        if (chart !== undefined) charts.push(chart)
      }
    }
    if (charts.length > 0) {
      sections.push(
        `<h3>${escapeXml(SCENARIO_TITLES[scenario] ?? scenario)}</h3>${charts.join('\n')}`,
      )
    }
  }
  return sections.length === 0
    ? ''
    : `<h2 id="percentiles">Latency percentiles</h2>${sections.join('\n')}`
}
