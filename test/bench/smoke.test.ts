/**
 * Runs the whole harness in quick mode against in-process systems (no server, no network) and
 * checks the files it writes: results.json against the expected shape, report.html for its
 * charts and tables. Durations are cut to fractions of a second; nothing here asserts timings.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compareResults, formatComparison } from '../../bench/compare.js'
import { validateResults } from '../../bench/output/schema.js'
import { PRESETS } from '../../bench/parameters.js'
import { runBenchmark, type BenchOutcome } from '../../bench/run.js'
import { DEFAULT_SCENARIOS } from '../../bench/scenarios/common.js'
import { ADAPTERS } from '../../bench/systems/index.js'
import { createInMemoryAdapter } from '../../bench/systems/in-memory.js'
import type { SystemAdapter } from '../../bench/types.js'

const outDirectory = mkdtempSync(join(os.tmpdir(), 'qmq-bench-test-'))

afterAll(() => rmSync(outDirectory, { recursive: true, force: true }))

/** Stands in for QuorumMQ so the report's ratio columns are exercised. */
function fakeQuorumMq(): SystemAdapter {
  return { ...createInMemoryAdapter(), name: 'quorummq', label: 'QuorumMQ (fake)' }
}

async function quickRun(): Promise<BenchOutcome> {
  const lines: string[] = []
  return runBenchmark(
    {
      plan: [
        { system: 'quorummq', topology: 'single' },
        { system: 'in-memory', topology: 'single' },
        // Not a topology the in-process system offers: must be skipped, not crash the run.
        { system: 'in-memory', topology: 'cluster3' },
      ],
      scenarios: [...DEFAULT_SCENARIOS],
      mode: 'quick',
      parameters: {
        ...PRESETS.quick,
        durationSeconds: 0.15,
        warmupSeconds: 0.05,
        maxQueueDepth: 300,
        openLoopFractions: [0.05, 0.1],
        openLoopSecondsPerRate: 0.15,
        openLoopMaxInFlight: 200,
        blastMessages: 300,
        blastBatch: 20,
      },
      outDirectory,
      command: 'qmq-bench --quick (test)',
    },
    {
      adapters: { ...ADAPTERS, quorummq: fakeQuorumMq },
      log: (line) => lines.push(line),
    },
  )
}

describe('harness smoke run (in-process systems, quick mode)', () => {
  let outcome: BenchOutcome

  it('runs every scenario for both systems and both persistence modes', async () => {
    outcome = await quickRun()
    const results = outcome.results.results
    for (const system of ['quorummq', 'in-memory']) {
      for (const scenario of DEFAULT_SCENARIOS) {
        for (const persistent of [true, false]) {
          const found = results.find(
            (result) =>
              result.system === system &&
              result.scenario === scenario &&
              result.persistent === persistent,
          )
          const label = `${system} ${scenario} ${persistent}`
          expect(found, label).toBeDefined()
          expect(found?.messages, label).toBeGreaterThan(0)
        }
      }
    }
    expect(outcome.results.skipped).toEqual([
      expect.objectContaining({ system: 'in-memory', topology: 'cluster3' }),
    ])
  })

  it('writes a results.json that validates against the expected shape', () => {
    const written: unknown = JSON.parse(readFileSync(outcome.resultsFile, 'utf8'))
    expect(validateResults(written)).toEqual([])
    const file = written as typeof outcome.results
    expect(file.machine.cpus).toBeGreaterThan(0)
    expect(file.versions.node).toBe(process.version)
    const openLoop = file.results.find((result) => result.scenario === 'open-loop')
    expect(openLoop?.openLoop?.length).toBeGreaterThanOrEqual(2)
    const putLatency = file.results.find((result) => result.scenario === 'put-latency')
    expect(putLatency?.latencies.put?.count).toBeGreaterThan(0)
    expect(putLatency?.durability).toMatch(/nothing is written/)
  })

  it('rejects results that do not have the expected shape', () => {
    expect(validateResults({})).not.toEqual([])
    const broken = structuredClone(outcome.results) as unknown as {
      results: { latencies: { put?: { p99Micros: number } } }[]
    }
    const first = broken.results[0]
    if (first?.latencies.put !== undefined) first.latencies.put.p99Micros = -1
    expect(validateResults(broken).join('\n')).toMatch(/p99Micros/)
  })

  it('writes a report with SVG charts, the summary table and ratio columns', () => {
    const html = readFileSync(outcome.reportFile, 'utf8')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<h2>Summary</h2>')
    expect(html).toContain('<table>')
    expect(html).toContain('QuorumMQ ÷ In-process (harness floor)')
    const svgCount = html.match(/<svg /g)?.length ?? 0
    // Throughput bars, open-loop pairs and percentile curves, for two variants.
    expect(svgCount).toBeGreaterThanOrEqual(10)
    expect(html).toContain('Latency against offered load')
    expect(html).toContain('percentile (log scale in nines)')
    expect(html).toContain('What an acknowledgement means')
    expect(html).not.toMatch(/NaN|undefined/)
  })

  it('compares a run with itself as all ratios 1', () => {
    const rows = compareResults(outcome.results, outcome.results)
    expect(rows.length).toBeGreaterThan(10)
    for (const row of rows) expect(row.ratio).toBe(1)
    expect(formatComparison(rows)).toContain('B÷A')
  })
})
