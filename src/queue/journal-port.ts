/**
 * What the queue engine needs from a journal. The real one is the journal actor
 * (src/actors/journal/handle.ts); tests use an in-memory one. The engine applies a record to its
 * state in the same turn that it appends it, so state always equals "every appended record", and
 * replay after a crash runs the same apply function over the records found on disk.
 *
 * uowId values the engine writes: the first 8-aligned position after the last record it applied
 * when the unit of work wrote its first record (see src/queue/unit-of-work.ts). That is at most
 * the first record's own LSN and unique for the life of the log; nothing here needs to change.
 */
import type { JournalRecord, MessagePutRecord } from '../actors/journal/record-types.js'

export interface JournalPort {
  /** Appends a record and returns its LSN. Never blocks: a full ring queues in memory. */
  append(record: JournalRecord): number
  /**
   * Resolves when every record up to and including `lsn` is durable; rejects if the journal
   * failed (the engine then fails the call with 2102 and every later call with 2059).
   */
  waitDurable(lsn: number): Promise<void>
  /** Reads a PUT record back from the log (for bodies no longer held in memory). */
  readPut(putLsn: number): MessagePutRecord
}
