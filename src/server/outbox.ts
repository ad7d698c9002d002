/**
 * Write batching. Replies are encoded as they are produced and queued in the connection's
 * Outbox; one FlushScheduler per server writes every dirty outbox once per event-loop turn
 * (a setImmediate, so after the I/O callbacks and promise reactions of the turn that produced
 * them), corked, so a batch of replies leaves in one writev system call instead of one per frame.
 *
 *   reply -> Outbox.enqueue (encoded Buffer) -> FlushScheduler (one setImmediate per turn)
 *         -> one socket.write of the turn's replies copied together (up to
 *            SERVER_OUTBOX_COALESCE_BYTES; beyond, corked writes of each) -> kernel
 *
 * Bytes queued here are not yet in socket.writableLength; the session adds `pendingBytes` to it
 * when deciding whether a client reads fast enough (see client-session.ts).
 */
import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'
import { assert } from '../assert.js'
import { SERVER_OUTBOX_COALESCE_BYTES as OUTBOX_COALESCE_MAX_BYTES } from '../constants.js'
import type { ServerIoCounters } from './io-counters.js'

/** What an outbox shares with the rest of its server. */
export interface OutboxServices {
  readonly scheduler: FlushScheduler
  readonly counters: ServerIoCounters
}

export class Outbox {
  /** Set while this outbox is in the scheduler's list, so it is listed once per turn. */
  scheduled = false
  private frames: Buffer[] = []
  private queuedBytes = 0

  constructor(
    private readonly socket: Socket,
    private readonly services: OutboxServices,
    /** Told after every flush: the session then rechecks its output backpressure. */
    private readonly afterFlush: () => void,
  ) {}

  get pendingBytes(): number {
    return this.queuedBytes
  }

  enqueue(frame: Buffer): void {
    assert(frame.length > 0, 'outbox: a frame has bytes')
    this.frames.push(frame)
    this.queuedBytes += frame.length
    this.services.counters.repliesQueued++
    this.services.scheduler.schedule(this)
  }

  /** Writes everything queued; a socket that can no longer be written drops it. */
  flush(): void {
    if (this.frames.length === 0) return
    const frames = this.frames
    const byteCount = this.queuedBytes
    this.frames = []
    this.queuedBytes = 0
    if (!this.socket.writable) return
    this.services.counters.socketWrites++
    this.services.counters.bytesWritten += byteCount
    // One buffer, one write: a corked write per reply cost each reply a trip through the
    // Writable machinery (a buffered entry, then _writev's chunk array), while a copy of a
    // turn's replies (PUT_OKs of ~100 bytes) is one memcpy. Large replies keep their own.
    if (frames.length === 1 || byteCount > OUTBOX_COALESCE_MAX_BYTES) {
      this.socket.cork()
      for (const frame of frames) this.socket.write(frame)
      this.socket.uncork()
    } else {
      this.socket.write(Buffer.concat(frames, byteCount))
    }
    this.afterFlush()
  }

  discard(): void {
    this.frames = []
    this.queuedBytes = 0
  }
}

export class FlushScheduler {
  private dirty: Outbox[] = []
  private immediate: NodeJS.Immediate | undefined

  schedule(outbox: Outbox): void {
    if (outbox.scheduled) return
    outbox.scheduled = true
    this.dirty.push(outbox)
    this.immediate ??= setImmediate(() => this.flushAll())
  }

  /** Stops the pending turn's flush (server closed; sessions flush themselves when closing). */
  cancel(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    this.immediate = undefined
    for (const outbox of this.dirty) outbox.scheduled = false
    this.dirty = []
  }

  private flushAll(): void {
    this.immediate = undefined
    const dirty = this.dirty
    this.dirty = []
    for (const outbox of dirty) {
      outbox.scheduled = false
      outbox.flush()
    }
  }
}
