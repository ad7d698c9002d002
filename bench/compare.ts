#!/usr/bin/env node
/**
 * Compares two results.json files figure by figure (npm run bench:compare -- a.json b.json):
 * for every figure of the summary table present in both, prints A, B and B ÷ A, and whether B is
 * better. Typical uses: QuorumMQ before/after a change, or the same peer on two machines.
 */
import { readFileSync } from 'node:fs'
import { configurationKey, variantKey } from './report/model.js'
import { FIGURES, formatFigure, type Figure } from './report/summary.js'
import { validateResults } from './output/schema.js'
import type { ResultsFile, ScenarioResult } from './types.js'

export interface ComparisonRow {
  readonly configuration: string
  readonly variant: string
  readonly figure: string
  readonly before: string
  readonly after: string
  readonly ratio: number
  readonly improved: boolean
}

function load(file: string): ResultsFile {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
  const problems = validateResults(parsed)
  if (problems.length > 0) throw new Error(`${file} is not valid:\n${problems.join('\n')}`)
  return parsed as ResultsFile
}

function resultKey(result: ScenarioResult): string {
  return `${configurationKey(result)}|${variantKey(result)}|${result.scenario}`
}

function describeVariant(result: ScenarioResult): string {
  return `${result.messageBytes} B ${result.persistent ? 'persistent' : 'non-persistent'}`
}

function compareFigure(figure: Figure, before: ScenarioResult, after: ScenarioResult) {
  const a = figure.value(before)
  const b = figure.value(after)
  if (a === undefined || b === undefined || a === 0) return undefined
  const ratio = b / a
  return {
    configuration: `${after.systemLabel} ${after.topology}`,
    variant: describeVariant(after),
    figure: figure.name,
    before: formatFigure(figure, a),
    after: formatFigure(figure, b),
    ratio,
    improved: figure.better === 'lower' ? ratio < 1 : ratio > 1,
  }
}

export function compareResults(before: ResultsFile, after: ResultsFile): ComparisonRow[] {
  const earlier = new Map(before.results.map((result) => [resultKey(result), result]))
  const rows: ComparisonRow[] = []
  for (const result of after.results) {
    const previous = earlier.get(resultKey(result))
    if (previous === undefined) continue
    for (const figure of FIGURES.filter((candidate) => candidate.scenario === result.scenario)) {
      const row = compareFigure(figure, previous, result)
      if (row !== undefined) rows.push(row)
    }
  }
  return rows
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

export function formatComparison(rows: readonly ComparisonRow[]): string {
  if (rows.length === 0) return 'no figure appears in both files'
  const header = ['configuration', 'variant', 'figure', 'A', 'B', 'B÷A', '']
  const lines = rows.map((row) => [
    row.configuration,
    row.variant,
    row.figure,
    row.before,
    row.after,
    `${row.ratio.toFixed(2)}×`,
    row.improved ? 'better' : row.ratio === 1 ? 'same' : 'worse',
  ])
  const widths = header.map((title, index) =>
    Math.max(title.length, ...lines.map((line) => (line[index] ?? '').length)),
  )
  return [header, ...lines]
    .map((line) =>
      line
        .map((cell, index) => pad(cell, widths[index] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function main(argv: readonly string[]): void {
  const [first, second] = argv
  if (first === undefined || second === undefined) {
    process.stderr.write('usage: npm run bench:compare -- a/results.json b/results.json\n')
    process.exitCode = 2
    return
  }
  process.stdout.write(`A = ${first}\nB = ${second}\n\n`)
  process.stdout.write(`${formatComparison(compareResults(load(first), load(second)))}\n`)
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')
) {
  main(process.argv.slice(2))
}
