/**
 * The chaos suite's DR round: a real DR pair (qmqd-dr-driver.ts) behind fault proxies, a few
 * faults including a forced promotion, and the checker's verdict, which must be clean; then the
 * known-bad operator, who resolves the split brain by deleting the fork's records instead of
 * saving them, must be reported as losing acknowledged puts.
 *
 * Out of `npm test` (QMQ_CHAOS_DR=1 runs it) while the DR defects this round found are open:
 * after rdqmdr -s the demoted side's first journal write at the fork LSN fails
 * (QMQ_RECORD_INVALID, the member closes, the pair never returns to Normal); endmqm -i of a
 * Partitioned primary that clients still use does not finish; and the saved-aside listing
 * (src/dr/divergent-records.ts) drops a message whose only GET in the tail was in a unit of
 * work that was backed out (an acknowledged put reported missing). Needs `npm run build`.
 * The known-bad test passes today (it needs only the resolution to run, not the pair to heal).
 */
import { describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { runChaos } from './run.js'

const enabled = process.env['QMQ_CHAOS_DR'] === '1'

describe.skipIf(!enabled)('chaos suite, DR pair', () => {
  it('quick round: a few faults and a forced promotion, nothing acknowledged lost', async () => {
    const directory = temporaryDirectory('chaos-dr-quick')
    const seed = Number(process.env['QMQ_CHAOS_SEED'] ?? Date.now() % 1_000_000)
    const report = await runChaos({
      faults: 4,
      seed,
      out: directory.path,
      target: 'dr',
      log: () => undefined,
      kinds: ['forced-promotion', 'kill', 'dr-resync-cut', 'pause'],
      timing: { holdMs: [500, 1_500], gapMs: [300, 800] },
    })
    const found = report.anomalies.map((anomaly) => `${anomaly.kind}: ${anomaly.detail}`)
    expect(found, `seed ${seed}, run kept in ${directory.path}`).toEqual([])
    expect(report.faults).toBe(4)
    expect(report.acknowledged).toBeGreaterThan(0)
    directory.remove()
  }, 300_000)

  it('known-bad: a split brain resolved by discarding the fork loses acknowledged puts', async () => {
    const directory = temporaryDirectory('chaos-dr-bad')
    const report = await runChaos({
      faults: 1,
      seed: 11,
      out: directory.path,
      target: 'dr',
      discardDivergent: true,
      promoteBy: 'kill',
      kinds: ['forced-promotion'],
      log: () => undefined,
      timing: { holdMs: [2_000, 2_500], gapMs: [300, 500] },
    })
    const kinds = new Set(report.anomalies.map((anomaly) => anomaly.kind))
    expect(kinds.has('acknowledged-put-missing'), directory.path).toBe(true)
    expect(report.valid).toBe(false)
    directory.remove()
  }, 300_000)
})
