/**
 * Journal actor: the only thread that writes the log.
 *
 *   main thread                                 journal worker (this file)
 *   ───────────                                 ──────────────────────────
 *   JournalHandle.append ─ frame per record ─▶  journal ring (SAB) ──▶ SegmentWriter batch
 *                                                                      │ write() + fdatasync
 *   waitDurable() ◀─ notify DURABLE_SEQUENCE ◀─ control block (SAB) ◀──┘ durable end LSN
 *   comlink (stats, close) ◀──── MessagePort ───▶ expose(control)
 *   segment-opened / failed ◀──── parentPort ───── events
 *
 * Group commit: take every frame that is waiting (up to MAX_BATCH_BYTES), write once, sync once,
 * then release the frames and publish the durable end. The batch grows by itself under load:
 * frames that arrive during one sync all go into the next. When idle the worker spins briefly,
 * then sleeps in Atomics.wait — it does only synchronous file I/O, so blocking is right here —
 * and yields to its event loop between rounds so control calls are served.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import * as Comlink from 'comlink'
import { portEndpoint } from '../../runtime/comlink-port.js'
import { assert } from '../../assert.js'
import { ErrorCode, isQmqError } from '../../errors.js'
import { JOURNAL_IDLE_WAIT_MS, JOURNAL_SPIN_MICROS, MAX_BATCH_BYTES } from '../../constants.js'
import { FramedRing } from '../../ring/framed-ring.js'
import { fileSegmentIo } from './file-segment-io.js'
import { segmentPath } from './segment-files.js'
import { SegmentWriter } from './segment-writer.js'
import {
  ControlSlot,
  ControlWideSlot,
  JournalWorkerState,
  RECORD_FRAME_TAG,
  type JournalControl,
  type JournalEvent,
  type JournalStats,
  type JournalWorkerData,
} from './messages.js'

const data = workerData as JournalWorkerData & { controlPort: MessagePort }
const control32 = new Int32Array(data.controlBuffer, 0, 32)
const control64 = new BigInt64Array(data.controlBuffer, 128)
const ring = FramedRing.attach(data.ringBuffer)

let batchCount = 0
const stats = { batches: 0, records: 0, bytes: 0, syncMicrosTotal: 0, largestBatchRecords: 0 }
let closing = false
let failed = false

function post(event: JournalEvent): void {
  parentPort?.postMessage(event)
}

const io = fileSegmentIo(data.directory, data.segmentBytes, {
  onOpen: (segmentIndex) => post({ type: 'segment-opened', segmentIndex }),
  beforeWrite: () => {
    batchCount++
    const faults = data.faults
    if (
      faults?.crashAtBatch !== undefined &&
      batchCount >= faults.crashAtBatch &&
      data.generation <= (faults.crashGenerations ?? 1)
    ) {
      // Simulates a bug: an uncaught error kills this worker mid-batch; the supervisor restarts.
      throw new Error('injected journal worker crash')
    }
    if (faults?.failWriteAtBatch !== undefined && batchCount >= faults.failWriteAtBatch) {
      throw Object.assign(new Error('injected write failure'), {
        code: faults.failWriteCode ?? 'EIO',
        syscall: 'write',
      })
    }
  },
  onSync: (micros) => {
    stats.syncMicrosTotal += micros
  },
})

// Resume after what is already durable: a restarted worker must not rewrite synced records
// (a different batchLsn would change their bytes, and a torn rewrite would lose acked data).
const durableAtStart = Number(Atomics.load(control64, ControlWideSlot.DURABLE_END_LSN / 8))
const writer = new SegmentWriter(io, data.segmentBytes, MAX_BATCH_BYTES, durableAtStart)

/** Collects ready frames into the writer; returns how many were taken. */
function collect(): number {
  let taken = 0
  ring.readBatch((bytes, offset, length, tag) => {
    assert(tag === RECORD_FRAME_TAG, `unexpected frame tag ${tag}`)
    const lsn = readLsn(bytes, offset)
    if (lsn < writer.expectedLsn) return true // already durable before a restart: skip
    if (!writer.canAccept(length)) return false
    writer.add(bytes, offset, length)
    taken++
    return true
  }, MAX_BATCH_BYTES)
  return taken
}

function readLsn(bytes: Uint8Array, offset: number): number {
  const low =
    (bytes[offset + 8]! |
      (bytes[offset + 9]! << 8) |
      (bytes[offset + 10]! << 16) |
      (bytes[offset + 11]! << 24)) >>>
    0
  const high =
    (bytes[offset + 12]! |
      (bytes[offset + 13]! << 8) |
      (bytes[offset + 14]! << 16) |
      (bytes[offset + 15]! << 24)) >>>
    0
  return high * 2 ** 32 + low
}

function commitBatch(): void {
  const records = writer.pendingRecords
  const durableEnd = writer.flush()
  ring.releaseAll()
  stats.batches++
  stats.records += records
  stats.largestBatchRecords = Math.max(stats.largestBatchRecords, records)
  Atomics.store(control64, ControlWideSlot.DURABLE_END_LSN / 8, BigInt(durableEnd))
  Atomics.add(control32, ControlSlot.DURABLE_SEQUENCE, 1)
  Atomics.notify(control32, ControlSlot.DURABLE_SEQUENCE)
}

/** One round: write everything that is ready; returns false if there was nothing. */
function round(): boolean {
  if (collect() === 0 && writer.pendingRecords === 0) return false
  // Frames can keep arriving during collect; a batch is cut at MAX_BATCH_BYTES or a seal.
  commitBatch()
  return true
}

function spinForWork(): boolean {
  const deadline = performance.now() + JOURNAL_SPIN_MICROS / 1000
  while (performance.now() < deadline) {
    if (ring.availableBytes() > 0) return true
  }
  return false
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Busy rounds between yields to the event loop, where control calls (stats, close) run. */
const ROUNDS_PER_YIELD = 16

async function run(): Promise<void> {
  Atomics.store(control32, ControlSlot.WORKER_STATE, JournalWorkerState.RUNNING)
  post({ type: 'ready' })
  let roundsSinceYield = 0
  while (!failed) {
    if (round()) {
      // Work straight on after a wake-up: a yield here would add a loop turn to every batch.
      if (++roundsSinceYield >= ROUNDS_PER_YIELD) {
        roundsSinceYield = 0
        await yieldToEventLoop()
      }
      continue
    }
    if (closing) break
    if (spinForWork() || ring.waitForData(JOURNAL_IDLE_WAIT_MS)) continue
    roundsSinceYield = 0
    await yieldToEventLoop()
  }
}

function fail(error: unknown): void {
  failed = true
  const errno = error as NodeJS.ErrnoException
  Atomics.store(control32, ControlSlot.WORKER_STATE, JournalWorkerState.FAILED)
  Atomics.add(control32, ControlSlot.DURABLE_SEQUENCE, 1)
  Atomics.notify(control32, ControlSlot.DURABLE_SEQUENCE)
  post({
    type: 'failed',
    code: errno.code ?? 'UNKNOWN',
    message: errno.message,
    file: segmentPath(data.directory, Math.floor(writer.expectedLsn / data.segmentBytes)),
    lsn: writer.expectedLsn,
  })
}

function snapshotStats(): JournalStats {
  const durableEndLsn = Number(Atomics.load(control64, ControlWideSlot.DURABLE_END_LSN / 8))
  return { ...stats, bytes: durableEndLsn - durableAtStart, durableEndLsn }
}

const running = run().catch((error: unknown) => {
  // Write and sync errors are not retried: after a failed fsync the page cache cannot be
  // trusted (PostgreSQL's "fsyncgate"), so the journal stops and the queue manager fails.
  if (isIoError(error)) fail(error)
  // The main thread failed or closed the ring (the journal is being shut down): just stop.
  else if (isQmqError(error) && error.code === ErrorCode.RING_CLOSED) failed = true
  else throw error
})

function isIoError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && 'syscall' in error
}

const controlApi: JournalControl = {
  stats: snapshotStats,
  async close() {
    closing = true
    await running
    if (!failed) writer.close()
    Atomics.store(control32, ControlSlot.WORKER_STATE, JournalWorkerState.CLOSED)
    // Let comlink send this reply, then close the port so the thread's loop empties and it exits.
    setTimeout(() => data.controlPort.close(), 0)
    return snapshotStats()
  },
}

Comlink.expose(controlApi, portEndpoint(data.controlPort))
