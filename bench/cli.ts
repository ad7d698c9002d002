#!/usr/bin/env node
/**
 * qmq-bench: the benchmark harness entry point (npm run bench, bench:quick, bench:peers).
 * See bench/README.md for what each scenario measures and how to read the report.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { USAGE, parseCommandLine } from './options.js'
import { renderReport } from './report/html.js'
import { packageRoot } from './output/environment.js'
import { validateResults } from './output/schema.js'
import { runBenchmark } from './run.js'
import type { ResultsFile } from './types.js'

function render(resultsFile: string): void {
  const parsed: unknown = JSON.parse(readFileSync(resultsFile, 'utf8'))
  const problems = validateResults(parsed)
  if (problems.length > 0) throw new Error(`${resultsFile} is not valid:\n${problems.join('\n')}`)
  const reportFile = join(dirname(resultsFile), 'report.html')
  writeFileSync(reportFile, renderReport(parsed as ResultsFile))
  process.stderr.write(`report: ${reportFile}\n`)
}

async function main(): Promise<void> {
  const commandLine = parseCommandLine(
    process.argv.slice(2),
    join(packageRoot(), 'bench', 'results'),
  )
  if (commandLine.kind === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  if (commandLine.kind === 'render') {
    render(commandLine.resultsFile)
    return
  }
  const outcome = await runBenchmark(commandLine.options)
  if (outcome.results.results.length === 0) {
    process.stderr.write('qmq-bench: no scenario produced a result (see skipped above)\n')
    process.exitCode = 1
  }
}

// A client library may reject a promise nobody awaits any more when a server goes away; the
// scenario that owned it fails on its own (or times out), so log it and let the run go on.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(`qmq-bench: unhandled rejection: ${String(reason)}\n`)
})

main().catch((error: unknown) => {
  process.stderr.write(`qmq-bench: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
