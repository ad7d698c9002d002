/**
 * What a DR operator does in the chaos suite's two DR-only faults, through the commands:
 *
 * - forced promotion: the primary is lost (kill -9 after it acknowledged alone for a while, or
 *   the DR link cut both ways), `rdqmdr -m QM -p` and `strmqm` on the secondary, clients move
 *   there; after the hold the old primary returns
 *   (`qmqd start`, or the link heals), both sides show Partitioned, and the operator keeps the
 *   new primary: `endmqm -i` and `rdqmdr -m QM -s` on the old one, whose records after the fork
 *   are saved aside; what was saved is read with the listing's data (`qmqd send rdqmdr list`,
 *   what `rdqmdr -m QM -l` prints) and kept for the checker. Synchronous pairs are promoted only
 *   from Normal by a kill (a cut would let the primary carry on alone after its timeout: it is
 *   allowed to, and what it acknowledged then is given up by design), and clients cannot reach
 *   the old primary until it is resolved, so nothing acknowledged may be missing.
 * - a cut during resync: the link is cut for the hold (a backlog builds), healed, and cut again
 *   while the secondary catches up.
 *
 * Test only: `discardDivergent` is a known-bad operator that deletes the saved records unread.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { divergentFiles } from '../../src/dr/divergent-records.js'
import type { DrStatus } from '../../src/dr/dr-status-report.js'
import type { QmqdDrDriver } from './qmqd-dr-driver.js'

const PROMOTE_TIMEOUT_MS = 30_000
const PARTITIONED_TIMEOUT_MS = 30_000
const NORMAL_TIMEOUT_MS = 30_000

export interface DrOperatorOptions {
  readonly discardDivergent: boolean
  readonly promoteBy: 'kill' | 'cut' | undefined
}

export class DrOperator {
  /** Bodies of every message saved aside by a resolution. */
  readonly saved = new Set<string>()
  /** True while a fault of this operator runs (the driver's poller then restarts nothing). */
  busy = false

  constructor(
    private readonly driver: QmqdDrDriver,
    private readonly options: DrOperatorOptions,
  ) {}

  async forcedPromotion(holdMs: number, choice: number): Promise<string> {
    const { driver } = this
    this.busy = true
    try {
      const old = await driver.waitForPrimary(PROMOTE_TIMEOUT_MS)
      const next = driver.other(old)
      const sync = driver.type === 's'
      const by = this.options.promoteBy ?? (sync || choice < 0.5 ? 'kill' : 'cut')
      if (sync) await this.until(old, ['Normal'], NORMAL_TIMEOUT_MS)
      if (by === 'kill' && !sync) {
        // The primary acknowledges alone for a while first, so that its loss gives records up:
        // each must then be among those its resolution saves aside.
        driver.cut(old, next)
        driver.cut(next, old)
        await sleep(holdMs / 2)
      }
      if (by === 'kill') {
        await driver.kill9(old)
        driver.resetLink()
        driver.healNetwork()
      } else {
        driver.cut(old, next)
        driver.cut(next, old)
      }
      await this.promote(next)
      if (sync) driver.blockClients(old, true)
      await sleep(holdMs)
      if (by === 'kill') await driver.restart(old)
      else driver.healNetwork()
      const both = await this.bothPartitioned(old, next)
      const saved = await this.resolve(old)
      driver.blockClients(old, false)
      const normal = await this.until(next, ['Normal'], NORMAL_TIMEOUT_MS)
      if (!normal) driver.note(`${next} not Normal ${NORMAL_TIMEOUT_MS} ms after the resolution`)
      const killed = sync ? `kill -9 ${old}` : `DR link cut, then kill -9 ${old}`
      const lost = by === 'kill' ? killed : `DR link cut both ways from ${old}`
      return (
        `${lost}; rdqmdr -p, strmqm on ${next}; ` +
        `${both ? 'both Partitioned' : 'Partitioned not seen on both'}; ` +
        `rdqmdr -s on ${old}: ${saved} message(s) saved aside` +
        (normal ? '' : `; NOT Normal ${NORMAL_TIMEOUT_MS / 1000} s after`)
      )
    } finally {
      this.busy = false
    }
  }

  async resyncCut(holdMs: number): Promise<string> {
    const { driver } = this
    const primary = await driver.waitForPrimary(PROMOTE_TIMEOUT_MS)
    const secondary = driver.other(primary)
    driver.cut(primary, secondary)
    driver.cut(secondary, primary)
    await sleep(holdMs)
    driver.healNetwork()
    // Cut again as soon as the primary sees the link back: the secondary is catching up.
    const deadline = Date.now() + 5_000
    let view = await driver.view(primary)
    while (view?.status === 'Remote unavailable' && Date.now() < deadline) {
      await sleep(20)
      view = await driver.view(primary)
    }
    driver.cut(primary, secondary)
    driver.cut(secondary, primary)
    const second = Math.round(holdMs / 2)
    await sleep(second)
    driver.healNetwork()
    const behind = Math.ceil((view?.outOfSyncBytes ?? 0) / 1024)
    return (
      `DR link cut ${holdMs} ms, then again ${second} ms while ${secondary} resynchronised ` +
      `(${view?.status ?? 'no status'}, ${behind} KB out of sync)`
    )
  }

  /** rdqmdr -p (refused until the secondary knows the primary is gone), then strmqm. */
  private async promote(node: string): Promise<void> {
    const side = this.driver.side(node)
    const qm = this.driver.queueManager
    const deadline = Date.now() + PROMOTE_TIMEOUT_MS
    for (;;) {
      const result = await side.run('rdqmdr', ['-m', qm, '-p'])
      if (result.code === 0) break
      if (Date.now() > deadline) {
        throw new Error(`rdqmdr -p on ${node}: ${result.stdout}${result.stderr}`.trim())
      }
      await sleep(300)
    }
    await side.must('strmqm', [qm])
    this.driver.note(`${node}: promoted (rdqmdr -p, strmqm)`)
  }

  private async bothPartitioned(old: string, next: string): Promise<boolean> {
    const [a, b] = await Promise.all([
      this.until(old, ['Partitioned'], PARTITIONED_TIMEOUT_MS),
      this.until(next, ['Partitioned'], PARTITIONED_TIMEOUT_MS),
    ])
    if (!a || !b) this.driver.note(`Partitioned not seen (${old} ${a}, ${next} ${b})`)
    return a && b
  }

  /** endmqm -i and rdqmdr -s on the old primary; returns how many messages it saved aside. */
  private async resolve(old: string): Promise<number> {
    const side = this.driver.side(old)
    const qm = this.driver.queueManager
    await side.must('endmqm', ['-i', qm])
    await side.must('rdqmdr', ['-m', qm, '-s'])
    if (this.options.discardDivergent) {
      // The known-bad operator: the fork's records thrown away, not saved.
      const data = join(side.home, 'qmgrs', qm, 'data')
      for (const file of divergentFiles(data)) fs.rmSync(file)
    }
    const request = JSON.stringify({ queueManager: qm, action: 'list' })
    const listed = JSON.parse(await side.must('qmqd', ['send', 'rdqmdr', request])) as {
      data: { messages: { body: string }[] }
    }
    const bodies = listed.data.messages.map((message) =>
      Buffer.from(message.body, 'base64').toString('utf8'),
    )
    for (const body of bodies) this.saved.add(body)
    this.driver.note(`${old}: rdqmdr -s; ${bodies.length} message(s) listed as saved aside`)
    return bodies.length
  }

  /** Waits until `node`'s DR status is one of `wanted`; false if it never was in time. */
  private async until(node: string, wanted: DrStatus[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const view = await this.driver.view(node)
      if (view !== undefined && wanted.includes(view.status)) return true
      if (Date.now() > deadline) return false
      await sleep(100)
    }
  }
}
