/**
 * The queue engine's journal in a replicated queue manager: appends go to the local journal
 * (only while this member is the serving primary), and "durable" means committed under the
 * group's policy: waitDurable resolves once the commit LSN (published by the replication worker
 * in shared memory) passes the record. The engine is unchanged; a single node keeps its plain
 * journal port. A deposed primary closes the port: every waiter fails, so nothing it wrote
 * after losing the primary role is ever acknowledged.
 */
import { trace } from '../runtime/path-trace.js'
import { ErrorCode, MQError, QmqError, Reason } from '../errors.js'
import type { JournalHandle } from '../actors/journal/handle.js'
import type { JournalRecord, MessagePutRecord } from '../actors/journal/record-types.js'
import type { JournalPort } from '../queue/journal-port.js'

interface Waiter {
  readonly lsn: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class CommitJournalPort implements JournalPort {
  /** True while this member is the primary and accepts writes. */
  writable = false
  private waiters: Waiter[] = []
  private failure: QmqError | undefined

  constructor(
    private readonly journal: JournalHandle,
    private readonly commitLsn: () => number,
  ) {}

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
    if (lsn < this.commitLsn()) return Promise.resolve()
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

  /** Records below `commitLsn` are committed: wake their waiters. */
  committed(commitLsn: number): void {
    trace('commit-wake', commitLsn)
    const waiters = this.waiters
    let ready = 0
    while (ready < waiters.length && waiters[ready]!.lsn < commitLsn) ready++
    if (ready === 0) return
    const done = waiters.splice(0, ready)
    for (const waiter of done) waiter.resolve()
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
