/**
 * What passes between the journal worker and its handle on the main thread.
 *
 * Data plane: records travel main → worker as frames of the journal ring (one frame = one
 * encoded record, tag RECORD_FRAME_TAG). Durability travels worker → main through the control
 * block: the worker stores the durable end LSN, then bumps the durable sequence and notifies;
 * the main thread waits on the sequence with Atomics.waitAsync.
 *
 * Control plane: comlink calls (stats, close) and plain events posted by the worker (a segment
 * opened, so the next one should be prepared; a fatal write error).
 */

/** Frame tag of a journal record in the ring. */
export const RECORD_FRAME_TAG = 1

/** Int32 slots of the control block. */
export const ControlSlot = {
  /** Incremented after every durable advance; the main thread waits on it. */
  DURABLE_SEQUENCE: 0,
  /** JournalWorkerState of the current worker. */
  WORKER_STATE: 16,
} as const

/** BigInt64 slots of the control block (second half of the buffer, own cache line each). */
export const ControlWideSlot = {
  /** Every record below this LSN is on disk and synced. */
  DURABLE_END_LSN: 0,
  /** Every record below this LSN has been handed to write() (page cache, maybe not synced). */
  WRITTEN_END_LSN: 8,
} as const

export const CONTROL_INT32_SLOTS = 32
export const CONTROL_BIGINT64_SLOTS = 16
export const CONTROL_BYTES = CONTROL_INT32_SLOTS * 4 + CONTROL_BIGINT64_SLOTS * 8

export const JournalWorkerState = { STARTING: 0, RUNNING: 1, CLOSED: 2, FAILED: 3 } as const

/** Test hooks for failure injection; never set in production. */
export interface JournalFaults {
  /** Make the write of the n-th batch (1-based) fail with this errno code. */
  readonly failWriteAtBatch?: number
  readonly failWriteCode?: string
  /** Throw an uncaught error at the n-th batch (1-based), killing the worker mid-batch. */
  readonly crashAtBatch?: number
  /** Worker generations that crash (default 1: the first start only). */
  readonly crashGenerations?: number
}

export interface JournalWorkerData {
  readonly ringBuffer: SharedArrayBuffer
  readonly controlBuffer: SharedArrayBuffer
  readonly directory: string
  readonly segmentBytes: number
  readonly generation: number
  readonly faults: JournalFaults | undefined
  readonly logLevel: string | undefined
}

export interface JournalStats {
  readonly batches: number
  readonly records: number
  readonly bytes: number
  readonly syncMicrosTotal: number
  readonly largestBatchRecords: number
  readonly durableEndLsn: number
}

/** The worker's comlink-exposed control API. */
export interface JournalControl {
  stats(): JournalStats
  /** Drains the ring, syncs, closes files; the worker exits afterwards. */
  close(): Promise<JournalStats>
}

export type JournalEvent =
  | { readonly type: 'ready' }
  | { readonly type: 'segment-opened'; readonly segmentIndex: number }
  | {
      readonly type: 'failed'
      readonly code: string
      readonly message: string
      readonly file: string
      readonly lsn: number
    }
