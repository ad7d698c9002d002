/**
 * The journal worker's loop body, without a thread: one round takes every ready frame from the
 * ring (up to the batch size), writes and syncs them as one batch through the injected
 * SegmentIo, releases the frames and publishes the durable end. worker.ts owns the thread, the
 * waiting and the control channel; this class is what tests (and later the deterministic
 * simulator) drive directly, on the in-memory disk.
 *
 * Group commit: the batch grows by itself under load, as frames that arrive during one sync all
 * go into the next round's batch. A batch is cut at the batch size, at a segment seal, and where
 * local and verbatim records meet.
 */
import { assert } from '../../assert.js'
import { trace } from '../../runtime/path-trace.js'
import { JOURNAL_BATCH_RECORDS_BUCKETS, JOURNAL_SYNC_MICROS_BUCKETS } from '../../constants.js'
import type { FrameVisitor } from '../../ring/framed-ring.js'
import type { JournalControlBlock } from './control-block.js'
import { RECORD_FRAME_TAG, VERBATIM_RECORD_FRAME_TAG, type JournalStats } from './messages.js'
import { recordLsn } from './record-header.js'
import type { SegmentIo } from './segment-io.js'
import { SegmentWriter, type CutTail, type FinalBatchListener } from './segment-writer.js'

/** The consumer side of the journal ring, as the loop uses it (FramedRing implements it). */
export interface RecordFrameSource {
  readBatch(visitor: FrameVisitor, maxBytes: number): number
  /** Gives the space of every consumed frame back to the producer. */
  releaseAll(): void
}

export interface JournalLoopOptions {
  readonly segmentBytes: number
  readonly batchBytes: number
  /** Called with every batch once final, before its write and fdatasync (replication). */
  readonly onFinalBatch?: FinalBatchListener
  /**
   * A follower's records, straight from the replication worker (the verbatim ring). They are
   * taken before the local ring's in each round; a local record whose LSN lies past the log end
   * waits for the verbatim records before it (a new primary's EPOCH_START follows them).
   */
  readonly verbatimFrames?: RecordFrameSource
}

interface MutableStats {
  batches: number
  records: number
  syncMicrosTotal: number
  largestBatchRecords: number
  syncs: number
  batchRecordsBuckets: number[]
  syncMicrosBuckets: number[]
}

/** Index of the first bucket bound >= value, or bounds.length (the +Inf bucket). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let index = 0
  while (index < bounds.length && value > bounds[index]!) index++
  return index
}

export class JournalLoop {
  private readonly writer: SegmentWriter
  private readonly durableAtStart: number
  private readonly counters: MutableStats = {
    batches: 0,
    records: 0,
    syncMicrosTotal: 0,
    largestBatchRecords: 0,
    syncs: 0,
    // Per-bucket (not cumulative) counts, one more than the bounds for +Inf (metrics).
    batchRecordsBuckets: new Array<number>(JOURNAL_BATCH_RECORDS_BUCKETS.length + 1).fill(0),
    syncMicrosBuckets: new Array<number>(JOURNAL_SYNC_MICROS_BUCKETS.length + 1).fill(0),
  }
  private readonly visitor: FrameVisitor
  private taken = 0

  constructor(
    io: SegmentIo,
    private readonly frames: RecordFrameSource,
    private readonly control: JournalControlBlock,
    private readonly options: JournalLoopOptions,
  ) {
    // Resume after what is already durable: a restarted worker must not rewrite synced records
    // (a different batchLsn would change their bytes, and a torn rewrite would lose acked data).
    this.durableAtStart = control.durableEndLsn
    const { segmentBytes, batchBytes } = options
    this.writer = new SegmentWriter(
      io,
      segmentBytes,
      batchBytes,
      this.durableAtStart,
      control.durableEpoch,
    )
    this.writer.onFinalBatch = options.onFinalBatch
    this.visitor = (bytes, offset, length, tag) => this.take(bytes, offset, length, tag)
  }

  /** LSN the next record must carry. */
  get expectedLsn(): number {
    return this.writer.expectedLsn
  }

  /** Adds the duration of one fdatasync to the statistics (the file SegmentIo reports it). */
  recordSync(micros: number): void {
    this.counters.syncMicrosTotal += micros
    this.counters.syncs++
    this.counters.syncMicrosBuckets[bucketIndex(JOURNAL_SYNC_MICROS_BUCKETS, micros)]!++
  }

  /** One round: write everything that is ready; returns false if there was nothing. */
  round(): boolean {
    this.taken = 0
    const first = this.writer.expectedLsn
    this.options.verbatimFrames?.readBatch(this.visitor, this.options.batchBytes)
    this.frames.readBatch(this.visitor, this.options.batchBytes)
    if (this.taken === 0 && this.writer.pendingRecords === 0) return false
    trace('journal-take', first)
    // Frames can keep arriving during readBatch; a batch is cut at its size or a seal.
    this.commitBatch()
    return true
  }

  /** Cuts the log back to `fromLsn` (nothing may be in flight) and publishes the new end. */
  truncateFrom(fromLsn: number): CutTail {
    assert(this.writer.pendingRecords === 0, 'truncate between rounds')
    const cut = this.writer.truncateFrom(fromLsn)
    this.control.publishDurable(this.writer.expectedLsn, this.writer.lastEpoch)
    return cut
  }

  close(): void {
    this.writer.close()
  }

  stats(): JournalStats {
    const durableEndLsn = this.control.durableEndLsn
    const counters = this.counters
    return {
      ...counters,
      batchRecordsBuckets: [...counters.batchRecordsBuckets],
      syncMicrosBuckets: [...counters.syncMicrosBuckets],
      bytes: durableEndLsn - this.durableAtStart,
      durableEndLsn,
    }
  }

  private take(bytes: Uint8Array, offset: number, length: number, tag: number): boolean {
    const verbatim = tag === VERBATIM_RECORD_FRAME_TAG
    if (!verbatim && tag !== RECORD_FRAME_TAG) assert(false, `unexpected frame tag ${tag}`)
    const lsn = recordLsn(bytes, offset)
    if (lsn < this.writer.expectedLsn) return true // durable before a restart
    if (lsn > this.writer.expectedLsn && this.options.verbatimFrames !== undefined) return false
    if (!this.writer.canAccept(length, verbatim)) return false
    if (verbatim) this.writer.addVerbatim(bytes, offset, length)
    else this.writer.add(bytes, offset, length)
    this.taken++
    return true
  }

  private commitBatch(): void {
    const records = this.writer.pendingRecords
    const durableEnd = this.writer.flush()
    this.frames.releaseAll()
    this.options.verbatimFrames?.releaseAll()
    const counters = this.counters
    counters.batches++
    counters.records += records
    counters.largestBatchRecords = Math.max(counters.largestBatchRecords, records)
    counters.batchRecordsBuckets[bucketIndex(JOURNAL_BATCH_RECORDS_BUCKETS, records)]!++
    this.control.publishDurable(durableEnd, this.writer.lastEpoch)
  }
}
