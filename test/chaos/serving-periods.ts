/**
 * Who served when, as a driver observes it: one period per (node, epoch) from the moment the
 * node was seen serving until it was seen not serving, stopped or killed. The checker's
 * "two primaries" rule and the runner's notion of the current primary both read these.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ServingPeriod } from './history.js'

interface OpenPeriod {
  readonly node: string
  readonly epoch: number
  readonly startMs: number
  endMs: number | undefined
}

export class ServingPeriods {
  private readonly periods: OpenPeriod[] = []

  constructor(private readonly isRunning: (node: string) => boolean) {}

  /** The node serving now: the open period of the highest epoch on a running node. */
  primary(): string | undefined {
    const open = this.periods.filter(
      (period) => period.endMs === undefined && this.isRunning(period.node),
    )
    return open.sort((x, y) => y.epoch - x.epoch)[0]?.node
  }

  async waitForPrimary(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const primary = this.primary()
      if (primary !== undefined) return primary
      if (Date.now() > deadline) throw new Error(`no member serving within ${timeoutMs} ms`)
      await sleep(20)
    }
  }

  /** `node` was seen serving in `epoch` (nothing changes if that period is already open). */
  serving(node: string, epoch: number): void {
    const open = this.periods.find((period) => period.node === node && period.endMs === undefined)
    if (open?.epoch === epoch) return
    this.close(node)
    this.periods.push({ node, epoch, startMs: Date.now(), endMs: undefined })
  }

  close(node: string): void {
    for (const period of this.periods) {
      if (period.node === node && period.endMs === undefined) period.endMs = Date.now()
    }
  }

  /** Every period, the open ones ending now. */
  list(): ServingPeriod[] {
    const now = Date.now()
    return this.periods.map((period) => ({ ...period, endMs: period.endMs ?? now }))
  }
}
