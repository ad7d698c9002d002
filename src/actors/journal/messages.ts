/**
 * What passes between the journal worker and its handle on the main thread.
 *
 * Data plane: records travel main → worker as frames of the journal ring (one frame = one
 * encoded record, tag RECORD_FRAME_TAG). Durability travels worker → main through the control
 * block: the worker stores the durable end LSN, then bumps the durable sequence and notifies;
 * the main thread waits on the sequence with Atomics.waitAsync.
 *
 * Control plane: one comlink channel over one MessagePort. The handle calls start, stats,
 * truncateFrom and close; the worker's events (a segment opened, so the next one should be
 * prepared; a fatal write error) are the replies to the handle's standing nextEvent() call, so
 * nothing else crosses between the threads.
 */
import type { CutTail } from './segment-writer.js'

/** Frame tag of a record encoded by the handle: the worker stamps batchLsn and the checksum. */
export const RECORD_FRAME_TAG = 1
/** Frame tag of a finalized record (a follower's): verified and written as it is. */
export const VERBATIM_RECORD_FRAME_TAG = 2
/** Frame tag of a final local batch in the replication batch ring (records back to back). */
export const FINAL_BATCH_FRAME_TAG = 3

/** Int32 slots of the control block. */
export const ControlSlot = {
  /** Incremented after every durable advance; the main thread waits on it. */
  DURABLE_SEQUENCE: 0,
  /** JournalWorkerState of the current worker. */
  WORKER_STATE: 16,
  /** Epoch of the last durable record (u32 stored as i32): a restarted worker's epoch floor. */
  DURABLE_EPOCH: 17,
  /** Control messages the main thread posted: the idle worker wakes for them (worker.ts). */
  CONTROL_POSTED: 18,
} as const

/** BigInt64 slots of the control block (second half of the buffer, own cache line each). */
export const ControlWideSlot = {
  /** Every record below this LSN is on disk and synced. */
  DURABLE_END_LSN: 0,
} as const

export const CONTROL_INT32_SLOTS = 32
export const CONTROL_BIGINT64_SLOTS = 16
export const CONTROL_BYTES = CONTROL_INT32_SLOTS * 4 + CONTROL_BIGINT64_SLOTS * 8

export const JournalWorkerState = { STARTING: 0, RUNNING: 1, CLOSED: 2, FAILED: 3 } as const

/**
 * A SegmentIo to run the worker on instead of the plain files: the URL of an ES module whose
 * `wrapSegmentIo(files, context)` export returns it (tests wrap the files to inject faults;
 * a function cannot cross to the worker thread, a module URL can).
 */
export interface SegmentIoWrapper {
  readonly moduleUrl: string
  /** Passed to wrapSegmentIo as context.options (structured-cloneable). */
  readonly options?: unknown
}

export interface SegmentIoWrapperContext {
  readonly generation: number
  readonly options: unknown
}

export interface JournalWorkerData {
  readonly ringBuffer: SharedArrayBuffer
  readonly controlBuffer: SharedArrayBuffer
  readonly directory: string
  readonly segmentBytes: number
  readonly generation: number
  readonly segmentIoWrapper: SegmentIoWrapper | undefined
  readonly logLevel: string | undefined
  /** Replication: the ring final local batches are published into (replication/batch-ring). */
  readonly batchRingBuffer: SharedArrayBuffer | undefined
  /**
   * Replication, follower: the ring the replication worker writes the primary's finalized
   * records into (tag VERBATIM_RECORD_FRAME_TAG), so they reach this worker with no main-thread
   * hop. Its producer wakes this worker through the journal ring's wakeConsumer().
   */
  readonly verbatimRingBuffer: SharedArrayBuffer | undefined
}

export interface JournalStats {
  readonly batches: number
  readonly records: number
  readonly bytes: number
  readonly syncMicrosTotal: number
  readonly largestBatchRecords: number
  readonly durableEndLsn: number
  /** fdatasyncs timed (syncMicrosTotal is their sum). */
  readonly syncs: number
  /** Batches per JOURNAL_BATCH_RECORDS_BUCKETS bound (records), the last for larger ones. */
  readonly batchRecordsBuckets: readonly number[]
  /** fdatasyncs per JOURNAL_SYNC_MICROS_BUCKETS bound (µs), the last for longer ones. */
  readonly syncMicrosBuckets: readonly number[]
}

/** The worker's comlink-exposed control API. */
export interface JournalControl {
  /** Starts the write loop; resolves once it runs (the journal is ready). */
  start(): Promise<void>
  /** The next event, once there is one. The handle keeps one call outstanding. */
  nextEvent(): Promise<JournalEvent>
  stats(): JournalStats
  /**
   * Cuts the log back to `fromLsn` and returns what was cut. Only with nothing in flight: the
   * handle waits until everything appended is durable first.
   */
  truncateFrom(fromLsn: number): CutTail
  /** Drains the ring, syncs, closes files; the worker exits afterwards. */
  close(): Promise<JournalStats>
}

export type JournalEvent =
  | { readonly type: 'closed' }
  | { readonly type: 'segment-opened'; readonly segmentIndex: number }
  | {
      readonly type: 'failed'
      readonly code: string
      readonly message: string
      readonly file: string
      readonly lsn: number
    }
