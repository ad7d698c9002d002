/**
 * Latency samples for the core benchmarks (journal, in-process queue manager). Exact
 * percentiles from sorted samples: these runs keep at most a few hundred thousand samples.
 */
export interface LatencySummary {
  readonly count: number
  readonly p50Micros: number
  readonly p99Micros: number
  readonly p999Micros: number
  readonly maxMicros: number
}

export function summarize(samplesMicros: Float64Array | number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMicros).sort()
  const last = sorted.length - 1
  const at = (fraction: number): number =>
    last < 0 ? NaN : sorted[Math.min(last, Math.floor(sorted.length * fraction))]!
  return {
    count: sorted.length,
    p50Micros: at(0.5),
    p99Micros: at(0.99),
    p999Micros: at(0.999),
    maxMicros: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
  }
}

export function nowMicros(): number {
  return Number(process.hrtime.bigint()) / 1000
}

export function formatMicros(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} ms` : `${value.toFixed(0)} µs`
}

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]): string =>
    cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ')
  console.log(line(headers))
  for (const row of rows) console.log(line(row))
}
