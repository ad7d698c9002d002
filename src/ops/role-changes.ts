/**
 * Elections and failovers of one HA queue manager, counted where its member's role changes (the
 * member's `role` events: role, epoch, primary), so the figures are what this node saw, never
 * derived from epochs or guessed. Pure.
 *
 *   election  a primary became known in an epoch above every epoch seen before (the epoch the
 *             member recovered at its open is the floor: learning of a primary elected while
 *             this node was away counts once, an election already counted is not counted again)
 *   failover  the known primary became another node: a failure or a switchover (rdqmadm -p,
 *             failback) alike, since a member cannot tell them apart; the first primary this
 *             node learns of is not a move
 *
 * Counters live as long as the daemon (Prometheus counters restart with their process).
 */
import { assert } from '../assert.js'

export interface RoleChangeCounts {
  readonly elections: number
  readonly failovers: number
  /** The primary this node last knew of, and in which epoch. */
  readonly primary: string | undefined
  readonly primaryEpoch: number
}

export class RoleChanges {
  private elections = 0
  private failovers = 0
  private primary: string | undefined
  private primaryEpoch = 0
  private floorEpoch = 0

  /** The member opened with this epoch (and perhaps primary) recovered from its log. */
  opened(epoch: number, primary: string | undefined): void {
    assert(epoch >= 0, 'an epoch is never negative')
    this.floorEpoch = Math.max(this.floorEpoch, epoch)
    this.observe(epoch, primary)
  }

  /** One `role` event of the member. */
  observe(epoch: number, primary: string | undefined): void {
    // A primary is known only with its epoch; an older epoch's news changes nothing.
    if (primary === undefined || epoch < this.primaryEpoch) return
    if (epoch > Math.max(this.floorEpoch, this.primaryEpoch)) this.elections++
    if (this.primary !== undefined && primary !== this.primary) this.failovers++
    this.primary = primary
    this.primaryEpoch = Math.max(this.primaryEpoch, epoch)
  }

  counts(): RoleChangeCounts {
    return {
      elections: this.elections,
      failovers: this.failovers,
      primary: this.primary,
      primaryEpoch: this.primaryEpoch,
    }
  }
}
