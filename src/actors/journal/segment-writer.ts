/**
 * The journal's write side, without threads: takes records in LSN order, fills a batch buffer,
 * writes it with one write() and one fdatasync, and reports the new durable end. I/O goes
 * through SegmentIo (segment-io.ts); test/journal/segment-writer.test.ts runs it on the
 * in-memory disk, with failing writes and crashes.
 *
 * Two kinds of record, never mixed in one batch:
 *  - local records, encoded by the handle with checksum and batchLsn 0: every record in a batch
 *    gets the batch's first LSN stamped as batchLsn and its checksum computed here, off the main
 *    thread;
 *  - verbatim records (a follower's): already finalized by the leader, written as received, with
 *    the leader's batchLsn and checksum kept, after each is verified (checksum, LSN continuity
 *    with the local end, an epoch not older than the last one written).
 *
 * A batch never crosses a segment: it ends with the SEGMENT_SEAL record that closes a segment,
 * and the next batch opens the next segment. Epochs never go down along the log.
 */
import { assert } from '../../assert.js'
import { MAX_REPLICATION_HISTORY_RUNS, RECORD_HEADER_BYTES } from '../../constants.js'
import { ErrorCode, QmqError } from '../../errors.js'
import { RecordType } from './record-types.js'
import { finalizeRecord, readRecordHeader, sealNextLsn } from './journal-record.js'
import { recordEpoch, recordLength, recordLsn, recordType } from './record-header.js'
import type { SegmentIo } from './segment-io.js'

/** What truncateFrom cut: the records [fromLsn, endLsn), whole and as they were on disk. */
export interface CutTail {
  readonly fromLsn: number
  readonly endLsn: number
  /** The cut records back to back (seals included); each carries its own LSN and epoch. */
  readonly records: Uint8Array
}

/**
 * Sees each batch once its bytes are final (batchLsn and checksums stamped) and before they are
 * written and synced: the replication sender ships them while the local fdatasync runs.
 */
export type FinalBatchListener = (
  batch: Uint8Array,
  length: number,
  firstLsn: number,
  verbatim: boolean,
) => void

export class SegmentWriter {
  /** Set by the journal loop when a replication sender consumes final batches. */
  onFinalBatch: FinalBatchListener | undefined
  private readonly batch: Buffer
  private batchBytes = 0
  private batchFirstLsn = -1
  private batchRecords = 0
  private batchVerbatim = false
  private sealed = false
  private descriptor = -1
  private segmentIndex = -1
  /**
   * Where each epoch written since open starts (the last run is the floor's). A cut goes back
   * to the epoch of the record before it: a deposed primary's own EPOCH_START cut away, the
   * next record may be its successor's copy of an older epoch's record (Raft keeps an entry's
   * original term), which the floor must then accept. Before the open point the runs are not
   * known: a cut below it leaves no floor (the core's log matching still checks the epochs).
   */
  private readonly epochRuns: { startLsn: number; epoch: number }[] = []

  constructor(
    private readonly io: SegmentIo,
    private readonly segmentBytes: number,
    batchCapacityBytes: number,
    /** LSN the next record must carry. */
    private nextLsn: number,
    /** Epoch of the last record written: no record of a lower one may follow. */
    private epochFloor = 0,
  ) {
    this.batch = Buffer.allocUnsafe(batchCapacityBytes)
    // The record before the open point is of the floor's epoch and starts before it.
    if (epochFloor > 0) this.epochRuns.push({ startLsn: nextLsn - 1, epoch: epochFloor })
  }

  get expectedLsn(): number {
    return this.nextLsn
  }

  get pendingRecords(): number {
    return this.batchRecords
  }

  /** Highest epoch written or batched so far. */
  get lastEpoch(): number {
    return this.epochFloor
  }

  /** Room for a record of `length` bytes of this kind in the current batch (false once sealed). */
  canAccept(length: number, verbatim = false): boolean {
    if (this.sealed) return false
    if (this.batchBytes === 0) return true
    return this.batchVerbatim === verbatim && this.batchBytes + length <= this.batch.length
  }

  /** Copies one locally encoded record into the batch. Its LSN must be the next one in the log. */
  add(source: Uint8Array, offset: number, length: number): void {
    assert(this.canAccept(length), 'batch has room')
    assert(length >= RECORD_HEADER_BYTES && length <= this.batch.length, 'record length')
    const lsn = recordLsn(source, offset)
    // Messages built only on failure: this runs once per record on the write path.
    if (lsn !== this.nextLsn) assert(false, `record LSN ${lsn} follows ${this.nextLsn}`)
    assert(recordLength(source, offset) === length, 'frame length = record length')
    const epoch = recordEpoch(source, offset)
    if (epoch < this.epochFloor) assert(false, `epoch ${epoch} not below ${this.epochFloor}`)
    this.append(source, offset, length, lsn, epoch)
  }

  /**
   * Copies one finalized record into the batch as it is, after verifying it; throws
   * RECORD_INVALID (and takes nothing) if it is damaged, out of place, or of an older epoch.
   */
  addVerbatim(source: Uint8Array, offset: number, length: number): void {
    assert(this.canAccept(length, true), 'batch has room')
    assert(length <= this.batch.length, 'record length')
    const check = readRecordHeader(source, offset, length, this.nextLsn)
    if (check.kind !== 'ok') {
      const reason = check.kind === 'empty' ? 'empty' : `${check.reason}: ${check.detail}`
      throw this.refused(this.nextLsn, reason)
    }
    if (check.header.length !== length) throw this.refused(this.nextLsn, 'length')
    if (check.header.epoch < this.epochFloor) {
      throw this.refused(this.nextLsn, `epoch ${check.header.epoch} after ${this.epochFloor}`)
    }
    if (this.batchRecords === 0) this.batchVerbatim = true
    this.append(source, offset, length, check.header.lsn, check.header.epoch)
  }

  /** Writes and syncs the batch; returns the new durable end LSN. */
  flush(): number {
    assert(this.batchRecords > 0, 'flush of an empty batch')
    const first = this.batchFirstLsn
    const index = Math.floor(first / this.segmentBytes)
    assert(first + this.batchBytes <= (index + 1) * this.segmentBytes, 'batch inside one segment')
    if (!this.batchVerbatim) {
      for (let position = 0; position < this.batchBytes;) {
        finalizeRecord(this.batch, position, first)
        position += recordLength(this.batch, position)
      }
    }
    this.onFinalBatch?.(this.batch, this.batchBytes, first, this.batchVerbatim)
    const descriptor = this.segmentFor(index)
    const position = first - index * this.segmentBytes
    this.io.write(descriptor, this.batch, 0, this.batchBytes, position)
    this.io.fdatasync(descriptor)
    if (this.sealed) this.closeSegment()
    this.batchBytes = 0
    this.batchRecords = 0
    this.batchVerbatim = false
    this.sealed = false
    return this.nextLsn
  }

  /**
   * Cuts the log back to `fromLsn` (a record boundary at or below the end): the records after it
   * are read back, zeroed on disk last segment first (so a crash midway leaves a shorter log,
   * never a gap), synced, and returned. The epoch floor goes back to the epoch of the last
   * record kept (see epochRuns).
   */
  truncateFrom(fromLsn: number): CutTail {
    assert(this.batchRecords === 0, 'truncate with an unflushed batch')
    assert(fromLsn <= this.nextLsn, `truncate from ${fromLsn} beyond the end ${this.nextLsn}`)
    this.closeSegment()
    const spans = this.spansFrom(fromLsn)
    for (let index = spans.length - 1; index >= 0; index--) {
      const span = spans[index]!
      const descriptor = this.io.open(span.segmentIndex, false)
      try {
        this.io.truncate(descriptor, span.start, span.start + span.bytes.length)
        this.io.fdatasync(descriptor)
      } finally {
        this.io.close(descriptor)
      }
    }
    const cut: CutTail = {
      fromLsn,
      endLsn: this.nextLsn,
      records: Buffer.concat(spans.map((span) => span.bytes)),
    }
    this.nextLsn = fromLsn
    while (this.epochRuns.length > 0 && this.epochRuns.at(-1)!.startLsn >= fromLsn) {
      this.epochRuns.pop()
    }
    this.epochFloor = this.epochRuns.at(-1)?.epoch ?? 0
    return cut
  }

  close(): void {
    assert(this.batchRecords === 0, 'close with an unflushed batch')
    this.closeSegment()
  }

  private append(source: Uint8Array, offset: number, length: number, lsn: number, epoch: number) {
    if (this.batchRecords === 0) this.batchFirstLsn = lsn
    this.batch.set(source.subarray(offset, offset + length), this.batchBytes)
    this.batchBytes += length
    this.batchRecords++
    this.nextLsn += length
    if (epoch !== this.epochFloor || this.epochRuns.length === 0) {
      if (this.epochRuns.length >= MAX_REPLICATION_HISTORY_RUNS) this.epochRuns.shift()
      this.epochRuns.push({ startLsn: lsn, epoch })
    }
    this.epochFloor = epoch
    if (recordType(source, offset) === RecordType.SEGMENT_SEAL) {
      // The seal's payload is the next segment's first LSN: the log skips the unused rest.
      this.sealed = true
      this.nextLsn = sealNextLsn(source, offset)
      assert(this.nextLsn % this.segmentBytes === 0, 'seal points at a segment start')
    }
  }

  /** The records from `fromLsn` to the end, per segment, verified as they are read. */
  private spansFrom(fromLsn: number): { segmentIndex: number; start: number; bytes: Buffer }[] {
    const spans: { segmentIndex: number; start: number; bytes: Buffer }[] = []
    let lsn = fromLsn
    while (lsn < this.nextLsn) {
      const segmentIndex = Math.floor(lsn / this.segmentBytes)
      const base = segmentIndex * this.segmentBytes
      const stop = Math.min(this.nextLsn, base + this.segmentBytes)
      const bytes = Buffer.alloc(stop - lsn)
      const descriptor = this.io.open(segmentIndex, false)
      try {
        this.io.read(descriptor, bytes, 0, bytes.length, lsn - base)
      } finally {
        this.io.close(descriptor)
      }
      const used = this.recordsIn(bytes, lsn)
      spans.push({ segmentIndex, start: lsn - base, bytes: bytes.subarray(0, used.bytes) })
      lsn = used.nextLsn
    }
    return spans
  }

  /** Walks whole records of `bytes` (starting at `lsn`) up to their end or a seal. */
  private recordsIn(bytes: Buffer, lsn: number): { bytes: number; nextLsn: number } {
    let at = 0
    while (at < bytes.length) {
      const check = readRecordHeader(bytes, at, bytes.length - at, lsn + at)
      if (check.kind !== 'ok') {
        const file = this.io.describe(Math.floor(lsn / this.segmentBytes))
        throw new QmqError(
          ErrorCode.JOURNAL_CORRUPT,
          `no valid record at LSN ${lsn + at} in ${file} while truncating`,
          { file, lsn: lsn + at },
        )
      }
      at += check.header.length
      if (check.header.type === RecordType.SEGMENT_SEAL) {
        return { bytes: at, nextLsn: sealNextLsn(bytes, at - check.header.length) }
      }
    }
    return { bytes: at, nextLsn: lsn + at }
  }

  private refused(lsn: number, reason: string): QmqError {
    return new QmqError(
      ErrorCode.RECORD_INVALID,
      `verbatim record at LSN ${lsn} refused: ${reason}`,
      { lsn, reason },
    )
  }

  private segmentFor(index: number): number {
    if (this.segmentIndex !== index) {
      this.closeSegment()
      this.descriptor = this.io.open(index, true)
      this.segmentIndex = index
    }
    return this.descriptor
  }

  private closeSegment(): void {
    if (this.descriptor >= 0) this.io.close(this.descriptor)
    this.descriptor = -1
    this.segmentIndex = -1
  }
}
