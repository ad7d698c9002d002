/**
 * Byte layout cursors: the one place where QuorumMQ's binary formats move integers, strings
 * and byte fields in and out of memory. All three codecs use it: the client protocol
 * (src/wire/client-protocol/), the journal records (src/actors/journal/journal-record.ts, the
 * record header included) and the checkpoint files (src/queue-manager/checkpoint-format.ts).
 * A LayoutWriter writes at a cursor, a LayoutReader reads at one; both are little-endian
 * throughout and check every access against their end before touching a byte, so a short
 * buffer becomes the format's own error (a FrameError for the client protocol,
 * QMQ_RECORD_INVALID or QMQ_CHECKPOINT_CORRUPT for the log and the checkpoint files) naming the
 * field, never a RangeError from deep inside Buffer.
 *
 * The cursors know widths, not meanings: what a field may hold (ranges, known flag bits, text
 * rules) is the format's business, checked by the format's own code around these calls; a
 * refused value goes to the same failure as a short buffer, through `invalid`.
 *
 * | call              | bytes        | notes                                                   |
 * |-------------------|--------------|---------------------------------------------------------|
 * | u8 i8 u16 u32 i32 | 1 1 2 4 4    | little-endian                                           |
 * | u64               | 8            | u32 low then u32 high; as a number, exact below 2^53    |
 * | f64               | 8            | IEEE 754 double                                         |
 * | bytes(n)          | n            | a view on read (no copy), a copy in on write            |
 * | copy(n)           | n            | read only: a fresh Uint8Array, for values that outlive  |
 * | zeros(n)          | n            | write zeros; on read, whether all n bytes are zero      |
 * | fill(n, byte)     | n            | write only: n copies of one byte (blank padding)        |
 * | latin1(s)         | s.length     | write only: a string's char codes, no count (< 0x100)   |
 * | utf8(s, n)        | n            | write only: the n UTF-8 bytes of s, no count            |
 * | f64s u32s         | 8n 4n        | a column of n values from or into a typed array         |
 * | length(2 or 4)    | 2 or 4       | the u16/u32 count in front of a variable-length field   |
 * | prefixed(2|4,max) | prefix + n   | count then bytes, the count bounded by `max`            |
 * | text(2|4, s)      | prefix + n   | write only: UTF-8 (or latin1) bytes of s behind a count |
 *
 * They work on any Uint8Array: a Buffer, a plain array, a view of a SharedArrayBuffer (the
 * journal ring). Access is by hand, byte by byte, with no DataView or Buffer method per call.
 * A cursor can be pointed at new memory with `reset`, so a hot path (one journal record per
 * persistent put) keeps one cursor per module and allocates none per record.
 *
 * Errors: each cursor takes a LayoutFailure, called with what went wrong and the field's name;
 * it must throw. `layoutFailure(code)` makes one that throws QmqError with a catalogue code.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../assert.js'
import { QmqError, type ErrorCode } from '../errors.js'

/**
 * What went wrong: a read past the end, a write past it, a count above its bound, or a value
 * the format's own check refused (`invalid`).
 */
export type LayoutFault = 'truncated' | 'overflow' | 'too-long' | 'invalid'

/**
 * Told by a cursor that cannot go on; it throws the format's own error. An object rather than
 * a function so that a format's reader can pass itself, allocating no closure per message.
 */
export interface LayoutFailure {
  layoutFailed(fault: LayoutFault, field: string, detail: string): never
}

/** A LayoutFailure that throws QmqError(code) with the field and fault in its details. */
export function layoutFailure(code: ErrorCode): LayoutFailure {
  return {
    layoutFailed(fault, field, detail) {
      throw new QmqError(code, `${field} ${detail}`, { fault, field })
    },
  }
}

const TWO_POW_32 = 0x1_0000_0000
export type LengthPrefixBytes = 2 | 4

// ---- Primitives: random access by offset, for headers read in place (record-header.ts) ----

export function storeU32(target: Uint8Array, at: number, value: number): void {
  target[at] = value
  target[at + 1] = value >>> 8
  target[at + 2] = value >>> 16
  target[at + 3] = value >>> 24
}

export function loadU32(source: Uint8Array, at: number): number {
  return (
    (source[at]! | (source[at + 1]! << 8) | (source[at + 2]! << 16) | (source[at + 3]! << 24)) >>> 0
  )
}

/** value is a non-negative safe integer: the low word by ToUint32, the high word by division. */
export function storeU64(target: Uint8Array, at: number, value: number): void {
  storeU32(target, at, value >>> 0)
  storeU32(target, at + 4, Math.floor(value / TWO_POW_32))
}

/** High words above 2^21 give a value past 2^53: inexact, so callers bound it below that. */
export function loadU64(source: Uint8Array, at: number): number {
  return loadU32(source, at + 4) * TWO_POW_32 + loadU32(source, at)
}

// f64 goes through one scratch word, byte by byte, so the target needs no alignment.
const float64Scratch = new Float64Array(1)
const float64Bytes = new Uint8Array(float64Scratch.buffer)
assert(new Uint8Array(Uint16Array.of(1).buffer)[0] === 1, 'layout: a little-endian host')

export function storeF64(target: Uint8Array, at: number, value: number): void {
  float64Scratch[0] = value
  for (let index = 0; index < 8; index++) target[at + index] = float64Bytes[index]!
}

export function loadF64(source: Uint8Array, at: number): number {
  for (let index = 0; index < 8; index++) float64Bytes[index] = source[at + index]!
  return float64Scratch[0]!
}

const textEncoder = new TextEncoder()

// ---- Cursors ----

export class LayoutReader<Source extends Uint8Array = Buffer> {
  /** Where the next read starts. */
  offset: number

  constructor(
    public source: Source,
    private failure: LayoutFailure,
    start = 0,
    public end: number = source.length,
  ) {
    this.offset = start
    this.checkBounds()
  }

  /** Points the cursor at other memory: reuse without allocating, on a hot path. */
  reset(source: Source, failure: LayoutFailure, start: number, end: number): this {
    this.source = source
    this.failure = failure
    this.offset = start
    this.end = end
    this.checkBounds()
    return this
  }

  private checkBounds(): void {
    assert(Number.isInteger(this.offset) && this.offset >= 0, 'layout reader: a start >= 0')
    assert(this.end >= this.offset, 'layout reader: end after start')
    assert(this.end <= this.source.length, 'layout reader: end inside the source')
  }

  get remainingBytes(): number {
    return this.end - this.offset
  }

  /** The format refused a value it read: throws through the cursor's failure. */
  invalid(field: string, detail: string): never {
    return this.failure.layoutFailed('invalid', field, detail)
  }

  /** Claims `byteCount` bytes and returns where they start. */
  claim(byteCount: number, field: string): number {
    const start = this.offset
    if (this.end - start < byteCount) {
      this.failure.layoutFailed(
        'truncated',
        field,
        `needs ${byteCount} bytes, ${this.end - start} left`,
      )
    }
    this.offset = start + byteCount
    return start
  }

  u8(field: string): number {
    return this.source[this.claim(1, field)]!
  }

  i8(field: string): number {
    return (this.source[this.claim(1, field)]! << 24) >> 24
  }

  u16(field: string): number {
    const at = this.claim(2, field)
    return this.source[at]! | (this.source[at + 1]! << 8)
  }

  u32(field: string): number {
    return loadU32(this.source, this.claim(4, field))
  }

  i32(field: string): number {
    return loadU32(this.source, this.claim(4, field)) | 0
  }

  /** High words above 2^21 give a value past 2^53: inexact, so callers bound it below that. */
  u64(field: string): number {
    return loadU64(this.source, this.claim(8, field))
  }

  f64(field: string): number {
    return loadF64(this.source, this.claim(8, field))
  }

  /** `byteCount` bytes as a view into the source: copy what must outlive it. */
  bytes(byteCount: number, field: string): Source {
    const at = this.claim(byteCount, field)
    return this.source.subarray(at, at + byteCount) as Source
  }

  /**
   * `byteCount` bytes copied into a new Uint8Array. A byte loop: for ids of a few dozen bytes
   * it beats TypedArray.prototype.set, which has a fixed call cost (and Buffer#slice is a view).
   */
  copy(byteCount: number, field: string): Uint8Array {
    const at = this.claim(byteCount, field)
    const copied = new Uint8Array(byteCount)
    for (let index = 0; index < byteCount; index++) copied[index] = this.source[at + index]!
    return copied
  }

  /** Whether the next `byteCount` bytes (reserved, padding) are all zero. */
  zeros(byteCount: number, field: string): boolean {
    const at = this.claim(byteCount, field)
    for (let index = at; index < at + byteCount; index++) if (this.source[index] !== 0) return false
    return true
  }

  /** A column of `count` f64 values into `column[0, count)`. */
  f64s(column: Float64Array, count: number, field: string): void {
    const at = this.claim(count * 8, field)
    for (let index = 0; index < count; index++) column[index] = loadF64(this.source, at + index * 8)
  }

  /** A column of `count` u32 values into `column[0, count)`. */
  u32s(column: Uint32Array, count: number, field: string): void {
    const at = this.claim(count * 4, field)
    for (let index = 0; index < count; index++) column[index] = loadU32(this.source, at + index * 4)
  }

  /** The u16 or u32 count in front of a variable-length field. */
  length(prefixBytes: LengthPrefixBytes, field: string): number {
    return prefixBytes === 2 ? this.u16(field) : this.u32(field)
  }

  /** A count then that many bytes (a view), the count bounded before the bytes are claimed. */
  prefixed(prefixBytes: LengthPrefixBytes, maxBytes: number, field: string): Source {
    const byteCount = this.length(prefixBytes, field)
    if (byteCount > maxBytes) {
      this.failure.layoutFailed(
        'too-long',
        field,
        `is ${byteCount} bytes, expected at most ${maxBytes}`,
      )
    }
    return this.bytes(byteCount, field)
  }
}

export class LayoutWriter<Target extends Uint8Array = Buffer> {
  /** Where the next write starts. */
  offset: number

  constructor(
    public target: Target,
    private failure: LayoutFailure,
    start = 0,
    public end: number = target.length,
  ) {
    this.offset = start
    this.checkBounds()
  }

  /** Points the cursor at other memory: reuse without allocating, on a hot path. */
  reset(target: Target, failure: LayoutFailure, start: number, end: number): this {
    this.target = target
    this.failure = failure
    this.offset = start
    this.end = end
    this.checkBounds()
    return this
  }

  private checkBounds(): void {
    assert(Number.isInteger(this.offset) && this.offset >= 0, 'layout writer: a start >= 0')
    assert(this.end >= this.offset, 'layout writer: end after start')
    assert(this.end <= this.target.length, 'layout writer: end inside the target')
  }

  get remainingBytes(): number {
    return this.end - this.offset
  }

  /** Claims `byteCount` bytes and returns where they start. */
  claim(byteCount: number, field: string): number {
    const start = this.offset
    if (this.end - start < byteCount) {
      this.failure.layoutFailed(
        'overflow',
        field,
        `needs ${byteCount} bytes, ${this.end - start} left`,
      )
    }
    this.offset = start + byteCount
    return start
  }

  u8(value: number, field: string): void {
    assert(value >= 0 && value <= 0xff, 'layout writer: u8 in range')
    this.target[this.claim(1, field)] = value
  }

  i8(value: number, field: string): void {
    assert(value >= -0x80 && value <= 0x7f, 'layout writer: i8 in range')
    this.target[this.claim(1, field)] = value & 0xff
  }

  u16(value: number, field: string): void {
    assert(value >= 0 && value <= 0xffff, 'layout writer: u16 in range')
    const at = this.claim(2, field)
    this.target[at] = value
    this.target[at + 1] = value >>> 8
  }

  u32(value: number, field: string): void {
    assert(value >= 0 && value <= 0xffff_ffff, 'layout writer: u32 in range')
    storeU32(this.target, this.claim(4, field), value)
  }

  i32(value: number, field: string): void {
    assert(value >= -0x8000_0000 && value <= 0x7fff_ffff, 'layout writer: i32 in range')
    storeU32(this.target, this.claim(4, field), value)
  }

  u64(value: number, field: string): void {
    assert(Number.isSafeInteger(value) && value >= 0, 'layout writer: u64 from a safe integer')
    storeU64(this.target, this.claim(8, field), value)
  }

  f64(value: number, field: string): void {
    storeF64(this.target, this.claim(8, field), value)
  }

  /** Short values by a byte loop (no fixed call cost), long ones by TypedArray#set. */
  bytes(value: Uint8Array, field: string): void {
    const at = this.claim(value.length, field)
    if (value.length > 64) this.target.set(value, at)
    else for (let index = 0; index < value.length; index++) this.target[at + index] = value[index]!
  }

  zeros(byteCount: number, field: string): void {
    this.fill(byteCount, 0, field)
  }

  fill(byteCount: number, byte: number, field: string): void {
    const at = this.claim(byteCount, field)
    for (let index = at; index < at + byteCount; index++) this.target[index] = byte
  }

  /** The string's char codes as bytes, no count: the format checked them (ASCII names). */
  latin1(value: string, field: string): void {
    const at = this.claim(value.length, field)
    for (let index = 0; index < value.length; index++) {
      const code = value.charCodeAt(index)
      assert(code <= 0xff, 'layout writer: latin1 characters only')
      this.target[at + index] = code
    }
  }

  /** The UTF-8 bytes of `value`, which the format measured as `byteCount`; no count. */
  utf8(value: string, byteCount: number, field: string): void {
    const at = this.claim(byteCount, field)
    if (byteCount === 0) return
    const room = this.target.subarray(at, at + byteCount)
    const written = textEncoder.encodeInto(value, room).written
    assert(written === byteCount, 'layout writer: utf8 byte count measured by the format')
  }

  f64s(column: Float64Array, count: number, field: string): void {
    const at = this.claim(count * 8, field)
    for (let index = 0; index < count; index++)
      storeF64(this.target, at + index * 8, column[index]!)
  }

  u32s(column: Uint32Array, count: number, field: string): void {
    const at = this.claim(count * 4, field)
    for (let index = 0; index < count; index++)
      storeU32(this.target, at + index * 4, column[index]!)
  }

  length(prefixBytes: LengthPrefixBytes, byteCount: number, field: string): void {
    if (prefixBytes === 2) this.u16(byteCount, field)
    else this.u32(byteCount, field)
  }

  prefixed(prefixBytes: LengthPrefixBytes, value: Uint8Array, field: string): void {
    this.length(prefixBytes, value.length, field)
    this.bytes(value, field)
  }

  /**
   * A count then the string's bytes in `encoding`. Encoding stops silently at the end of the
   * room, so a write that comes within a character of the end is checked against the string's
   * full byte length: a cut string is an overflow, never a shorter field.
   */
  text(
    prefixBytes: LengthPrefixBytes,
    value: string,
    field: string,
    encoding: 'utf8' | 'latin1' = 'utf8',
  ): void {
    const countAt = this.claim(prefixBytes, field)
    const start = this.offset
    const room = this.end - start
    const written = this.encodeText(value, start, room, encoding)
    if (room - written < 4 && Buffer.byteLength(value, encoding) !== written) {
      this.failure.layoutFailed(
        'overflow',
        field,
        `needs ${Buffer.byteLength(value, encoding)} bytes, ${room} left`,
      )
    }
    this.offset = start + written
    if (prefixBytes === 2) {
      this.target[countAt] = written
      this.target[countAt + 1] = written >>> 8
    } else storeU32(this.target, countAt, written)
  }

  /** Bytes of `value` written at `start`, at most `room`, never a partial character. */
  private encodeText(value: string, start: number, room: number, encoding: string): number {
    if (value.length === 0) return 0
    if (encoding === 'utf8') {
      return textEncoder.encodeInto(value, this.target.subarray(start, start + room)).written
    }
    const written = Math.min(value.length, room)
    for (let index = 0; index < written; index++) {
      this.target[start + index] = value.charCodeAt(index)
    }
    return written
  }
}
