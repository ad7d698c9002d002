/**
 * The queue engine's journal in a replicated queue manager: appends go to the local journal
 * (only while this member is the serving primary), and "durable" means committed under the
 * group's policy: waitDurable resolves once the commit LSN (published by the replication worker
 * in shared memory) passes the record. The engine is unchanged; a single node keeps its plain
 * journal port. A deposed primary closes the port: every waiter fails, so nothing it wrote
 * after losing the primary role is ever acknowledged.
 *
 * The commit LSN alone is not enough: after a deposition the same LSNs name the successor's
 * records, and the main thread may read the successor's commit LSN before the role change
 * reaches it. So the port serves one epoch, and a commit counts for its waiters only while the
 * worker still says this member is the primary of that epoch (commit-block.ts); any other
 * serving epoch closes the port at once.
 */
import { assert } from '../assert.js'
import { trace } from '../runtime/path-trace.js'
import { ErrorCode, MQError, QmqError, Reason } from '../errors.js'
import type { JournalHandle } from '../actors/journal/handle.js'
import type { JournalRecord, MessagePutRecord } from '../actors/journal/record-types.js'
import type { JournalPort } from '../queue/journal-port.js'

/** What the replication worker publishes (CommitBlock): read the LSN first, then the epoch. */
export interface CommitView {
  readonly commitLsn: number
  /** The epoch in which this member is the primary; 0 while it is not. */
  readonly servingEpoch: number
}

/** A view of a commit block that does not exist yet (read at each use). */
export function lateCommitView(block: () => CommitView): CommitView {
  return {
    get commitLsn() {
      return block().commitLsn
    },
    get servingEpoch() {
      return block().servingEpoch
    },
  }
}

interface Waiter {
  readonly lsn: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class CommitJournalPort implements JournalPort {
  /** True while this member is the primary and accepts writes. */
  writable = false
  /** The epoch whose records this port appends and acknowledges; 0 until it serves. */
  private epoch = 0
  private waiters: Waiter[] = []
  private failure: QmqError | undefined

  constructor(
    private readonly journal: JournalHandle,
    private readonly commit: CommitView,
  ) {}

  /** The member serves as primary of `epoch`: appends are allowed and acknowledged in it. */
  serve(epoch: number): void {
    assert(epoch > 0, 'commit port: a primary serves in an epoch above 0')
    assert(this.epoch === 0 || this.epoch === epoch, 'commit port: one epoch per port')
    this.epoch = epoch
    this.writable = true
  }

  append(record: JournalRecord): number {
    if (this.failure !== undefined) throw this.failure
    if (!this.writable) {
      throw new MQError(Reason.Q_MGR_NOT_AVAILABLE, 'this member is not the serving primary')
    }
    const lsn = this.journal.append(record)
    trace('append', lsn)
    return lsn
  }

  waitDurable(lsn: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const commitLsn = this.commit.commitLsn
    if (!this.stillServing()) return Promise.reject(this.failure)
    if (lsn < commitLsn) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiters = this.waiters
      // Appends come in LSN order, so a waiter nearly always goes last.
      let at = waiters.length
      while (at > 0 && waiters[at - 1]!.lsn > lsn) at--
      waiters.splice(at, 0, { lsn, resolve, reject })
    })
  }

  readPut(putLsn: number): MessagePutRecord {
    return this.journal.readPut(putLsn)
  }

  /** The worker published a commit: wake the waiters of the records below it. */
  committed(): void {
    const commitLsn = this.commit.commitLsn
    trace('commit-wake', commitLsn)
    if (!this.stillServing()) return
    const waiters = this.waiters
    let ready = 0
    while (ready < waiters.length && waiters[ready]!.lsn < commitLsn) ready++
    if (ready === 0) return
    const done = waiters.splice(0, ready)
    for (const waiter of done) waiter.resolve()
  }

  /** False (and the port closed) once the worker no longer serves this port's epoch. */
  private stillServing(): boolean {
    if (this.epoch === 0) return true
    const serving = this.commit.servingEpoch
    if (serving === this.epoch) return true
    this.close(`deposed: no longer the primary of epoch ${this.epoch} (now ${serving})`)
    return false
  }

  /** This engine is finished (deposed, rebuilt or closed): fail every waiter and every call. */
  close(because: string): void {
    if (this.failure !== undefined) return
    this.writable = false
    this.failure = new QmqError(ErrorCode.JOURNAL_CLOSED, because)
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.reject(this.failure)
  }
}
