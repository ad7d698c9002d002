/**
 * Journal actor thread: the entry point and the wait loop. The write loop itself is JournalLoop
 * (journal-loop.ts); this file wires it to the ring, the control block, the segment files and
 * the one control channel.
 *
 *   main thread (JournalHandle)                        journal worker (this file)
 *   ───────────────────────────                        ──────────────────────────
 *   append ── frame per record ──▶ journal ring (SAB) ──▶ JournalLoop.round()
 *                                  FramedRing             │ SegmentWriter: batch, batchLsn, CRC32C
 *                                                         │ SegmentIo: write() + fdatasync()
 *   waitDurable ◀── Atomics.waitAsync ── control block ◀──┘ durable end LSN + epoch, sequence++
 *                                        (SAB)
 *   comlink Remote ◀══════ one MessagePort ══════▶ comlink expose(JournalControl)
 *     start, stats, truncateFrom, close                 replies
 *     nextEvent (always one outstanding)  ◀──────────── segment-opened / failed / closed
 *
 * When idle the worker yields to its event loop once (control calls are served, event replies
 * sent), then sleeps in Atomics.wait — it does only synchronous file I/O, so blocking is right
 * here — until the main thread's ring flush, the verbatim ring's producer or a posted control
 * message (counted in the control block) wakes it.
 */
import { trace } from '../../runtime/path-trace.js'
import { workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import * as Comlink from 'comlink'
import { portEndpoint } from '../../runtime/comlink-port.js'
import { ErrorCode, isQmqError } from '../../errors.js'
import { JOURNAL_IDLE_WAIT_MS, JOURNAL_SPIN_MICROS, MAX_BATCH_BYTES } from '../../constants.js'
import { FramedRing } from '../../ring/framed-ring.js'
import { JournalControlBlock } from './control-block.js'
import { fileSegmentIo } from './file-segment-io.js'
import { JournalLoop } from './journal-loop.js'
import {
  FINAL_BATCH_FRAME_TAG,
  JournalWorkerState,
  type JournalControl,
  type JournalEvent,
  type JournalWorkerData,
  type SegmentIoWrapperContext,
} from './messages.js'
import type { SegmentIo } from './segment-io.js'

const data = workerData as JournalWorkerData & { controlPort: MessagePort }
const control = new JournalControlBlock(data.controlBuffer)
const ring = FramedRing.attach(data.ringBuffer)

/** Events wait here until the handle's standing nextEvent() call takes them. */
const events: JournalEvent[] = []
let eventWaiter: ((event: JournalEvent) => void) | undefined

function post(event: JournalEvent): void {
  const waiter = eventWaiter
  eventWaiter = undefined
  if (waiter !== undefined) waiter(event)
  else events.push(event)
}

const files = fileSegmentIo(data.directory, data.segmentBytes, {
  onOpen: (segmentIndex) => post({ type: 'segment-opened', segmentIndex }),
  onSync: (micros) => journal.recordSync(micros),
})
const batchRing =
  data.batchRingBuffer === undefined ? undefined : FramedRing.attach(data.batchRingBuffer)
const verbatimRing =
  data.verbatimRingBuffer === undefined ? undefined : FramedRing.attach(data.verbatimRingBuffer)
const journal = new JournalLoop(await wrapSegmentIo(files), ring, control, {
  segmentBytes: data.segmentBytes,
  batchBytes: MAX_BATCH_BYTES,
  onFinalBatch: batchRing === undefined ? undefined : publishFinalBatch,
  verbatimFrames: verbatimRing,
})
/** A follower's records are waiting in the verbatim ring (its producer wakes us on `ring`). */
const verbatimReady =
  verbatimRing === undefined ? undefined : (): boolean => verbatimRing.availableBytes() > 0

/**
 * Replication: a local batch, final, goes to the sender before its fdatasync. Never waits: a
 * full ring drops the batch and the sender, seeing the gap, reads it from the segment file
 * (written and synced by then, as batches are written in order).
 */
function publishFinalBatch(
  batch: Uint8Array,
  length: number,
  firstLsn: number,
  verbatim: boolean,
): void {
  if (verbatim || batchRing === undefined) return
  trace('final-batch', firstLsn)
  const offset = batchRing.tryReserve(length, FINAL_BATCH_FRAME_TAG)
  if (offset < 0) return
  batchRing.data.set(batch.subarray(0, length), offset)
  batchRing.commit()
  batchRing.flush()
}

let closing = false
let failed = false

async function wrapSegmentIo(base: SegmentIo): Promise<SegmentIo> {
  const wrapper = data.segmentIoWrapper
  if (wrapper === undefined) return base
  const module = (await import(wrapper.moduleUrl)) as {
    wrapSegmentIo(files: SegmentIo, context: SegmentIoWrapperContext): SegmentIo
  }
  return module.wrapSegmentIo(base, { generation: data.generation, options: wrapper.options })
}

function spinForWork(): boolean {
  const deadline = performance.now() + JOURNAL_SPIN_MICROS / 1000
  while (performance.now() < deadline) {
    if (ring.availableBytes() > 0 || verbatimReady?.() === true) return true
  }
  return false
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Busy rounds between yields to the event loop, where control calls (stats, close) run. */
const ROUNDS_PER_YIELD = 16

/** Control messages seen posted when the worker last yielded to its event loop. */
let controlSeen = 0

/** Wakes the sleeping worker: a follower's records, or a control message to serve. */
function otherWork(): boolean {
  return verbatimReady?.() === true || control.controlPosted !== controlSeen
}

/**
 * Idle, the worker first yields once (control calls are served, event replies sent), then
 * sleeps until the ring, the verbatim ring or a control message wakes it: an idle node makes
 * no wake-ups but the JOURNAL_IDLE_WAIT_MS safety net.
 */
async function run(): Promise<void> {
  let roundsSinceYield = 0
  let yielded = false
  while (!failed) {
    if (journal.round()) {
      yielded = false
      // Work straight on after a wake-up: a yield here would add a loop turn to every batch.
      if (++roundsSinceYield >= ROUNDS_PER_YIELD) {
        roundsSinceYield = 0
        await yieldToEventLoop()
      }
      continue
    }
    if (closing) break
    if (spinForWork()) continue
    if (!yielded) {
      roundsSinceYield = 0
      yielded = true
      controlSeen = control.controlPosted
      await yieldToEventLoop()
      continue
    }
    ring.waitForData(JOURNAL_IDLE_WAIT_MS, otherWork)
    yielded = false
  }
}

function fail(error: unknown): void {
  failed = true
  const cause = error as NodeJS.ErrnoException
  control.setWorkerState(JournalWorkerState.FAILED)
  control.wake()
  const lsn = journal.expectedLsn
  post({
    type: 'failed',
    code: cause.code ?? 'UNKNOWN',
    message: cause.message,
    file: files.describe(Math.floor(lsn / data.segmentBytes)),
    lsn,
  })
}

let running: Promise<void> | undefined

function startLoop(): Promise<void> {
  control.setWorkerState(JournalWorkerState.RUNNING)
  return run().catch((error: unknown) => {
    // Write and sync errors are not retried: after a failed fsync the page cache cannot be
    // trusted (PostgreSQL's "fsyncgate"), so the journal stops and the queue manager fails.
    // A refused verbatim record stops it too: the follower's log must not go on past it.
    if (isIoError(error) || (isQmqError(error) && error.code === ErrorCode.RECORD_INVALID)) {
      fail(error)
    }
    // The main thread failed or closed the ring (the journal is being shut down): just stop.
    else if (isQmqError(error) && error.code === ErrorCode.RING_CLOSED) failed = true
    else throw error
  })
}

function isIoError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && 'syscall' in error
}

const controlApi: JournalControl = {
  start() {
    // The loop starts after this reply is sent: its first idle wait blocks the thread.
    running ??= yieldToEventLoop().then(startLoop)
    return Promise.resolve()
  },
  nextEvent() {
    const queued = events.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => (eventWaiter = resolve))
  },
  stats: () => journal.stats(),
  truncateFrom: (fromLsn) => journal.truncateFrom(fromLsn),
  async close() {
    closing = true
    await running
    if (!failed) journal.close()
    control.setWorkerState(JournalWorkerState.CLOSED)
    post({ type: 'closed' })
    // Let comlink send this reply, then close the port so the thread's loop empties and it exits.
    setTimeout(() => data.controlPort.close(), 0)
    return journal.stats()
  },
}

Comlink.expose(controlApi, portEndpoint(data.controlPort))
