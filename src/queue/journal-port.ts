/**
 * What the queue engine needs from a journal. The real one is the journal actor
 * (src/actors/journal/handle.ts); tests use an in-memory one. The engine applies a record to its
 * state in the same turn that it appends it, so state always equals "every appended record", and
 * replay after a crash runs the same apply function over the records found on disk.
 */
import type { JournalRecord, MessagePutRecord } from '../journal/record-types.js'

export interface JournalPort {
  /** Appends a record and returns its LSN. Never blocks: a full ring queues in memory. */
  append(record: JournalRecord): number
  /** Resolves when every record up to and including `lsn` is durable; rejects if the journal failed. */
  waitDurable(lsn: number): Promise<void>
  /** Reads a PUT record back from the log (for bodies no longer held in memory). */
  readPut(putLsn: number): MessagePutRecord
}
