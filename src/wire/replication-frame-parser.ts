/**
 * Incremental parser for the replication link (frame layout in replication-protocol.ts). Bytes
 * arrive in chunks split anywhere; `push` queues a chunk and `next` returns the next frame, a
 * ReplicationFrameError, or undefined when it needs more bytes. The caller drains `next` after
 * each push (a socket 'data' handler does), and may stop draining to apply backpressure.
 *
 *              16 header bytes          checked           length - 16 more bytes
 *   'header' ──────────────────▶ check ─────────▶ 'body' ───────────────────────▶ checksum,
 *      ▲                           │ fault                                        decode ──┐
 *      │                           ▼                                                       │
 *      │                       'failed': every fault is fatal; the queue is dropped        │
 *      └───────────────────────────────────────────────────────────────────────────────────┘
 *
 * Phases: until `bind(names)` only handshake frames are accepted (HELLO from a dialer, HELLO_OK
 * or HELLO_REFUSED from an acceptor); after it only replica messages, whose `from` and `to` are
 * the bound names. A frame of the wrong phase or direction is an OUT_OF_PHASE fault.
 *
 * Memory: nothing is allocated from an unchecked length. The header is checked as soon as its
 * 16 bytes are in (MAX_REPLICATION_FRAME_BYTES, then the type's exact payload limit, which is
 * about 1.3 KiB for the only frames a peer may send before the handshake). A frame that lies in
 * one pushed chunk is decoded in place (its tail, APPEND's records, is a view of that chunk);
 * one split across chunks is copied once into a buffer of exactly its size, filled as its bytes
 * arrive, so a peer dribbling bytes never makes the parser hold an object per byte.
 */
import { Buffer } from 'node:buffer'
import { assert, unreachable } from '../assert.js'
import { REPLICATION_FRAME_HEADER_BYTES } from '../constants.js'
import { ReplicationFault, ReplicationFrameError } from './replication-frame-error.js'
import {
  checkReplicationFrameHeader,
  decodeReplicationFrameBody,
  readReplicationFrameHeader,
  type LinkEnd,
  type LinkNames,
  type ReplicationFrame,
  type ReplicationFrameHeader,
} from './replication-protocol.js'

type ParserState = 'header' | 'body' | 'failed'

export interface ReplicationFrameParserOptions {
  /** The end that writes the bytes this parser reads: an acceptor parses a 'dialer'. */
  readonly from: LinkEnd
  /** Names to bind at once (tests and tools that skip the handshake). */
  readonly names?: LinkNames
}

/** Names given to handshake frames, which carry none. */
const UNBOUND: LinkNames = { from: '', to: '' }

export class ReplicationFrameParser {
  private readonly from: LinkEnd
  private names: LinkNames | undefined
  private chunks: Buffer[] = []
  private chunkOffset = 0
  private queuedBytes = 0
  private state: ParserState = 'header'
  private readonly headerBytes = Buffer.alloc(REPLICATION_FRAME_HEADER_BYTES)
  private headerFilled = 0
  private header: ReplicationFrameHeader | undefined
  /** A frame split across chunks, being filled; undefined while none is. */
  private frameBytes: Buffer | undefined
  private frameFilled = 0
  private fatalError: ReplicationFrameError | undefined

  constructor(options: ReplicationFrameParserOptions) {
    this.from = options.from
    this.names = options.names
  }

  /** Ends the handshake phase: from now on frames are replica messages between these names. */
  bind(names: LinkNames): void {
    assert(this.names === undefined, 'a link is bound once')
    assert(names.from.length > 0 && names.to.length > 0, 'bound names are not empty')
    this.names = names
  }

  get bound(): boolean {
    return this.names !== undefined
  }

  /** Bytes pushed and not yet returned as a frame (a partial frame's bytes included). */
  get bufferedBytes(): number {
    return this.queuedBytes + this.headerFilled + this.frameFilled
  }

  get failure(): ReplicationFrameError | undefined {
    return this.fatalError
  }

  push(chunk: Buffer): void {
    // After a fault the link is closing: nothing more is parsed, so keep nothing.
    if (this.state === 'failed' || chunk.length === 0) return
    this.chunks.push(chunk)
    this.queuedBytes += chunk.length
  }

  /** The next frame or fault, or undefined until more bytes are pushed. Never throws. */
  next(): ReplicationFrame | ReplicationFrameError | undefined {
    for (;;) {
      const state = this.state
      switch (state) {
        case 'failed':
          return undefined
        case 'header': {
          if (!this.fillHeader()) return undefined
          const fault = this.acceptHeader()
          if (fault !== undefined) return this.fail(fault)
          continue
        }
        case 'body':
          return this.takeBody()
        default:
          return unreachable(state, 'ReplicationFrameParser state')
      }
    }
  }

  private fillHeader(): boolean {
    while (this.headerFilled < REPLICATION_FRAME_HEADER_BYTES && this.queuedBytes > 0) {
      const wanted = REPLICATION_FRAME_HEADER_BYTES - this.headerFilled
      this.headerFilled += this.copyOut(this.headerBytes, this.headerFilled, wanted)
    }
    return this.headerFilled === REPLICATION_FRAME_HEADER_BYTES
  }

  private acceptHeader(): ReplicationFrameError | undefined {
    const header = readReplicationFrameHeader(this.headerBytes, 0)
    const context = { from: this.from, bound: this.names !== undefined }
    const fault = checkReplicationFrameHeader(header, context)
    if (fault !== undefined) return fault
    this.header = header
    this.state = 'body'
    return undefined
  }

  private takeBody(): ReplicationFrame | ReplicationFrameError | undefined {
    const header = this.header
    assert(header !== undefined, 'body state has a header')
    const frame = this.wholeFrame(header.length)
    if (frame === undefined) return undefined
    this.header = undefined
    this.headerFilled = 0
    this.frameBytes = undefined
    this.frameFilled = 0
    this.state = 'header'
    const result = decodeReplicationFrameBody(header, frame, this.names ?? UNBOUND)
    return result instanceof ReplicationFrameError ? this.fail(result) : result
  }

  /**
   * The whole frame, header included, once all of it has arrived: a view when the first chunk
   * holds the header's copy source and the rest (the common case), else the filled copy.
   */
  private wholeFrame(length: number): Buffer | undefined {
    const bodyBytes = length - REPLICATION_FRAME_HEADER_BYTES
    if (this.frameBytes === undefined) {
      const view = this.viewOfHeaderAndBody(bodyBytes)
      if (view !== undefined) return view
      // Capped by the header check (the type's exact limit) before this allocation.
      this.frameBytes = Buffer.allocUnsafe(length)
      this.headerBytes.copy(this.frameBytes, 0)
      this.frameFilled = 0
    }
    const target = this.frameBytes
    while (this.frameFilled < bodyBytes && this.queuedBytes > 0) {
      const at = REPLICATION_FRAME_HEADER_BYTES + this.frameFilled
      this.frameFilled += this.copyOut(target, at, bodyBytes - this.frameFilled)
    }
    return this.frameFilled === bodyBytes ? target : undefined
  }

  /** A zero-copy view when the header and body lie together in the current chunk. */
  private viewOfHeaderAndBody(bodyBytes: number): Buffer | undefined {
    const chunk = this.chunks[0]
    const headerStart = this.chunkOffset - REPLICATION_FRAME_HEADER_BYTES
    if (chunk === undefined || headerStart < 0) return undefined
    if (chunk.length - this.chunkOffset < bodyBytes) return undefined
    // The header was copied out of this very chunk (it started at headerStart).
    const view = chunk.subarray(headerStart, this.chunkOffset + bodyBytes)
    this.consume(bodyBytes)
    return view
  }

  /** Copies up to `wanted` queued bytes to target[at...] and returns how many it copied. */
  private copyOut(target: Buffer, at: number, wanted: number): number {
    let chunk = this.chunks[0]
    assert(chunk !== undefined, 'queued bytes lie in chunks')
    // An exhausted first chunk is kept until now, so that viewOfHeaderAndBody can still find
    // the header it held; once bytes are needed from further on, it goes.
    if (this.chunkOffset === chunk.length) {
      this.chunks.shift()
      this.chunkOffset = 0
      chunk = this.chunks[0]
      assert(chunk !== undefined, 'queued bytes lie in a later chunk')
    }
    const copied = Math.min(wanted, chunk.length - this.chunkOffset)
    chunk.copy(target, at, this.chunkOffset, this.chunkOffset + copied)
    this.consume(copied)
    return copied
  }

  /** Moves past `byteCount` bytes of the first chunk (never more than it holds). */
  private consume(byteCount: number): void {
    const chunk = this.chunks[0]
    assert(chunk !== undefined, 'consumed bytes lie in the first chunk')
    assert(byteCount <= chunk.length - this.chunkOffset, 'consume within the first chunk')
    this.chunkOffset += byteCount
    this.queuedBytes -= byteCount
    if (this.queuedBytes === 0 && this.state === 'header' && this.headerFilled === 0) {
      // Nothing pending: let go of the chunk now rather than at the next push.
      this.chunks = []
      this.chunkOffset = 0
    }
  }

  private fail(fault: ReplicationFrameError): ReplicationFrameError {
    this.state = 'failed'
    this.fatalError = fault
    this.chunks = []
    this.chunkOffset = 0
    this.queuedBytes = 0
    this.headerFilled = 0
    this.frameBytes = undefined
    this.frameFilled = 0
    return fault
  }
}

/** Decodes a buffer that must hold exactly one frame (tests, tools, one-shot decoding). */
export function decodeReplicationFrame(
  bytes: Buffer,
  options: ReplicationFrameParserOptions,
): ReplicationFrame | ReplicationFrameError {
  const parser = new ReplicationFrameParser(options)
  parser.push(bytes)
  const result = parser.next()
  if (result === undefined) {
    const detail = `of ${bytes.length} bytes is shorter than its header says`
    return new ReplicationFrameError(ReplicationFault.TRUNCATED, 'frame', detail)
  }
  if (result instanceof ReplicationFrameError || parser.bufferedBytes === 0) return result
  const detail = `is followed by ${parser.bufferedBytes} more bytes`
  return new ReplicationFrameError(ReplicationFault.TRAILING_BYTES, 'frame', detail)
}
