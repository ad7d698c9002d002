/**
 * FramedRing: a single-producer, single-consumer ring of whole frames on one SharedArrayBuffer,
 * joining the main thread (producer) and the journal worker (consumer). Practices 9 and 10 in
 * the reference practices.md; byte layout in ring-layout.ts.
 *
 *   producer thread (main)                                consumer thread (journal worker)
 *   tryReserve -> write payload -> commit  \            /  waitForData / waitForDataAsync
 *   tryReserve -> write payload -> commit   >-- SAB --<    readBatch(visitor)   (no copies)
 *   flush: notify iff consumer sleeps      /            \  release(position)    (after fdatasync)
 *   waitForSpace / waitForSpaceAsync  <-- notify iff producer waits, once per release --'
 *
 * Publication. tryReserve writes the frame header (and a wrap marker if the frame does not fit
 * before the end) into unpublished space; the caller writes the payload; commit() publishes the
 * frame by moving WRITE_POSITION past it with one seq-cst atomic. A consumer loads WRITE_POSITION
 * atomically before reading, so it only ever sees whole frames whose bytes are complete. commit()
 * never notifies: a batch is any number of reserve/commit pairs followed by one flush(), which
 * wakes the consumer only if it flagged itself sleeping (or always, when forced). Every batch
 * must end with flush(); frames committed without one are visible to a polling consumer but a
 * sleeping consumer only sees them when its wait times out.
 *
 * Waiting (no lost wake-ups). Each side sleeps on its own wake counter, an event count:
 *   sleeper: ticket = load(counter); store(flag, 1); re-check condition, state and generation;
 *            if still nothing to do, wait(counter, ticket); store(flag, 0)
 *   waker:   publish position (seq-cst); if exchange(flag, 0) == 1: add(counter, 1); notify
 * All accesses are seq-cst, so either the sleeper's re-check sees the new position or the waker
 * sees the flag (a Dekker pair). A counter bump after the ticket makes the wait return at once.
 * close(), fail() and bumpGeneration() bump both counters and notify every waiter.
 *
 * Consumption. readBatch advances a consumer-local cursor (the consumed position); space goes
 * back to the producer only by release(position), which publishes READ_POSITION. So the journal can
 * hold frames it has read until they are durable. It must release them before it sleeps with
 * nothing left to read: held frames are not free space, and a producer waiting for space would
 * wait for as long as they are held. Every frame is identified by its free-running position, the
 * same number on both sides: commit() returns it and the visitor receives it.
 *
 * State and fencing. close() lets the consumer drain what was committed, then waits throw
 * RING_CLOSED; fail(code) stops both sides at once. A supervisor that restarts a side first
 * terminates the old thread, then calls bumpGeneration() on the surviving side's ring and starts
 * the new thread, which attaches with the new generation. An instance refuses to publish once
 * the generation is not the one it attached with, and positions are published with
 * compare-exchange, so a stale peer that survived is detected rather than silently corrupting.
 * The ring never resets positions on restart: a new consumer resumes at the released position,
 * so frames read but not released by its predecessor are delivered again, with the same
 * positions. The journal relies on this and must tolerate (skip) frames it already made durable.
 */
import { assert } from '../assert.js'
import { RING_MAX_CAPACITY_BYTES, RING_MIN_CAPACITY_BYTES } from '../constants.js'
import { ErrorCode, QmqError } from '../errors.js'
import {
  ControlSlot,
  RING_CONTROL_BYTES,
  RING_CONTROL_SLOTS,
  RING_FRAME_HEADER_BYTES,
  RING_LAYOUT_VERSION,
  RING_MAGIC,
  RING_WRAP_TAG,
  RingState,
  ringFrameBytes,
} from './ring-layout.js'

/**
 * Called once per frame by readBatch, with the ring's data array and where the payload is in it.
 * Return `false` to decline the frame: it is not consumed and the batch stops, so it is delivered
 * again first by the next readBatch. Any other return value consumes the frame. The bytes stay
 * valid until the frame is released; copy them out if they are needed after that.
 */
export type FrameVisitor = (
  data: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
  tag: number,
  framePosition: number,
) => boolean | void

export interface FramedRingOptions {
  /** Sync waits busy-poll this long before sleeping (async waits never spin: they share a loop). */
  readonly spinMicros?: number
}

export type RingStateName = 'open' | 'closed' | 'failed'

export interface FramedRingStats {
  readonly state: RingStateName
  readonly generation: number
  readonly capacityBytes: number
  readonly writePosition: number
  readonly releasedPosition: number
  /** Committed bytes not yet released (includes frames read but held by the consumer). */
  readonly usedBytes: number
  readonly freeBytes: number
  /** As of the producer's last flush(). */
  readonly framesWritten: number
  readonly consumerWakeUps: number
  readonly producerWakeUps: number
  readonly consumerSleeping: boolean
  readonly producerWaiting: boolean
}

/** setTimeout/setInterval clamp longer delays to 1 ms; the keep-alive timer must stay below. */
const TIMER_MAX_DELAY_MS = 2 ** 31 - 1
const MICROS_PER_MS = 1000

function doNothing(): void {}

/**
 * A pending Atomics.waitAsync does not keep the event loop alive (practices.md section 3): a
 * worker whose only work is this wait would exit mid-wait. A ref'd interval holds the loop.
 */
async function waitAsyncHoldingLoop(
  control: Int32Array,
  slot: number,
  ticket: number,
  timeoutMs: number,
): Promise<void> {
  const result = Atomics.waitAsync(control, slot, ticket, timeoutMs)
  if (!result.async) return
  const keepAlive = setInterval(doNothing, Math.min(timeoutMs, TIMER_MAX_DELAY_MS))
  try {
    await result.value
  } finally {
    clearInterval(keepAlive)
  }
}

function deadlineAfter(timeoutMs: number): number {
  assert(timeoutMs >= 0, 'timeout must be zero or positive (Infinity allowed)')
  return performance.now() + timeoutMs
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0
}

export class FramedRing {
  /** Pass this to the other thread (workerData or postMessage, never a transferList). */
  readonly sharedBuffer: SharedArrayBuffer
  /** The data area; tryReserve and the visitor give offsets into it. */
  readonly data: Uint8Array
  readonly capacityBytes: number
  /** Largest payload: header plus padded payload never exceeds half the capacity. */
  readonly maxPayloadBytes: number

  private readonly control: Int32Array
  private readonly view: DataView
  private readonly mask: number
  private readonly spinMicros: number
  private attachedGeneration: number

  // Producer-local state. writePosition equals the published WRITE_POSITION between commits.
  private writePosition: number
  private releasedPositionSeen: number
  private reservationPending = false
  private reservedFramePosition = 0
  private reservedEndPosition = 0
  private framesWritten: number
  private producerSleepTicket = 0

  // Consumer-local state. Invariant: released <= consumed <= published write (wrap-safe).
  private consumed: number
  private released: number
  private consumerSleepTicket = 0

  private constructor(sharedBuffer: SharedArrayBuffer, options: FramedRingOptions) {
    const control = new Int32Array(sharedBuffer, 0, RING_CONTROL_SLOTS)
    const capacityBytes = Atomics.load(control, ControlSlot.CAPACITY_BYTES)
    const spinMicros = options.spinMicros ?? 0
    assert(spinMicros >= 0, 'spinMicros must be zero or positive')
    this.sharedBuffer = sharedBuffer
    this.control = control
    this.data = new Uint8Array(sharedBuffer, RING_CONTROL_BYTES, capacityBytes)
    this.view = new DataView(sharedBuffer, RING_CONTROL_BYTES, capacityBytes)
    this.capacityBytes = capacityBytes
    this.mask = capacityBytes - 1
    this.maxPayloadBytes = capacityBytes / 2 - RING_FRAME_HEADER_BYTES
    this.spinMicros = spinMicros
    this.attachedGeneration = Atomics.load(control, ControlSlot.GENERATION)
    this.writePosition = Atomics.load(control, ControlSlot.WRITE_POSITION) >>> 0
    this.releasedPositionSeen = Atomics.load(control, ControlSlot.READ_POSITION) >>> 0
    this.consumed = this.releasedPositionSeen
    this.released = this.releasedPositionSeen
    this.framesWritten = Atomics.load(control, ControlSlot.FRAMES_WRITTEN) >>> 0
  }

  /** A new ring with `capacityBytes` of data (a power of two); positions start at 0. */
  static create(capacityBytes: number, options: FramedRingOptions = {}): FramedRing {
    assert(Number.isInteger(capacityBytes), 'ring capacity must be an integer')
    assert(isPowerOfTwo(capacityBytes), 'ring capacity must be a power of two')
    assert(capacityBytes >= RING_MIN_CAPACITY_BYTES, 'ring capacity below RING_MIN_CAPACITY_BYTES')
    assert(capacityBytes <= RING_MAX_CAPACITY_BYTES, 'ring capacity above RING_MAX_CAPACITY_BYTES')
    const sharedBuffer = new SharedArrayBuffer(RING_CONTROL_BYTES + capacityBytes)
    const control = new Int32Array(sharedBuffer, 0, RING_CONTROL_SLOTS)
    Atomics.store(control, ControlSlot.CAPACITY_BYTES, capacityBytes)
    Atomics.store(control, ControlSlot.LAYOUT_VERSION, RING_LAYOUT_VERSION)
    Atomics.store(control, ControlSlot.STATE, RingState.OPEN)
    Atomics.store(control, ControlSlot.MAGIC, RING_MAGIC)
    return new FramedRing(sharedBuffer, options)
  }

  /**
   * Joins a ring made by create(), usually in another thread. The instance takes the current
   * generation, write position and released position: a restarted consumer resumes at the
   * released position. One instance per thread and role.
   */
  static attach(sharedBuffer: SharedArrayBuffer, options: FramedRingOptions = {}): FramedRing {
    assert(sharedBuffer instanceof SharedArrayBuffer, 'attach needs a SharedArrayBuffer')
    assert(sharedBuffer.byteLength > RING_CONTROL_BYTES, 'buffer too small to be a ring')
    const control = new Int32Array(sharedBuffer, 0, RING_CONTROL_SLOTS)
    assert(Atomics.load(control, ControlSlot.MAGIC) === RING_MAGIC, 'buffer is not a FramedRing')
    const layoutVersion = Atomics.load(control, ControlSlot.LAYOUT_VERSION)
    assert(layoutVersion === RING_LAYOUT_VERSION, 'ring layout version mismatch')
    const capacityBytes = Atomics.load(control, ControlSlot.CAPACITY_BYTES)
    assert(isPowerOfTwo(capacityBytes), 'ring capacity slot is not a power of two')
    const dataBytes = sharedBuffer.byteLength - RING_CONTROL_BYTES
    assert(capacityBytes === dataBytes, 'ring capacity slot disagrees with the buffer size')
    return new FramedRing(sharedBuffer, options)
  }

  // ---------------------------------------------------------------------------------------------
  // Producer

  /**
   * Reserves a frame and returns the offset in `data` where its `payloadLength` bytes go, or -1
   * if the ring has no room now. Nothing is visible to the consumer until commit(). Throws
   * RING_FRAME_TOO_LARGE above maxPayloadBytes and RING_CLOSED if closed, failed or fenced.
   */
  tryReserve(payloadLength: number, tag: number): number {
    assert(!this.reservationPending, 'tryReserve: the previous reservation is not committed')
    this.checkFrameArguments(payloadLength, tag)
    this.checkProducerUsable()
    // Single producer: the published write position is ours. If it moved, another producer (a
    // stale one that survived) is writing; stop before overwriting any of its frames.
    const published = Atomics.load(this.control, ControlSlot.WRITE_POSITION) >>> 0
    if (published !== this.writePosition) throw this.positionConflictError('write', published)
    const frameBytes = ringFrameBytes(payloadLength)
    const offset = this.writePosition & this.mask
    const bytesToEnd = this.capacityBytes - offset
    // A frame is never split: if it does not fit before the end, the tail is skipped.
    const skippedBytes = frameBytes > bytesToEnd ? bytesToEnd : 0
    if (!this.hasFreeBytes(skippedBytes + frameBytes)) return -1
    let frameOffset = offset
    if (skippedBytes > 0) {
      this.view.setUint32(offset, skippedBytes - RING_FRAME_HEADER_BYTES, true)
      this.view.setUint32(offset + 4, RING_WRAP_TAG, true)
      frameOffset = 0
    }
    this.view.setUint32(frameOffset, payloadLength, true)
    this.view.setUint32(frameOffset + 4, tag, true)
    this.reservationPending = true
    this.reservedFramePosition = (this.writePosition + skippedBytes) >>> 0
    this.reservedEndPosition = (this.reservedFramePosition + frameBytes) >>> 0
    return frameOffset + RING_FRAME_HEADER_BYTES
  }

  /**
   * Publishes the reserved frame (payload must be written) and returns its free-running position.
   * Does not notify: end the batch with flush(). Throws RING_CLOSED if closed, failed or fenced,
   * or if another producer moved the write position (two producers: a stale one survived).
   */
  commit(): number {
    assert(this.reservationPending, 'commit: nothing reserved')
    this.reservationPending = false
    this.checkProducerUsable()
    const expected = this.writePosition | 0
    const end = this.reservedEndPosition | 0
    const previous = Atomics.compareExchange(
      this.control,
      ControlSlot.WRITE_POSITION,
      expected,
      end,
    )
    if (previous !== expected) throw this.positionConflictError('write', previous)
    this.writePosition = this.reservedEndPosition
    this.framesWritten = (this.framesWritten + 1) >>> 0
    return this.reservedFramePosition
  }

  /**
   * Ends a batch: publishes the frames-written statistic and wakes the consumer if it flagged
   * itself sleeping, or always when `forceNotify`. Returns whether it notified. Clearing the flag
   * here means a sleeping consumer is woken once, however many batches arrive before it runs.
   */
  flush(forceNotify = false): boolean {
    Atomics.store(this.control, ControlSlot.FRAMES_WRITTEN, this.framesWritten | 0)
    // Dekker pair with consumerPrepareToSleep: commit's seq-cst store of the write position
    // precedes this seq-cst exchange, so a consumer cannot both miss the frames and not be seen.
    const consumerWasSleeping = Atomics.exchange(this.control, ControlSlot.CONSUMER_SLEEPING, 0)
    if (consumerWasSleeping !== 1 && !forceNotify) return false
    this.wake(ControlSlot.CONSUMER_WAKE_COUNTER, ControlSlot.CONSUMER_WAKE_UPS)
    return true
  }

  /**
   * For a producer of another ring whose frames this ring's consumer also takes (see
   * waitForData's `alsoReady`): after publishing there, wake this ring's consumer if it sleeps.
   * Touches only the consumer's flag and wake counter, which any thread may bump.
   */
  wakeConsumer(): boolean {
    const consumerWasSleeping = Atomics.exchange(this.control, ControlSlot.CONSUMER_SLEEPING, 0)
    if (consumerWasSleeping !== 1) return false
    this.wake(ControlSlot.CONSUMER_WAKE_COUNTER, ControlSlot.CONSUMER_WAKE_UPS)
    return true
  }

  /**
   * Blocks (Atomics.wait: workers, or a main thread that may block) until a frame of
   * `payloadLength` fits, for at most `timeoutMs`. Returns false on timeout. Flushes first: the
   * consumer can only free space once it knows about the frames already committed.
   */
  waitForSpace(payloadLength: number, timeoutMs: number): boolean {
    this.prepareSpaceWait(payloadLength)
    const deadlineMs = deadlineAfter(timeoutMs)
    this.spinForSpace(payloadLength)
    while (true) {
      if (this.producerHasSpace(payloadLength)) return true
      const remainingMs = deadlineMs - performance.now()
      if (remainingMs <= 0) return false
      if (this.producerPrepareToSleep(payloadLength)) {
        const slot = ControlSlot.PRODUCER_WAKE_COUNTER
        Atomics.wait(this.control, slot, this.producerSleepTicket, remainingMs)
        Atomics.store(this.control, ControlSlot.PRODUCER_WAITING, 0)
      }
    }
  }

  /** waitForSpace for an event-loop thread (Atomics.waitAsync); never blocks the loop. */
  async waitForSpaceAsync(payloadLength: number, timeoutMs: number): Promise<boolean> {
    this.prepareSpaceWait(payloadLength)
    const deadlineMs = deadlineAfter(timeoutMs)
    while (true) {
      if (this.producerHasSpace(payloadLength)) return true
      const remainingMs = deadlineMs - performance.now()
      if (remainingMs <= 0) return false
      if (this.producerPrepareToSleep(payloadLength)) {
        const slot = ControlSlot.PRODUCER_WAKE_COUNTER
        await waitAsyncHoldingLoop(this.control, slot, this.producerSleepTicket, remainingMs)
        Atomics.store(this.control, ControlSlot.PRODUCER_WAITING, 0)
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Consumer

  /**
   * Visits committed frames from the consumed position, in order, without copying, and returns
   * how many were consumed. Stops when none are left, when the visitor declines one (returns
   * false), or before a frame that would take the batch past `maxBytes` of frame bytes (the first
   * frame is always offered). Consuming does not free space: see release(). After close() the
   * remaining frames are still delivered; throws RING_CLOSED if failed or fenced.
   */
  readBatch(visitor: FrameVisitor, maxBytes: number = this.capacityBytes): number {
    assert(maxBytes > 0, 'readBatch: maxBytes must be positive')
    this.checkConsumerUsable()
    const published = Atomics.load(this.control, ControlSlot.WRITE_POSITION) >>> 0
    let cursor = this.consumed
    let frameCount = 0
    let batchBytes = 0
    while (cursor !== published) {
      const offset = cursor & this.mask
      const payloadLength = this.view.getUint32(offset, true)
      const tag = this.view.getUint32(offset + 4, true)
      if (tag === RING_WRAP_TAG) {
        const skippedBytes = this.capacityBytes - offset
        assert(payloadLength === skippedBytes - RING_FRAME_HEADER_BYTES, 'corrupt wrap marker')
        cursor = (cursor + skippedBytes) >>> 0
        this.consumed = cursor
        continue
      }
      assert(payloadLength <= this.maxPayloadBytes, 'corrupt frame: length above maximum')
      const frameBytes = ringFrameBytes(payloadLength)
      assert(frameBytes <= (published - cursor) >>> 0, 'corrupt frame: beyond write position')
      if (frameCount > 0 && batchBytes + frameBytes > maxBytes) break
      const payloadOffset = offset + RING_FRAME_HEADER_BYTES
      // A visitor that throws leaves this frame unconsumed, like one that declines it.
      if (visitor(this.data, payloadOffset, payloadLength, tag, cursor) === false) break
      cursor = (cursor + frameBytes) >>> 0
      this.consumed = cursor
      frameCount += 1
      batchBytes += frameBytes
    }
    return frameCount
  }

  /** Committed bytes not yet consumed by this instance (wrap-marker skips included). */
  availableBytes(): number {
    return (Atomics.load(this.control, ControlSlot.WRITE_POSITION) - this.consumed) >>> 0
  }

  /**
   * Gives the space of every frame before `upToPosition` back to the producer. The position must
   * be a frame boundary between the released and consumed positions: a framePosition from the
   * visitor (frames before it) or the consumed position (releaseAll). Wakes the producer if it
   * waits for space.
   */
  release(upToPosition: number): void {
    const position = upToPosition >>> 0
    const consumedBytes = (this.consumed - this.released) >>> 0
    const releasingBytes = (position - this.released) >>> 0
    assert(releasingBytes <= consumedBytes, 'release: position beyond the consumed position')
    if (releasingBytes === 0) return
    this.checkNotFenced()
    const expected = this.released | 0
    const previous = Atomics.compareExchange(
      this.control,
      ControlSlot.READ_POSITION,
      expected,
      position | 0,
    )
    if (previous !== expected) throw this.positionConflictError('read', previous)
    this.released = position
    // Dekker pair with producerPrepareToSleep, as in flush().
    if (Atomics.exchange(this.control, ControlSlot.PRODUCER_WAITING, 0) === 1) {
      this.wake(ControlSlot.PRODUCER_WAKE_COUNTER, ControlSlot.PRODUCER_WAKE_UPS)
    }
  }

  /** Releases every frame consumed so far. */
  releaseAll(): void {
    this.release(this.consumed)
  }

  /**
   * Blocks (Atomics.wait; for the journal worker, whose I/O is synchronous anyway) until a frame
   * is available, for at most `timeoutMs`. Returns true if frames are available, false on
   * timeout. Throws RING_CLOSED when closed and drained, failed, or fenced.
   *
   * `alsoReady` lets one consumer sleep for two rings (the journal worker: its own ring and a
   * follower's verbatim ring): it is checked again after the sleeping flag is raised, and the
   * other ring's producer calls wakeConsumer() on this ring after publishing, so the Dekker pair
   * below covers both.
   */
  waitForData(timeoutMs: number, alsoReady?: () => boolean): boolean {
    const deadlineMs = deadlineAfter(timeoutMs)
    this.spinForData()
    while (true) {
      if (this.consumerHasData() || alsoReady?.() === true) return true
      const remainingMs = deadlineMs - performance.now()
      if (remainingMs <= 0) return false
      if (this.consumerPrepareToSleep(alsoReady)) {
        const slot = ControlSlot.CONSUMER_WAKE_COUNTER
        Atomics.wait(this.control, slot, this.consumerSleepTicket, remainingMs)
        Atomics.store(this.control, ControlSlot.CONSUMER_SLEEPING, 0)
      }
    }
  }

  /** waitForData for an event-loop thread (Atomics.waitAsync); never blocks the loop. */
  async waitForDataAsync(timeoutMs: number): Promise<boolean> {
    const deadlineMs = deadlineAfter(timeoutMs)
    while (true) {
      if (this.consumerHasData()) return true
      const remainingMs = deadlineMs - performance.now()
      if (remainingMs <= 0) return false
      if (this.consumerPrepareToSleep()) {
        const slot = ControlSlot.CONSUMER_WAKE_COUNTER
        await waitAsyncHoldingLoop(this.control, slot, this.consumerSleepTicket, remainingMs)
        Atomics.store(this.control, ControlSlot.CONSUMER_SLEEPING, 0)
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // State, generation, statistics

  /**
   * Closes the ring: the producer can no longer reserve or commit; the consumer drains what was
   * committed, then its waits throw RING_CLOSED. Wakes all waiters. Returns whether this call
   * closed it (false if already closed or failed, or if this instance is fenced).
   */
  close(): boolean {
    if (this.isFenced()) return false
    const { OPEN, CLOSED } = RingState
    const previous = Atomics.compareExchange(this.control, ControlSlot.STATE, OPEN, CLOSED)
    this.wakeAllWaiters()
    return previous === RingState.OPEN
  }

  /**
   * Fails the ring with a non-zero application code (an errno or MQRC, say): both sides stop at
   * once, undelivered frames are abandoned. The first failure wins. Wakes all waiters.
   */
  fail(failureCode: number): boolean {
    assert(Number.isInteger(failureCode), 'failure code must be an integer')
    assert(failureCode !== 0, 'failure code 0 means "no failure"')
    assert(failureCode === (failureCode | 0), 'failure code must fit in an int32')
    if (this.isFenced()) return false
    const previous = Atomics.compareExchange(this.control, ControlSlot.FAILURE_CODE, 0, failureCode)
    if (previous !== 0) return false
    Atomics.store(this.control, ControlSlot.STATE, RingState.FAILED)
    this.wakeAllWaiters()
    return true
  }

  /**
   * Called by the supervisor on the surviving side's instance after terminating a peer, before
   * starting its replacement: fences every other instance attached so far, adopts the new
   * generation here, and wakes all waiters so a fenced one that is still blocked notices.
   */
  bumpGeneration(): number {
    const generation = (Atomics.add(this.control, ControlSlot.GENERATION, 1) + 1) | 0
    this.attachedGeneration = generation
    this.wakeAllWaiters()
    return generation
  }

  stats(): FramedRingStats {
    const control = this.control
    const writePosition = Atomics.load(control, ControlSlot.WRITE_POSITION) >>> 0
    const releasedPosition = Atomics.load(control, ControlSlot.READ_POSITION) >>> 0
    const usedBytes = (writePosition - releasedPosition) >>> 0
    return {
      state: stateName(Atomics.load(control, ControlSlot.STATE)),
      generation: Atomics.load(control, ControlSlot.GENERATION),
      capacityBytes: this.capacityBytes,
      writePosition,
      releasedPosition,
      usedBytes,
      freeBytes: this.capacityBytes - usedBytes,
      framesWritten: Atomics.load(control, ControlSlot.FRAMES_WRITTEN) >>> 0,
      consumerWakeUps: Atomics.load(control, ControlSlot.CONSUMER_WAKE_UPS) >>> 0,
      producerWakeUps: Atomics.load(control, ControlSlot.PRODUCER_WAKE_UPS) >>> 0,
      consumerSleeping: Atomics.load(control, ControlSlot.CONSUMER_SLEEPING) === 1,
      producerWaiting: Atomics.load(control, ControlSlot.PRODUCER_WAITING) === 1,
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** True once the ring's generation is not the one this instance attached with. */
  private isFenced(): boolean {
    return Atomics.load(this.control, ControlSlot.GENERATION) !== this.attachedGeneration
  }

  private checkFrameArguments(payloadLength: number, tag: number): void {
    assert(Number.isInteger(payloadLength), 'payload length must be an integer')
    assert(payloadLength >= 0, 'payload length must not be negative')
    assert(Number.isInteger(tag), 'tag must be an integer')
    assert(tag >= 0, 'tag must not be negative')
    assert(tag < RING_WRAP_TAG, 'tag 0xFFFFFFFF is reserved for wrap markers')
    if (payloadLength > this.maxPayloadBytes) {
      throw new QmqError(ErrorCode.RING_FRAME_TOO_LARGE, 'frame larger than half the ring', {
        payloadLength,
        maxPayloadBytes: this.maxPayloadBytes,
        capacityBytes: this.capacityBytes,
      })
    }
  }

  private checkProducerUsable(): void {
    const state = Atomics.load(this.control, ControlSlot.STATE)
    const generation = Atomics.load(this.control, ControlSlot.GENERATION)
    if (state !== RingState.OPEN || generation !== this.attachedGeneration) {
      throw this.unusableError(state, generation)
    }
  }

  /** The consumer may keep reading after close() (to drain), not after fail() or a fence. */
  private checkConsumerUsable(): void {
    const state = Atomics.load(this.control, ControlSlot.STATE)
    const generation = Atomics.load(this.control, ControlSlot.GENERATION)
    if (state === RingState.FAILED || generation !== this.attachedGeneration) {
      throw this.unusableError(state, generation)
    }
  }

  private checkNotFenced(): void {
    const generation = Atomics.load(this.control, ControlSlot.GENERATION)
    if (generation !== this.attachedGeneration) throw this.unusableError(RingState.OPEN, generation)
  }

  /** Free bytes as last seen; re-reads the released position only when that is not enough. */
  private hasFreeBytes(neededBytes: number): boolean {
    if (this.freeBytesSeen() >= neededBytes) return true
    this.releasedPositionSeen = Atomics.load(this.control, ControlSlot.READ_POSITION) >>> 0
    return this.freeBytesSeen() >= neededBytes
  }

  private freeBytesSeen(): number {
    const usedBytes = (this.writePosition - this.releasedPositionSeen) >>> 0
    assert(usedBytes <= this.capacityBytes, 'ring positions inconsistent: used above capacity')
    return this.capacityBytes - usedBytes
  }

  /** Bytes tryReserve will need for this payload at the current write position. */
  private spaceNeededBytes(payloadLength: number): number {
    const frameBytes = ringFrameBytes(payloadLength)
    const bytesToEnd = this.capacityBytes - (this.writePosition & this.mask)
    return frameBytes > bytesToEnd ? bytesToEnd + frameBytes : frameBytes
  }

  private prepareSpaceWait(payloadLength: number): void {
    assert(!this.reservationPending, 'waitForSpace: commit or cancel the reservation first')
    this.checkFrameArguments(payloadLength, 0)
    this.flush()
  }

  /**
   * Recomputed on every check, not once per wait: on an event-loop thread other code may commit
   * frames while a waitForSpaceAsync is pending, which moves the write position.
   */
  private producerHasSpace(payloadLength: number): boolean {
    this.checkProducerUsable()
    return this.hasFreeBytes(this.spaceNeededBytes(payloadLength))
  }

  private producerPrepareToSleep(payloadLength: number): boolean {
    const control = this.control
    this.producerSleepTicket = Atomics.load(control, ControlSlot.PRODUCER_WAKE_COUNTER)
    Atomics.store(control, ControlSlot.PRODUCER_WAITING, 1)
    // Re-check after raising the flag: a release before it is seen here, one after it sees it.
    this.releasedPositionSeen = Atomics.load(control, ControlSlot.READ_POSITION) >>> 0
    const stillFull = this.freeBytesSeen() < this.spaceNeededBytes(payloadLength)
    if (stillFull && this.stillOpenAndCurrent()) return true
    Atomics.store(control, ControlSlot.PRODUCER_WAITING, 0)
    return false
  }

  private consumerHasData(): boolean {
    // State first: if it reads CLOSED, the write position read next includes every commit.
    const state = Atomics.load(this.control, ControlSlot.STATE)
    const generation = Atomics.load(this.control, ControlSlot.GENERATION)
    if (state === RingState.FAILED || generation !== this.attachedGeneration) {
      throw this.unusableError(state, generation)
    }
    const published = Atomics.load(this.control, ControlSlot.WRITE_POSITION) >>> 0
    if (published !== this.consumed) return true
    if (state === RingState.CLOSED) throw this.unusableError(state, generation)
    return false
  }

  private consumerPrepareToSleep(alsoReady?: () => boolean): boolean {
    const control = this.control
    this.consumerSleepTicket = Atomics.load(control, ControlSlot.CONSUMER_WAKE_COUNTER)
    Atomics.store(control, ControlSlot.CONSUMER_SLEEPING, 1)
    // Re-check after raising the flag: a commit before it is seen here, one after it sees it.
    const published = Atomics.load(control, ControlSlot.WRITE_POSITION) >>> 0
    const idle = published === this.consumed && alsoReady?.() !== true
    if (idle && this.stillOpenAndCurrent()) return true
    Atomics.store(control, ControlSlot.CONSUMER_SLEEPING, 0)
    return false
  }

  private stillOpenAndCurrent(): boolean {
    const state = Atomics.load(this.control, ControlSlot.STATE)
    const generation = Atomics.load(this.control, ControlSlot.GENERATION)
    return state === RingState.OPEN && generation === this.attachedGeneration
  }

  private spinForData(): void {
    if (this.spinMicros === 0) return
    const deadlineMs = performance.now() + this.spinMicros / MICROS_PER_MS
    while (performance.now() < deadlineMs) {
      const published = Atomics.load(this.control, ControlSlot.WRITE_POSITION) >>> 0
      if (published !== this.consumed || !this.stillOpenAndCurrent()) return
    }
  }

  private spinForSpace(payloadLength: number): void {
    if (this.spinMicros === 0) return
    const neededBytes = this.spaceNeededBytes(payloadLength)
    const deadlineMs = performance.now() + this.spinMicros / MICROS_PER_MS
    while (performance.now() < deadlineMs) {
      this.releasedPositionSeen = Atomics.load(this.control, ControlSlot.READ_POSITION) >>> 0
      if (this.freeBytesSeen() >= neededBytes || !this.stillOpenAndCurrent()) return
    }
  }

  private wake(counterSlot: number, wakeUpsSlot: number): void {
    Atomics.add(this.control, counterSlot, 1)
    Atomics.notify(this.control, counterSlot, 1)
    Atomics.add(this.control, wakeUpsSlot, 1)
  }

  /** Bumping both counters makes any wait that took its ticket earlier return at once. */
  private wakeAllWaiters(): void {
    Atomics.add(this.control, ControlSlot.CONSUMER_WAKE_COUNTER, 1)
    Atomics.notify(this.control, ControlSlot.CONSUMER_WAKE_COUNTER)
    Atomics.add(this.control, ControlSlot.PRODUCER_WAKE_COUNTER, 1)
    Atomics.notify(this.control, ControlSlot.PRODUCER_WAKE_COUNTER)
  }

  private unusableError(state: number, generation: number): QmqError {
    if (generation !== this.attachedGeneration) {
      return new QmqError(ErrorCode.RING_CLOSED, 'ring fenced: a newer generation took over', {
        reason: 'fenced',
        attachedGeneration: this.attachedGeneration,
        generation,
      })
    }
    if (state === RingState.FAILED) {
      return new QmqError(ErrorCode.RING_CLOSED, 'ring failed', {
        reason: 'failed',
        failureCode: Atomics.load(this.control, ControlSlot.FAILURE_CODE),
      })
    }
    return new QmqError(ErrorCode.RING_CLOSED, 'ring closed', { reason: 'closed' })
  }

  private positionConflictError(which: 'write' | 'read', found: number): QmqError {
    return new QmqError(ErrorCode.RING_CLOSED, `ring ${which} position moved by another thread`, {
      reason: 'conflict',
      expected: which === 'write' ? this.writePosition : this.released,
      found: found >>> 0,
    })
  }
}

function stateName(state: number): RingStateName {
  if (state === RingState.OPEN) return 'open'
  if (state === RingState.CLOSED) return 'closed'
  assert(state === RingState.FAILED, 'ring state slot holds an unknown value')
  return 'failed'
}
