/**
 * The chaos suite's quick round (npm test): a real 3-member group behind fault proxies, a
 * seeded workload, a few faults of every kind, and the checker's verdict, which must be clean.
 * Then the checker must be able to fail: the same group with the test-only switch
 * ack-before-quorum, partitioned away from its primary, must be reported as losing acknowledged
 * messages. Needs `npm run build` (members run dist/). Each run's directory is kept on failure.
 */
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { runChaos } from './run.js'

const QUICK_FAULTS = Number(process.env['QMQ_CHAOS_QUICK_FAULTS'] ?? 8)

describe('chaos suite', () => {
  it(`quick round: ${QUICK_FAULTS} faults of every kind, nothing acknowledged lost`, async () => {
    const directory = temporaryDirectory('chaos-quick')
    // A new seed each run, printed on failure: the quick round samples a different schedule
    // every time CI runs, and a failure names the seed that replays it.
    const seed = Number(process.env['QMQ_CHAOS_SEED'] ?? Date.now() % 1_000_000)
    const report = await runChaos({
      faults: QUICK_FAULTS,
      seed,
      out: directory.path,
      log: () => undefined,
      timing: { holdMs: [500, 2_000], gapMs: [300, 800] },
      // The product: qmqd daemons built through the commands (QMQ_CHAOS_DRIVER=member for the
      // member processes).
      driver: process.env['QMQ_CHAOS_DRIVER'] === 'member' ? 'member' : 'qmqd',
    })
    const found = report.anomalies.map((anomaly) => `${anomaly.kind}: ${anomaly.detail}`)
    expect(found, `seed ${seed}, run kept in ${directory.path}`).toEqual([])
    expect(report.faults).toBe(QUICK_FAULTS)
    expect(report.acknowledged).toBeGreaterThan(0)
    expect(fs.existsSync(`${directory.path}/report.html`)).toBe(true)
    directory.remove()
  }, 240_000)

  it('known-bad: with ack-before-quorum, isolating the primary loses acknowledged puts', async () => {
    const directory = temporaryDirectory('chaos-bad')
    const report = await runChaos({
      faults: 2,
      seed: 5,
      out: directory.path,
      driver: 'member',
      bugs: ['ack-before-quorum'],
      kinds: ['isolate-primary'],
      log: () => undefined,
      timing: { holdMs: [2_000, 2_500], gapMs: [300, 500] },
    })
    const kinds = new Set(report.anomalies.map((anomaly) => anomaly.kind))
    expect(kinds.has('acknowledged-put-missing'), directory.path).toBe(true)
    expect(report.valid).toBe(false)
    // The failed run left its evidence: histories, node logs, verdict.
    for (const file of ['histories.jsonl', 'faults.json', 'report.json', 'nodes/a.log']) {
      expect(fs.existsSync(`${directory.path}/${file}`), file).toBe(true)
    }
    directory.remove()
  }, 240_000)
})
