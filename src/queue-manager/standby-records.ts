/**
 * The hot standby's records not yet applied: a follower's records (and a new primary's
 * EPOCH_START) wait here until the commit LSN passes them, then go to the engine in log order,
 * so a standby's engine holds exactly the committed log and a promotion replays nothing.
 * Split out of replicated-queue-manager.ts, which keeps the method names that call it
 * (write, truncate, applyCommitted, rebuildEngine).
 */
import { ErrorCode, QmqError } from '../errors.js'
import { decodeRecord, readRecordHeader } from '../actors/journal/journal-record.js'
import { recordLength } from '../actors/journal/record-header.js'
import { RecordType, type JournalRecord } from '../actors/journal/record-types.js'
import type { QueueEngine } from '../queue/engine.js'

interface PendingRecord {
  readonly lsn: number
  /** Where the next record starts (a SEGMENT_SEAL's is the next segment's first byte). */
  readonly end: number
  readonly record: JournalRecord
}

export class StandbyRecords {
  private pending: PendingRecord[] = []

  /** @param appliedEnd the end of what the engine has applied */
  constructor(public appliedEnd: number) {}

  /** Records waiting for the commit LSN. */
  get waiting(): number {
    return this.pending.length
  }

  add(lsn: number, end: number, record: JournalRecord): void {
    this.pending.push({ lsn, end, record })
  }

  /** A follower's finalized records from `fromLsn`, back to back: decoded, kept until committed. */
  addVerbatim(fromLsn: number, records: Uint8Array): void {
    let lsn = fromLsn
    for (let offset = 0; offset < records.length;) {
      const length = recordLength(records, offset)
      const check = readRecordHeader(records, offset, length, lsn)
      if (check.kind !== 'ok') throw new QmqError(ErrorCode.RECORD_INVALID, `bad record at ${lsn}`)
      const record = decodeRecord(records, offset, check.header)
      lsn = check.header.lsn
      const end = record.type === RecordType.SEGMENT_SEAL ? record.nextLsn : lsn + length
      this.pending.push({ lsn, end, record })
      lsn = end
      offset += length
    }
  }

  /** Applies, in order, every waiting record that ends at or below `commitLsn`. */
  applyCommitted(engine: QueueEngine, commitLsn: number): void {
    let applied = 0
    for (const entry of this.pending) {
      if (entry.end > commitLsn) break
      engine.apply(entry.record, entry.lsn)
      this.appliedEnd = entry.end
      applied++
    }
    if (applied > 0) this.pending.splice(0, applied)
  }

  /** The log was cut at `fromLsn`: what waited from there on is gone. */
  dropFrom(fromLsn: number): void {
    this.pending = this.pending.filter((entry) => entry.lsn < fromLsn)
  }

  /** A new engine holds the log up to `appliedEnd`: nothing waits. */
  reset(appliedEnd: number): void {
    this.appliedEnd = appliedEnd
    this.pending = []
  }
}
