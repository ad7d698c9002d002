/**
 * An in-memory JournalPort for engine tests. Records are kept in an array; a record's LSN is the
 * running byte count, with a deterministic length per record (64 bytes plus the body, rounded up
 * to 8), starting at 0 like the real log. Durability is the test's to control:
 *  - 'immediate': every append is durable at once;
 *  - 'manual': nothing is durable until release(upToLsn) (or releaseAll());
 *  - 'failing': appends succeed but every waitDurable rejects (a disk that cannot sync).
 * fail(error) breaks the journal for good: pending and later waits reject, appends throw.
 */
import type { JournalRecord, MessagePutRecord } from '../../src/actors/journal/record-types.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import type { JournalPort } from '../../src/queue/journal-port.js'

export type DurabilityMode = 'immediate' | 'manual' | 'failing'

export interface JournalEntry {
  readonly lsn: number
  readonly record: JournalRecord
}

const RECORD_BASE_BYTES = 64
const ALIGNMENT_BYTES = 8

export function recordLength(record: JournalRecord): number {
  const hasBody = record.type === RecordType.MESSAGE_PUT || record.type === RecordType.MESSAGE_MOVE
  const body = hasBody ? record.body.length : 0
  return Math.ceil((RECORD_BASE_BYTES + body) / ALIGNMENT_BYTES) * ALIGNMENT_BYTES
}

interface Waiter {
  readonly lsn: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class MemoryJournal implements JournalPort {
  readonly entries: JournalEntry[] = []
  private readonly byLsn = new Map<number, JournalRecord>()
  private waiters: Waiter[] = []
  private nextLsn = 0
  /** Every record at or below this LSN is durable. */
  durableLsn = -1
  failure: unknown = undefined
  readPutCount = 0

  constructor(public mode: DurabilityMode = 'immediate') {}

  /** A journal that already holds `entries` (what a recovered engine reads bodies from). */
  static holding(entries: readonly JournalEntry[]): MemoryJournal {
    const journal = new MemoryJournal('immediate')
    for (const entry of entries) journal.store(entry.lsn, entry.record)
    const last = entries[entries.length - 1]
    if (last !== undefined) {
      journal.nextLsn = last.lsn + recordLength(last.record)
      journal.durableLsn = last.lsn
    }
    return journal
  }

  get endLsn(): number {
    return this.nextLsn
  }

  append(record: JournalRecord): number {
    if (this.failure !== undefined) throw this.failure
    const lsn = this.nextLsn
    this.store(lsn, record)
    this.nextLsn += recordLength(record)
    if (this.mode === 'immediate') this.durableLsn = lsn
    return lsn
  }

  waitDurable(lsn: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (this.mode === 'failing') return Promise.reject(new Error('memory journal: sync failed'))
    if (lsn <= this.durableLsn) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiters.push({ lsn, resolve, reject }))
  }

  readPut(putLsn: number): MessagePutRecord {
    this.readPutCount++
    const record = this.byLsn.get(putLsn)
    if (record?.type === RecordType.MESSAGE_MOVE) {
      const { queueId, descriptor, body } = record
      return { type: RecordType.MESSAGE_PUT, queueId, uowId: 0, descriptor, body }
    }
    if (record === undefined || record.type !== RecordType.MESSAGE_PUT) {
      throw new Error(`memory journal: no PUT record at ${putLsn}`)
    }
    return record
  }

  /** Makes records up to `upToLsn` durable and resolves their waiters. */
  release(upToLsn: number): void {
    const last = this.entries[this.entries.length - 1]
    this.durableLsn = Math.max(this.durableLsn, Math.min(upToLsn, last?.lsn ?? -1))
    const ready = this.waiters.filter((waiter) => waiter.lsn <= this.durableLsn)
    this.waiters = this.waiters.filter((waiter) => waiter.lsn > this.durableLsn)
    for (const waiter of ready) waiter.resolve()
  }

  releaseAll(): void {
    this.release(Infinity)
  }

  get pendingWaits(): number {
    return this.waiters.length
  }

  fail(error: unknown = new Error('memory journal: disk on fire')): void {
    this.failure = error
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }

  /** Records a crash would leave: those durable now. */
  durableEntries(): JournalEntry[] {
    return this.entries.filter((entry) => entry.lsn <= this.durableLsn)
  }

  private store(lsn: number, record: JournalRecord): void {
    this.entries.push({ lsn, record })
    this.byLsn.set(lsn, record)
  }
}
