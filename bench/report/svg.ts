/**
 * Hand-made SVG charts for the report: line charts with linear or log axes, and horizontal bar
 * charts. Plain strings, no chart library: the report must open from disk with no network.
 */

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

export interface Tick {
  readonly value: number
  readonly label: string
}

export interface Axis {
  readonly label: string
  readonly scale: 'linear' | 'log'
  readonly min: number
  readonly max: number
  readonly ticks: readonly Tick[]
}

export interface SeriesPoint {
  readonly x: number
  readonly y: number
  /** Hover text for the point. */
  readonly title?: string
  /** Drawn as a hollow ring with a cross: e.g. the first saturated rate. */
  readonly highlighted?: boolean
}

export interface Series {
  readonly name: string
  readonly color: string
  readonly dashed?: boolean
  readonly showPoints?: boolean
  readonly points: readonly SeriesPoint[]
}

export interface LineChart {
  readonly title: string
  readonly x: Axis
  readonly y: Axis
  readonly series: readonly Series[]
  /** Reference line y = x (e.g. achieved = offered). */
  readonly diagonal?: boolean
}

const WIDTH = 980
const HEIGHT = 380
const PLOT_LEFT = 78
const PLOT_TOP = 36
const PLOT_WIDTH = 540
const PLOT_HEIGHT = 280
const LEGEND_LEFT = PLOT_LEFT + PLOT_WIDTH + 24

function project(axis: Axis, value: number, length: number): number {
  if (axis.scale === 'log') {
    const low = Math.log10(axis.min)
    const high = Math.log10(axis.max)
    const clamped = Math.min(axis.max, Math.max(axis.min, value))
    return ((Math.log10(clamped) - low) / (high - low || 1)) * length
  }
  return ((value - axis.min) / (axis.max - axis.min || 1)) * length
}

function xPixel(axis: Axis, value: number): number {
  return PLOT_LEFT + project(axis, value, PLOT_WIDTH)
}

function yPixel(axis: Axis, value: number): number {
  return PLOT_TOP + PLOT_HEIGHT - project(axis, value, PLOT_HEIGHT)
}

function format(value: number): string {
  return value.toFixed(1)
}

function gridAndAxes(chart: LineChart): string[] {
  const parts: string[] = []
  for (const tick of chart.x.ticks) {
    const x = format(xPixel(chart.x, tick.value))
    parts.push(
      `<line x1="${x}" y1="${PLOT_TOP}" x2="${x}" y2="${PLOT_TOP + PLOT_HEIGHT}" class="grid"/>`,
      `<text x="${x}" y="${PLOT_TOP + PLOT_HEIGHT + 16}" class="tick" text-anchor="middle">` +
        `${escapeXml(tick.label)}</text>`,
    )
  }
  for (const tick of chart.y.ticks) {
    const y = format(yPixel(chart.y, tick.value))
    parts.push(
      `<line x1="${PLOT_LEFT}" y1="${y}" x2="${PLOT_LEFT + PLOT_WIDTH}" y2="${y}" class="grid"/>`,
      `<text x="${PLOT_LEFT - 6}" y="${y}" class="tick" text-anchor="end" ` +
        `dominant-baseline="middle">${escapeXml(tick.label)}</text>`,
    )
  }
  parts.push(
    `<rect x="${PLOT_LEFT}" y="${PLOT_TOP}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" ` +
      'class="frame"/>',
    `<text x="${PLOT_LEFT + PLOT_WIDTH / 2}" y="${HEIGHT - 18}" class="axis" ` +
      `text-anchor="middle">${escapeXml(chart.x.label)}</text>`,
    `<text x="16" y="${PLOT_TOP + PLOT_HEIGHT / 2}" class="axis" text-anchor="middle" ` +
      `transform="rotate(-90 16 ${PLOT_TOP + PLOT_HEIGHT / 2})">${escapeXml(chart.y.label)}</text>`,
    `<text x="${PLOT_LEFT}" y="20" class="title">${escapeXml(chart.title)}</text>`,
  )
  return parts
}

function seriesMarkup(chart: LineChart, series: Series): string[] {
  const coordinates = series.points.map(
    (point) => `${format(xPixel(chart.x, point.x))},${format(yPixel(chart.y, point.y))}`,
  )
  const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : ''
  const parts = [
    `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${series.color}" ` +
      `stroke-width="2"${dash}/>`,
  ]
  for (const point of series.points) {
    if (series.showPoints !== true && point.highlighted !== true) continue
    const x = format(xPixel(chart.x, point.x))
    const y = format(yPixel(chart.y, point.y))
    const title = point.title === undefined ? '' : `<title>${escapeXml(point.title)}</title>`
    parts.push(
      point.highlighted === true
        ? `<g class="saturated"><circle cx="${x}" cy="${y}" r="7" fill="white" ` +
            `stroke="${series.color}" stroke-width="2.5"/><path d="M${Number(x) - 4},` +
            `${Number(y) - 4}l8,8m0,-8l-8,8" stroke="${series.color}" stroke-width="2"/>${title}</g>`
        : `<circle cx="${x}" cy="${y}" r="3.5" fill="${series.color}">${title}</circle>`,
    )
  }
  return parts
}

function legend(series: readonly Series[]): string[] {
  return series.map((entry, index) => {
    const y = PLOT_TOP + 8 + index * 20
    const dash = entry.dashed === true ? ' stroke-dasharray="6 4"' : ''
    return (
      `<line x1="${LEGEND_LEFT}" y1="${y}" x2="${LEGEND_LEFT + 24}" y2="${y}" ` +
      `stroke="${entry.color}" stroke-width="3"${dash}/>` +
      `<text x="${LEGEND_LEFT + 30}" y="${y}" class="legend" dominant-baseline="middle">` +
      `${escapeXml(entry.name)}</text>`
    )
  })
}

export function renderLineChart(chart: LineChart): string {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `class="chart" role="img" aria-label="${escapeXml(chart.title)}">`,
    ...gridAndAxes(chart),
  ]
  if (chart.diagonal === true) {
    const low = Math.max(chart.x.min, chart.y.min)
    const high = Math.min(chart.x.max, chart.y.max)
    parts.push(
      `<line x1="${format(xPixel(chart.x, low))}" y1="${format(yPixel(chart.y, low))}" ` +
        `x2="${format(xPixel(chart.x, high))}" y2="${format(yPixel(chart.y, high))}" ` +
        'class="diagonal"/>',
    )
  }
  for (const series of chart.series) parts.push(...seriesMarkup(chart, series))
  parts.push(...legend(chart.series), '</svg>')
  return parts.join('\n')
}

export interface Bar {
  readonly label: string
  readonly value: number
  readonly color: string
  readonly valueLabel: string
}

export function renderBarChart(title: string, unit: string, bars: readonly Bar[]): string {
  const rowHeight = 26
  const labelWidth = 300
  const barWidth = 400
  const height = 44 + bars.length * rowHeight
  const maximum = Math.max(...bars.map((bar) => bar.value), 1)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" ` +
      `class="chart bars" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="8" y="20" class="title">${escapeXml(title)} (${escapeXml(unit)})</text>`,
  ]
  bars.forEach((bar, index) => {
    const y = 34 + index * rowHeight
    const length = (bar.value / maximum) * barWidth
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 10}" class="legend" text-anchor="end" ` +
        `dominant-baseline="middle">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${format(Math.max(1, length))}" height="20" ` +
        `fill="${bar.color}"><title>${escapeXml(bar.valueLabel)}</title></rect>`,
      `<text x="${format(labelWidth + length + 6)}" y="${y + 10}" class="tick" ` +
        `dominant-baseline="middle">${escapeXml(bar.valueLabel)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n')
}

/**
 * Ticks for a log axis over whole decades [min, max]: every decade, plus 2× and 5× when the
 * axis spans at most two decades (otherwise a 1k–10k axis would have only two labels).
 */
export function decadeTicks(min: number, max: number, label: (value: number) => string): Tick[] {
  const ticks: Tick[] = []
  const decades = Math.round(Math.log10(max / min))
  const multiples = decades <= 2 ? [1, 2, 5] : [1]
  for (let decade = min; decade <= max * 1.0001; decade *= 10) {
    for (const multiple of multiples) {
      const value = decade * multiple
      if (value <= max * 1.0001) ticks.push({ value, label: label(value) })
    }
  }
  return ticks
}

/** The log axis range: whole decades around the data. */
export function logRange(values: readonly number[]): { min: number; max: number } {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value))
  if (positive.length === 0) return { min: 1, max: 10 }
  const min = 10 ** Math.floor(Math.log10(Math.min(...positive)))
  let max = 10 ** Math.ceil(Math.log10(Math.max(...positive)))
  if (max <= min) max = min * 10
  return { min, max }
}

/** A linear axis range from 0 with ~5 round ticks. */
export function linearTicks(maximum: number, label: (value: number) => string) {
  const rough = maximum / 5 || 1
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step =
    [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((s) => s >= rough) ?? rough
  const ticks: Tick[] = []
  for (let value = 0; value <= maximum + step / 2; value += step) {
    ticks.push({ value, label: label(value) })
  }
  const last = ticks[ticks.length - 1]?.value ?? maximum
  return { min: 0, max: Math.max(last, maximum), ticks }
}
