/**
 * Incremental parser for the client protocol (frame layout in client-protocol.ts). Bytes arrive
 * in chunks split anywhere (a frame across many chunks, many frames in one chunk); `push` queues
 * a chunk and `next` returns the next decoded message, a FrameError, or undefined when it needs
 * more bytes. The caller drains `next` after each push, and may stop draining to apply
 * backpressure (pause the socket): bytes wait in the queue, nothing is lost.
 *
 *   push(chunk) -> [chunk queue] -> header (12 bytes) -> payload (length - 8 bytes) -> decode
 *                                     |  fatal fault: failed, queue dropped, pushes ignored
 *                                     '- other fault: skip the payload as it arrives, unbuffered
 *
 * Memory: nothing is allocated from a length field. The header is checked as soon as its 12
 * bytes are in (MAX_CLIENT_FRAME_BYTES, then the opcode's own limit); a payload is taken only
 * once all its bytes have arrived, as a view when they lie in one chunk (no copy) and otherwise
 * copied once into a buffer of exactly its size. So the parser holds at most the bytes pushed
 * and not yet consumed, and allocates at most that much. Small chunks arriving behind a partial
 * frame are coalesced so that a peer dribbling bytes cannot make the queue hold an object per
 * byte; such bytes may be copied twice.
 *
 * A returned body is a view into a pushed chunk when its frame arrived whole: it keeps that
 * chunk alive. Code that keeps bodies for long (a queue holding messages in memory) should copy
 * them if chunks are large and messages small.
 */
import { Buffer } from 'node:buffer'
import { assert, unreachable } from '../assert.js'
import {
  CLIENT_FRAME_HEADER_BYTES,
  CLIENT_PARSER_COALESCE_BELOW_BYTES,
  CLIENT_PARSER_COALESCE_BUFFER_BYTES,
} from '../constants.js'
import { Reason } from '../errors.js'
import {
  FrameError,
  FrameFault,
  checkFrameHeader,
  decodeFramePayload,
  payloadBytesOf,
  readFrameHeader,
  type ClientMessage,
  type FrameHeader,
  type Sender,
} from './client-protocol.js'

const EMPTY = Buffer.alloc(0)
/** Consumed slots at the front of the chunk array are cut off once there are this many. */
const COMPACT_AFTER_CHUNKS = 64

/** A FIFO of byte chunks read from the front. */
class ChunkQueue {
  availableBytes = 0
  private chunks: Buffer[] = []
  private head = 0
  private headOffset = 0
  /** Our own buffer that small chunks are appended to; the last chunk is a view of it. */
  private coalescing: Buffer | undefined
  private coalescedBytes = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    // Only behind a partial frame: a small chunk that holds whole frames stays zero-copy.
    if (this.availableBytes > 0 && chunk.length < CLIENT_PARSER_COALESCE_BELOW_BYTES) {
      this.coalesce(chunk)
    } else {
      this.chunks.push(chunk)
      this.coalescing = undefined
    }
    this.availableBytes += chunk.length
  }

  /**
   * Returns the next `byteCount` bytes: a view when they lie in one chunk, else a copy (into
   * `scratch` when given, which must be exactly `byteCount` long).
   */
  take(byteCount: number, scratch?: Buffer): Buffer {
    assert(byteCount <= this.availableBytes, 'take only what has arrived')
    if (byteCount === 0) return EMPTY
    const first = this.chunkAt(this.head)
    if (first.length - this.headOffset >= byteCount) {
      const view = first.subarray(this.headOffset, this.headOffset + byteCount)
      this.consume(byteCount)
      return view
    }
    assert(scratch === undefined || scratch.length === byteCount, 'scratch fits exactly')
    const target = scratch ?? Buffer.allocUnsafe(byteCount)
    let filled = 0
    while (filled < byteCount) {
      const chunk = this.chunkAt(this.head)
      const copied = Math.min(chunk.length - this.headOffset, byteCount - filled)
      chunk.copy(target, filled, this.headOffset, this.headOffset + copied)
      filled += copied
      this.consume(copied)
    }
    return target
  }

  /** Drops up to `byteCount` bytes and returns how many it dropped. */
  skip(byteCount: number): number {
    const skipped = Math.min(byteCount, this.availableBytes)
    this.consume(skipped)
    return skipped
  }

  clear(): void {
    this.chunks = []
    this.head = 0
    this.headOffset = 0
    this.coalescing = undefined
    this.availableBytes = 0
  }

  private chunkAt(index: number): Buffer {
    const chunk = this.chunks[index]
    assert(chunk !== undefined, 'available bytes lie in queued chunks')
    return chunk
  }

  private consume(byteCount: number): void {
    let left = byteCount
    while (left > 0) {
      const inChunk = this.chunkAt(this.head).length - this.headOffset
      if (left < inChunk) {
        this.headOffset += left
        break
      }
      left -= inChunk
      this.chunks[this.head] = EMPTY // lets the chunk be collected now, not at compaction
      this.head += 1
      this.headOffset = 0
    }
    this.availableBytes -= byteCount
    if (this.availableBytes === 0) {
      this.clear()
    } else if (this.head >= COMPACT_AFTER_CHUNKS) {
      this.chunks.splice(0, this.head)
      this.head = 0
    }
  }

  /**
   * Appends past the bytes already handed out, never over them, so views returned earlier stay
   * valid. Chunks are under CLIENT_PARSER_COALESCE_BELOW_BYTES, so one always fits a new buffer.
   */
  private coalesce(chunk: Buffer): void {
    let storage = this.coalescing
    if (storage === undefined || storage.length - this.coalescedBytes < chunk.length) {
      storage = Buffer.allocUnsafeSlow(CLIENT_PARSER_COALESCE_BUFFER_BYTES)
      this.coalescing = storage
      this.coalescedBytes = 0
      this.chunks.push(EMPTY)
    }
    chunk.copy(storage, this.coalescedBytes)
    this.coalescedBytes += chunk.length
    // The view grows from the same start, so a read offset into it stays where it was.
    this.chunks[this.chunks.length - 1] = storage.subarray(0, this.coalescedBytes)
  }
}

type ParserState = 'header' | 'payload' | 'skip' | 'failed'

export interface FrameParserOptions {
  /** Who writes the bytes this parser reads: a server parses frames from 'client'. */
  readonly from: Sender
}

export class FrameParser {
  private readonly from: Sender
  private readonly queue = new ChunkQueue()
  private readonly headerScratch = Buffer.alloc(CLIENT_FRAME_HEADER_BYTES)
  private state: ParserState = 'header'
  private header: FrameHeader | undefined
  private skipBytes = 0
  private fatalError: FrameError | undefined

  constructor(options: FrameParserOptions) {
    this.from = options.from
  }

  /**
   * Bytes pushed and not yet consumed. A header is consumed once it is checked; the bytes of a
   * skipped frame are dropped as they come, never buffered.
   */
  get bufferedBytes(): number {
    return this.queue.availableBytes
  }

  /** The fatal fault that stopped this parser, if one has. */
  get failure(): FrameError | undefined {
    return this.fatalError
  }

  push(chunk: Buffer): void {
    // After a fatal fault the connection is closing: nothing more is parsed, so keep nothing.
    if (this.state === 'failed') return
    this.queue.push(chunk)
  }

  /** The next message or fault, or undefined until more bytes are pushed. Never throws. */
  next(): ClientMessage | FrameError | undefined {
    for (;;) {
      const state = this.state
      switch (state) {
        case 'failed':
          return undefined
        case 'skip':
          if (!this.skipPayload()) return undefined
          continue
        case 'header': {
          if (this.queue.availableBytes < CLIENT_FRAME_HEADER_BYTES) return undefined
          const fault = this.acceptHeader()
          if (fault !== undefined) return fault
          continue
        }
        case 'payload':
          return this.takePayload()
        default:
          return unreachable(state, 'FrameParser state')
      }
    }
  }

  private acceptHeader(): FrameError | undefined {
    const bytes = this.queue.take(CLIENT_FRAME_HEADER_BYTES, this.headerScratch)
    const header = readFrameHeader(bytes, 0)
    const fault = checkFrameHeader(header, this.from)
    if (fault === undefined) {
      this.header = header
      this.state = 'payload'
    } else if (fault.fatal) {
      this.state = 'failed'
      this.fatalError = fault
      this.queue.clear()
    } else {
      this.skipBytes = payloadBytesOf(header)
      this.state = 'skip'
    }
    return fault
  }

  private takePayload(): ClientMessage | FrameError | undefined {
    const header = this.header
    assert(header !== undefined, 'payload state has a header')
    const payloadBytes = payloadBytesOf(header)
    if (this.queue.availableBytes < payloadBytes) return undefined
    const payload = this.queue.take(payloadBytes)
    this.header = undefined
    this.state = 'header'
    return decodeFramePayload(header, payload)
  }

  private skipPayload(): boolean {
    this.skipBytes -= this.queue.skip(this.skipBytes)
    if (this.skipBytes > 0) return false
    this.state = 'header'
    return true
  }
}

/** Decodes a buffer that must hold exactly one frame (tests, tools, one-shot decoding). */
export function decodeFrame(bytes: Buffer, from: Sender): ClientMessage | FrameError {
  const parser = new FrameParser({ from })
  parser.push(bytes)
  const result = parser.next()
  if (result === undefined) {
    const detail = `of ${bytes.length} bytes is shorter than its header says`
    return new FrameError(FrameFault.TRUNCATED, 'frame', Reason.UNEXPECTED_ERROR, 0, true, detail)
  }
  if (result instanceof FrameError || parser.bufferedBytes === 0) return result
  const detail = `is followed by ${parser.bufferedBytes} more bytes`
  const fault = FrameFault.TRAILING_BYTES
  return new FrameError(fault, 'frame', Reason.UNEXPECTED_ERROR, result.requestId, true, detail)
}
