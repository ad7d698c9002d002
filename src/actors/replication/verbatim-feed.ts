/**
 * A follower's durability path, worker to worker: the replication worker writes the primary's
 * finalized records into the verbatim ring (one frame per record, tag VERBATIM_RECORD_FRAME_TAG)
 * and wakes the journal worker, which verifies, writes and fdatasyncs them and publishes its
 * durable end in the control block, where this thread reads it. The main thread is told about
 * the records afterwards (for its log end and the hot standby engine), off the ack path.
 *
 *   replication worker ── records ──▶ verbatim ring (SAB) ──▶ journal worker: write + fdatasync
 *          ▲    └─ wakeConsumer() on the journal ring (the journal worker sleeps there) ─┘ │
 *          └──────────── durable end LSN (control block, Atomics.waitAsync) ◀─────────────┘
 *
 * Cuts are done by the main thread (JournalHandle.truncateFrom). Records the core writes after a
 * cut must not reach the journal before the cut is done, so a cut is a marker in the queue:
 * records before it are fed (the cut waits until they are durable), records after it wait for
 * cutDone(). A full ring is waited out asynchronously; the queue keeps the order.
 */
import { assert } from '../../assert.js'
import { RECORD_HEADER_BYTES } from '../../constants.js'
import type { FramedRing } from '../../ring/framed-ring.js'
import { VERBATIM_RECORD_FRAME_TAG } from '../journal/messages.js'
import { recordLength } from '../journal/record-header.js'

const CUT = Symbol('cut')
/** How long one wait for ring space lasts before the feed looks again (closing, fenced). */
const SPACE_WAIT_MS = 100

export class VerbatimFeed {
  private readonly queue: (Uint8Array | typeof CUT)[] = []
  /** Bytes of queue[0] already in the ring. */
  private headOffset = 0
  private waitingForSpace = false
  private closed = false

  constructor(
    private readonly ring: FramedRing,
    /** The journal ring, only to wake its consumer (the journal worker) after publishing. */
    private readonly journalRing: FramedRing,
  ) {}

  /** Queued records (bytes) not yet in the ring, for status. */
  get queuedBytes(): number {
    let bytes = 0
    for (const entry of this.queue) if (entry !== CUT) bytes += entry.length
    return bytes - this.headOffset
  }

  write(records: Uint8Array): void {
    assert(records.length >= RECORD_HEADER_BYTES, 'verbatim records are whole records')
    this.queue.push(records)
    this.pump()
  }

  /** The main thread is about to cut the log: hold later records until cutDone(). */
  cutPending(): void {
    this.queue.push(CUT)
  }

  cutDone(): void {
    const at = this.queue.indexOf(CUT)
    assert(at >= 0, 'a cut done was pending')
    this.queue.splice(at, 1)
    this.pump()
  }

  close(): void {
    this.closed = true
  }

  /** Writes what may go now, one frame per record, then wakes the journal worker once. */
  private pump(): void {
    let published = false
    while (!this.closed && !this.waitingForSpace) {
      const head = this.queue[0]
      if (head === undefined || head === CUT) break
      const length = recordLength(head, this.headOffset)
      const offset = this.ring.tryReserve(length, VERBATIM_RECORD_FRAME_TAG)
      if (offset < 0) {
        this.awaitSpace(length)
        break
      }
      this.ring.data.set(head.subarray(this.headOffset, this.headOffset + length), offset)
      this.ring.commit()
      published = true
      this.headOffset += length
      if (this.headOffset === head.length) {
        this.queue.shift()
        this.headOffset = 0
      }
    }
    if (!published) return
    this.ring.flush()
    this.journalRing.wakeConsumer()
  }

  private awaitSpace(length: number): void {
    this.waitingForSpace = true
    this.ring.flush()
    this.journalRing.wakeConsumer()
    void this.ring
      .waitForSpaceAsync(length, SPACE_WAIT_MS)
      .catch(() => false)
      .then(() => {
        this.waitingForSpace = false
        this.pump()
      })
  }
}
