/**
 * Durability promises grouped by flush: every waiter in one flush group shares one promise, so
 * a turn that appends a thousand records creates one promise, not a thousand.
 *
 * The open group collects waiters until the handle flushes the ring at the end of the turn; the
 * flush closes it with `endLsn` = the log end at that moment. A closed group resolves when the
 * durable end reaches its endLsn. Waiters for LSNs in an older, still pending group join that;
 * a waiter for an LSN flushed with no group (nobody waited in its turn) gets one to the flush end.
 */
import { assert } from '../../assert.js'

interface Group {
  endLsn: number
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

function newGroup(): Group {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((resolveGroup, rejectGroup) => {
    resolve = resolveGroup
    reject = rejectGroup
  })
  // A group nobody ends up awaiting must not surface as an unhandled rejection.
  promise.catch(() => undefined)
  return { endLsn: Infinity, promise, resolve, reject }
}

export class DurabilityTracker {
  private readonly closed: Group[] = []
  private head = 0
  private open: Group | undefined
  private closedEndLsn: number

  constructor(private durableEndLsn: number) {
    this.closedEndLsn = durableEndLsn
  }

  hasWaiters(): boolean {
    return this.open !== undefined || this.head < this.closed.length
  }

  /** A promise that resolves once the record at `lsn` is durable. */
  waitFor(lsn: number): Promise<void> {
    if (lsn < this.durableEndLsn) return Promise.resolve()
    if (lsn >= this.closedEndLsn) {
      this.open ??= newGroup()
      return this.open.promise
    }
    for (let index = this.head; index < this.closed.length; index++) {
      const group = this.closed[index]!
      if (lsn < group.endLsn) return group.promise
    }
    // Flushed in a turn nobody waited in (a checkpoint, a compaction pass or a follower's
    // adopted records wait later): not durable yet, so wait for the whole flushed range. The
    // group ends past every closed one, so the groups stay in order.
    const group = newGroup()
    group.endLsn = this.closedEndLsn
    this.closed.push(group)
    return group.promise
  }

  /** The ring was flushed: waiters so far wait for everything appended below `endLsn`. */
  closeOpenGroup(endLsn: number): void {
    assert(endLsn >= this.closedEndLsn, 'flush end never moves back')
    this.closedEndLsn = endLsn
    if (this.open === undefined) return
    this.open.endLsn = endLsn
    this.closed.push(this.open)
    this.open = undefined
  }

  advance(durableEndLsn: number): void {
    assert(durableEndLsn >= this.durableEndLsn, 'durable end never moves back')
    this.durableEndLsn = durableEndLsn
    while (this.head < this.closed.length && this.closed[this.head]!.endLsn <= durableEndLsn) {
      this.closed[this.head]!.resolve()
      this.head++
    }
    this.compact()
  }

  /** The log was cut back to `endLsn` (nothing may be waiting): durable and flushed end there. */
  rewindTo(endLsn: number): void {
    assert(!this.hasWaiters(), 'rewind with durability waiters')
    assert(endLsn <= this.closedEndLsn, 'rewind moves back')
    this.durableEndLsn = endLsn
    this.closedEndLsn = endLsn
  }

  failAll(error: unknown): void {
    this.open?.reject(error)
    this.open = undefined
    while (this.head < this.closed.length) this.closed[this.head++]!.reject(error)
    this.compact()
  }

  private compact(): void {
    if (this.head === this.closed.length) {
      this.closed.length = 0
      this.head = 0
    } else if (this.head > 1024) {
      this.closed.splice(0, this.head)
      this.head = 0
    }
  }
}
