/**
 * report.html: one self-contained page (inline CSS and SVG) that answers "who is faster, and
 * where does each system saturate" at a glance: a summary table with the best value per row
 * highlighted and QuorumMQ/peer ratios, throughput bars, latency against offered load for the
 * open-loop scenario, and latency percentile curves in "nines".
 */
import type { ResultsFile, ScenarioResult } from '../types.js'
import { renderThroughputCharts, renderOpenLoopCharts, renderPercentileCharts } from './charts.js'
import { configurationsOf, formatBytes, variantsOf, type Configuration } from './model.js'
import { renderSummaryTable } from './summary.js'
import { escapeXml } from './svg.js'

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 36px;
  border-bottom: 1px solid #ddd; } h3 { font-size: 15px; margin: 22px 0 6px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } tr.variant th { background: #e8eef6; } td.text, th.text { text-align: left; }
td.best { font-weight: 700; background: #e3f4e3; } td.good { color: #17692b; font-weight: 600; }
td.bad { color: #a31515; font-weight: 600; } td.missing { color: #aaa; }
.muted { color: #666; } .swatch { display: inline-block; width: 12px; height: 12px;
  margin-right: 6px; vertical-align: -1px; border-radius: 2px; }
svg.chart { width: 100%; max-width: 980px; height: auto; display: block; margin: 6px 0 14px; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; } svg .frame { fill: none; stroke: #999; }
svg .tick { font-size: 11px; fill: #555; } svg .axis { font-size: 12px; fill: #333; }
svg .title { font-size: 13px; font-weight: 600; fill: #222; } svg .legend { font-size: 12px; }
svg .diagonal { stroke: #999; stroke-dasharray: 3 3; }
code { background: #f4f4f4; padding: 0 3px; }
`

function environmentSection(results: ResultsFile): string {
  const machine = results.machine
  const memoryGiB = (machine.memoryBytes / 1024 ** 3).toFixed(1)
  const systems = Object.entries(results.versions.systems)
    .map(([name, version]) => `${escapeXml(name)} ${escapeXml(version)}`)
    .join('; ')
  return `<p class="muted">Run ${escapeXml(results.startedAt)} → ${escapeXml(results.finishedAt)},
    preset <code>${escapeXml(results.mode)}</code>. Machine: ${machine.cpus} × ${escapeXml(
      machine.cpuModel,
    )}, ${memoryGiB} GiB, ${escapeXml(machine.os)}, ${escapeXml(machine.kernel)}; load average
    ${machine.loadAverageAtStart.join(' / ')} at the start, ${machine.loadAverageAtEnd.join(' / ')}
    at the end (1/5/15 min; the end includes this run's own servers, the start shows what else
    was running).
    Node ${escapeXml(results.versions.node)}, QuorumMQ ${escapeXml(results.versions.quorummq)}.
    Systems: ${systems || 'none ran'}.<br>Command: <code>${escapeXml(results.command)}</code></p>`
}

function durabilitySection(results: ResultsFile, configurations: readonly Configuration[]) {
  const rows: string[] = []
  const seen = new Set<string>()
  const rank = (result: ScenarioResult) => configurations.findIndex((c) => c.matches(result))
  const ordered = [...results.results].sort(
    (left, right) => rank(left) - rank(right) || Number(right.persistent) - Number(left.persistent),
  )
  for (const result of ordered) {
    const key = `${result.system}|${result.topology}|${result.persistent}`
    if (seen.has(key)) continue
    seen.add(key)
    const configuration = configurations.find((c) => c.matches(result))
    rows.push(
      `<tr><td class="text"><span class="swatch" style="background:${configuration?.color}">` +
        `</span>${escapeXml(configuration?.label ?? result.system)}</td>` +
        `<td class="text">${result.persistent ? 'persistent' : 'non-persistent'}</td>` +
        `<td class="text">${escapeXml(result.durability)}</td></tr>`,
    )
  }
  return `<h2>What an acknowledgement means</h2>
    <p>Latency is only comparable together with what the system promised when it acknowledged.</p>
    <table><tr><th class="text">System</th><th class="text">Messages</th>
    <th class="text">Durability at acknowledgement</th></tr>${rows.join('')}</table>`
}

function skippedSection(results: ResultsFile): string {
  if (results.skipped.length === 0) return ''
  const items = results.skipped.map(
    (skip) =>
      `<li><b>${escapeXml(skip.system)}</b> (${escapeXml(skip.topology)}): ` +
      `${escapeXml(skip.reason)}</li>`,
  )
  return `<h2>Skipped or failed</h2><ul>${items.join('')}</ul>`
}

function notesSection(results: readonly ScenarioResult[]): string {
  const items = results
    .filter((result) => (result.notes ?? []).length > 0)
    .map(
      (result) =>
        `<li>${escapeXml(result.systemLabel)} ${escapeXml(result.topology)} ` +
        `${escapeXml(result.scenario)} ${formatBytes(result.messageBytes)} ` +
        `${result.persistent ? 'persistent' : 'non-persistent'}: ` +
        `${escapeXml((result.notes ?? []).join('; '))}</li>`,
    )
  return items.length === 0 ? '' : `<h2>Run notes</h2><ul class="muted">${items.join('')}</ul>`
}

const METHOD = `<h2>How to read this</h2><ul>
<li>Every server and the load generator share one machine; the client libraries (amqplib, nats.js,
QuorumMQ's client) are part of what is measured.</li>
<li>Latency percentiles come from HdrHistograms in microseconds. The x axis of a percentile chart
is in "nines": 1 = p90, 2 = p99, 3 = p99.9; each curve ends at its maximum.</li>
<li>Open-loop latency is measured from the <i>intended</i> send time of each message, so a stall
is charged to every message it delayed. A ringed cross marks the first offered rate a system did
not sustain (achieved &lt; 95 % of offered).</li>
<li>Ratios are QuorumMQ ÷ peer: below 1 is better for latency, above 1 for throughput; green
means QuorumMQ is better, red that the peer is.</li></ul>`

export function renderReport(results: ResultsFile): string {
  const configurations = configurationsOf(results.results)
  const variants = variantsOf(results.results)
  const body = [
    '<h1>QuorumMQ benchmark report</h1>',
    environmentSection(results),
    renderSummaryTable(results.results, configurations, variants),
    renderThroughputCharts(results.results, configurations, variants),
    renderOpenLoopCharts(results.results, configurations, variants),
    renderPercentileCharts(results.results, configurations, variants),
    durabilitySection(results, configurations),
    METHOD,
    skippedSection(results),
    notesSection(results.results),
  ]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>QuorumMQ benchmark ${escapeXml(
    results.startedAt,
  )}</title><style>${STYLE}</style></head>
<body>
${body.join('\n')}
</body></html>
`
}
