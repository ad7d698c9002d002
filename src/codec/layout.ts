/**
 * Byte layout cursors: the one place where QuorumMQ's binary formats move integers, strings
 * and byte fields in and out of a Buffer. A LayoutWriter writes at a cursor, a LayoutReader
 * reads at one; both are little-endian throughout and check every access against their end
 * before touching a byte, so a short buffer becomes the format's own error (a FrameError for
 * the client protocol, QMQ_RECORD_INVALID or QMQ_CHECKPOINT_CORRUPT for the log and the
 * checkpoint files) naming the field, never a RangeError from deep inside Buffer.
 *
 * The cursors know widths, not meanings: what a field may hold (ranges, known flag bits, text
 * rules) is the format's business, checked by the format's own code around these calls.
 *
 * | call              | bytes        | notes                                                   |
 * |-------------------|--------------|---------------------------------------------------------|
 * | u8 i8 u16 u32 i32 | 1 1 2 4 4    | little-endian                                           |
 * | u64               | 8            | u32 low then u32 high; as a number, exact below 2^53    |
 * | bytes(n)          | n            | a view on read (no copy), a copy in on write            |
 * | length(2 or 4)    | 2 or 4       | the u16/u32 count in front of a variable-length field   |
 * | prefixed(2|4,max) | prefix + n   | count then bytes, the count bounded by `max`            |
 * | text(2|4, s)      | prefix + n   | write only: UTF-8 (or latin1) bytes of s behind a count |
 *
 * Errors: each cursor takes a LayoutFailure, called with what went wrong and the field's name;
 * it must throw. `layoutFailure(code)` makes one that throws QmqError with a catalogue code.
 */
import { Buffer } from 'node:buffer'
import { assert } from '../assert.js'
import { QmqError, type ErrorCode } from '../errors.js'

/** What a cursor found wrong: a read past the end, a write past it, a count above its bound. */
export type LayoutFault = 'truncated' | 'overflow' | 'too-long'

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

export class LayoutReader {
  /** Where the next read starts. */
  offset: number

  constructor(
    readonly source: Buffer,
    private readonly failure: LayoutFailure,
    start = 0,
    readonly end = source.length,
  ) {
    assert(Number.isInteger(start) && start >= 0, 'layout reader: a non-negative start')
    assert(end >= start && end <= source.length, 'layout reader: end inside the source')
    this.offset = start
  }

  get remainingBytes(): number {
    return this.end - this.offset
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
    return this.source.readUInt8(this.claim(1, field))
  }

  i8(field: string): number {
    return this.source.readInt8(this.claim(1, field))
  }

  u16(field: string): number {
    return this.source.readUInt16LE(this.claim(2, field))
  }

  u32(field: string): number {
    return this.source.readUInt32LE(this.claim(4, field))
  }

  i32(field: string): number {
    return this.source.readInt32LE(this.claim(4, field))
  }

  /** High words above 2^21 give a value past 2^53: inexact, so callers bound it below that. */
  u64(field: string): number {
    const at = this.claim(8, field)
    return this.source.readUInt32LE(at + 4) * TWO_POW_32 + this.source.readUInt32LE(at)
  }

  /** `byteCount` bytes as a view into the source: copy what must outlive it. */
  bytes(byteCount: number, field: string): Buffer {
    const at = this.claim(byteCount, field)
    return this.source.subarray(at, at + byteCount)
  }

  /** The u16 or u32 count in front of a variable-length field. */
  length(prefixBytes: LengthPrefixBytes, field: string): number {
    return prefixBytes === 2 ? this.u16(field) : this.u32(field)
  }

  /** A count then that many bytes (a view), the count bounded before the bytes are claimed. */
  prefixed(prefixBytes: LengthPrefixBytes, maxBytes: number, field: string): Buffer {
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

export class LayoutWriter {
  /** Where the next write starts. */
  offset: number

  constructor(
    readonly target: Buffer,
    private readonly failure: LayoutFailure,
    start = 0,
    readonly end = target.length,
  ) {
    assert(Number.isInteger(start) && start >= 0, 'layout writer: a non-negative start')
    assert(end >= start && end <= target.length, 'layout writer: end inside the target')
    this.offset = start
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
    this.target.writeUInt8(value, this.claim(1, field))
  }

  i8(value: number, field: string): void {
    this.target.writeInt8(value, this.claim(1, field))
  }

  u16(value: number, field: string): void {
    this.target.writeUInt16LE(value, this.claim(2, field))
  }

  u32(value: number, field: string): void {
    this.target.writeUInt32LE(value, this.claim(4, field))
  }

  i32(value: number, field: string): void {
    this.target.writeInt32LE(value, this.claim(4, field))
  }

  u64(value: number, field: string): void {
    assert(Number.isSafeInteger(value) && value >= 0, 'layout writer: u64 from a safe integer')
    const at = this.claim(8, field)
    this.target.writeUInt32LE(value % TWO_POW_32, at)
    this.target.writeUInt32LE(Math.floor(value / TWO_POW_32), at + 4)
  }

  bytes(value: Uint8Array, field: string): void {
    this.target.set(value, this.claim(value.length, field))
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
   * A count then the string's bytes in `encoding`. Buffer.write stops silently at the end of
   * the buffer, so a write that comes within a character of the end is checked against the
   * string's full byte length: a cut string is an overflow, never a shorter field.
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
    const written = value.length === 0 ? 0 : this.target.write(value, start, encoding)
    if (room - written < 4 && Buffer.byteLength(value, encoding) !== written) {
      this.failure.layoutFailed(
        'overflow',
        field,
        `needs ${Buffer.byteLength(value, encoding)} bytes, ${room} left`,
      )
    }
    this.offset = start + written
    if (prefixBytes === 2) this.target.writeUInt16LE(written, countAt)
    else this.target.writeUInt32LE(written, countAt)
  }
}
