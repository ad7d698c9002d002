/**
 * The run's report: report.json (figures and the checker's verdict) and report.html, a
 * Jepsen-style timeline (fault bands behind a scatter of every call's latency, log scale,
 * coloured by outcome) as inline SVG, no scripts or external files.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import type { Verdict } from './checker.js'
import type { Fault, FaultKind, Operation } from './history.js'
import { DR_FAULT_KINDS, FAULT_KINDS } from './history.js'

const ALL_KINDS = [...new Set([...FAULT_KINDS, ...DR_FAULT_KINDS])]

export interface RunReport {
  readonly seed: number
  readonly target: string
  readonly durationMs: number
  readonly faults: number
  readonly faultsByKind: Partial<Record<FaultKind, number>>
  readonly operations: number
  readonly acknowledged: number
  /** Gets outside syncpoint re-sent by the library after a reconnect (each may lose a message). */
  readonly redrivenGets: number
  readonly operationsByOutcome: Record<string, number>
  readonly anomalies: Verdict['anomalies']
  readonly availability: Verdict['availability']
  readonly notes: readonly string[]
  readonly valid: boolean
}

export function summarize(
  run: { seed: number; target: string; durationMs: number; notes: readonly string[] },
  operations: readonly Operation[],
  faults: readonly Fault[],
  verdict: Verdict,
): RunReport {
  const faultsByKind: Partial<Record<FaultKind, number>> = {}
  for (const fault of faults) faultsByKind[fault.kind] = (faultsByKind[fault.kind] ?? 0) + 1
  const operationsByOutcome: Record<string, number> = {}
  for (const op of operations) {
    const key = `${op.kind}:${op.outcome}`
    operationsByOutcome[key] = (operationsByOutcome[key] ?? 0) + 1
  }
  return {
    ...run,
    faults: faults.length,
    faultsByKind,
    operations: operations.length,
    acknowledged: operations.filter((op) => op.outcome === 'ok').length,
    redrivenGets: operations.filter((op) => op.redriven === true).length,
    operationsByOutcome,
    anomalies: verdict.anomalies,
    availability: verdict.availability,
    valid: verdict.valid,
  }
}

export function writeReport(
  directory: string,
  report: RunReport,
  operations: readonly Operation[],
  faults: readonly Fault[],
): void {
  fs.mkdirSync(directory, { recursive: true })
  fs.writeFileSync(join(directory, 'report.json'), `${JSON.stringify(report, undefined, 2)}\n`)
  fs.writeFileSync(join(directory, 'report.html'), html(report, operations, faults))
}

const WIDTH = 1200
const HEIGHT = 360
const MAX_POINTS = 20_000
const COLOURS: Record<string, string> = { ok: '#1b7f3b', fail: '#d08c00', unknown: '#c62828' }
const BANDS = [
  '#90caf9',
  '#ce93d8',
  '#ffab91',
  '#a5d6a7',
  '#fff59d',
  '#80deea',
  '#f48fb1',
  '#bcaaa4',
  '#b0bec5',
  '#ffcc80',
]

function html(
  report: RunReport,
  operations: readonly Operation[],
  faults: readonly Fault[],
): string {
  const start = extreme(
    [...operations.map((op) => op.invokeMs), ...faults.map((f) => f.startMs)],
    -1,
  )
  const end = extreme([...operations.map((op) => op.completeMs), ...faults.map((f) => f.endMs)], 1)
  const x = (ms: number): number => ((ms - start) / Math.max(1, end - start)) * WIDTH
  const maxLatency = Math.max(
    10,
    extreme(
      operations.map((op) => op.completeMs - op.invokeMs),
      1,
    ),
  )
  const y = (ms: number): number =>
    HEIGHT - (Math.log10(Math.max(1, ms)) / Math.log10(maxLatency)) * (HEIGHT - 10)
  const bands = faults.map((fault) => {
    const colour = BANDS[ALL_KINDS.indexOf(fault.kind) % BANDS.length]
    const width = Math.max(1, x(fault.endMs) - x(fault.startMs)).toFixed(1)
    return `<rect x="${x(fault.startMs).toFixed(1)}" y="0" width="${width}" height="${HEIGHT}" fill="${colour}" opacity="0.5"><title>${escape(`${fault.kind}: ${fault.detail}`)}</title></rect>`
  })
  const step = Math.max(1, Math.ceil(operations.length / MAX_POINTS))
  const points = operations
    .filter((_, index) => index % step === 0)
    .map((op) => {
      const cx = x(op.invokeMs).toFixed(1)
      const cy = y(op.completeMs - op.invokeMs).toFixed(1)
      return `<circle cx="${cx}" cy="${cy}" r="1.5" fill="${COLOURS[op.outcome]}"/>`
    })
  const ticks = [1, 10, 100, 1_000, 10_000, 100_000].filter((ms) => ms <= maxLatency)
  const axis = ticks.map(
    (ms) => `<text x="2" y="${y(ms).toFixed(1)}" font-size="10">${ms} ms</text>`,
  )
  const legend = ALL_KINDS.map(
    (kind, index) =>
      `<span style="background:${BANDS[index % BANDS.length]};padding:0 6px">${kind}</span>`,
  ).join(' ')
  const rows = Object.entries(report.availability).map(
    ([kind, a]) =>
      `<tr><td>${kind}</td><td>${a.faults}</td><td>${a.p50Ms}</td><td>${a.p99Ms}</td><td>${a.maxMs}</td></tr>`,
  )
  const anomalies = report.anomalies.map((a) => `<li><b>${a.kind}</b>: ${escape(a.detail)}</li>`)
  return `<!doctype html><html><head><meta charset="utf-8"><title>QuorumMQ chaos run, seed ${report.seed}</title>
<style>body{font-family:sans-serif;margin:20px}td,th{padding:2px 10px;text-align:right}</style></head><body>
<h1>Chaos run: ${report.valid ? 'valid' : 'INVALID'} (seed ${report.seed}, target ${report.target})</h1>
<p>${report.faults} faults, ${report.operations} operations, ${report.acknowledged} acknowledged,
${report.anomalies.length} anomalies, ${(report.durationMs / 1000).toFixed(0)} s.</p>
<p>Latency of every call (log scale) against time; fault bands behind: ${legend}.
Points: <span style="color:${COLOURS['ok']}">ok</span>, <span style="color:${COLOURS['fail']}">fail</span>,
<span style="color:${COLOURS['unknown']}">unknown</span>.</p>
<svg width="${WIDTH}" height="${HEIGHT}" style="border:1px solid #999">${bands.join('')}${points.join('')}${axis.join('')}</svg>
<h2>Availability: client-visible gap after each fault (ms)</h2>
<table><tr><th>kind</th><th>faults</th><th>p50</th><th>p99</th><th>max</th></tr>${rows.join('')}</table>
<h2>Anomalies</h2><ul>${anomalies.join('') || '<li>none</li>'}</ul>
<h2>Notes</h2><ul>${report.notes.map((note) => `<li>${escape(note)}</li>`).join('')}</ul>
</body></html>
`
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Smallest (sign -1) or largest (sign 1) value, without spreading a long array into arguments. */
function extreme(values: readonly number[], sign: 1 | -1): number {
  let best = values[0] ?? 0
  for (const value of values) if (sign * (value - best) > 0) best = value
  return best
}
