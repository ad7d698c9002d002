/**
 * Reads one complete payload through a LayoutReader. Every length is checked against its
 * field's limit before the bytes it claims are looked at, and against what is left before
 * anything is built from it.
 */
import { isUtf8, type Buffer } from 'node:buffer'
import { MESSAGE_ID_BYTES } from '../../constants.js'
import { LayoutReader, type LayoutFailure, type LayoutFault } from '../../codec/layout.js'
import { Reason } from '../../errors.js'
import {
  describeRange,
  type FlagsField,
  type IdField,
  type IntegerField,
  type LengthField,
  isIntegerIn,
} from './fields.js'
import { FrameError, FrameFault } from './frame-error.js'
import { HELLO_MAGIC, opcodeName, type Opcode } from './opcodes.js'

export class PayloadReader implements LayoutFailure {
  scope = ''
  private readonly layout: LayoutReader

  constructor(
    payload: Buffer,
    readonly opcode: Opcode,
    readonly requestId: number,
    /** The header's flags (FrameFlag), which say whether the payload has a request identity. */
    readonly headerFlags = 0,
  ) {
    this.layout = new LayoutReader(payload, this)
  }

  get remainingBytes(): number {
    return this.layout.remainingBytes
  }

  fail(fault: FrameFault, name: string, reason: number, detail: string): never {
    const field = `${opcodeName(this.opcode)}.${this.scope}${name}`
    throw new FrameError(fault, field, reason, this.requestId, false, detail)
  }

  /** Only reads past the end reach here: counts are bounded by the field checks below. */
  layoutFailed(_fault: LayoutFault, name: string, detail: string): never {
    return this.fail(FrameFault.TRUNCATED, name, Reason.UNEXPECTED_ERROR, `${detail} in the frame`)
  }

  /** The payload, for a fixed block claimed by `block` and read by offset. */
  get source(): Buffer {
    return this.layout.source
  }

  /**
   * Claims a fixed block of `byteCount` bytes and returns where it starts, or -1, claiming
   * nothing, when fewer are left: the caller then reads field by field, so a short frame still
   * names the field it ends in. One bounds check for the block instead of one per field.
   */
  block(byteCount: number): number {
    return this.layout.remainingBytes < byteCount ? -1 : this.layout.claim(byteCount, 'block')
  }

  /** A value read from a block, checked as the field's own read would check it. */
  checked(field: IntegerField, value: number): number {
    if (isIntegerIn(field, value)) return value
    const detail = `is ${value}, expected ${describeRange(field)}`
    return this.fail(FrameFault.VALUE_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  u8(field: IntegerField): number {
    return this.checked(field, this.layout.u8(field.name))
  }

  i8(field: IntegerField): number {
    return this.checked(field, this.layout.i8(field.name))
  }

  u16(field: IntegerField): number {
    return this.checked(field, this.layout.u16(field.name))
  }

  u32(field: IntegerField): number {
    return this.checked(field, this.layout.u32(field.name))
  }

  i32(field: IntegerField): number {
    return this.checked(field, this.layout.i32(field.name))
  }

  /** Values past 2^53 come out inexact, but then above any field's max. */
  u64(field: IntegerField): number {
    return this.checked(field, this.layout.u64(field.name))
  }

  boolean(field: IntegerField): boolean {
    return this.u8(field) === 1
  }

  flags(field: FlagsField): number {
    return this.checkedFlags(field, this.layout.u8(field.name))
  }

  checkedFlags(field: FlagsField, bits: number): number {
    if ((bits & ~field.known) === 0) return bits
    const detail = `has unknown bits 0x${(bits & ~field.known).toString(16)}`
    return this.fail(FrameFault.UNKNOWN_FLAGS, field.name, field.reason, detail)
  }

  magic(): void {
    const found = this.layout.bytes(HELLO_MAGIC.length, 'magic').toString('latin1')
    if (found === HELLO_MAGIC) return
    const detail = `is ${JSON.stringify(found)}, expected '${HELLO_MAGIC}'`
    this.fail(FrameFault.BAD_MAGIC, 'magic', Reason.UNEXPECTED_ERROR, detail)
  }

  text(field: LengthField): string {
    if (field.ascii === true) {
      // Checked and decoded in place: a Buffer view per field (subarray) cost more than the rest.
      const byteCount = this.prefixedCount(field)
      const at = this.layout.claim(byteCount, field.name)
      if (byteCount === 0) return ''
      const source = this.layout.source
      for (let index = at; index < at + byteCount; index++) {
        const byte = source[index]!
        if (byte < 0x20 || byte > 0x7e) {
          this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'is not printable ASCII')
        }
      }
      return source.toString('latin1', at, at + byteCount)
    }
    const view = this.lengthPrefixed(field)
    // isUtf8 is strict (no overlongs, no surrogates) and, unlike a TextDecoder, keeps a BOM.
    if (!isUtf8(view)) {
      this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'is not well-formed UTF-8')
    }
    return view.toString('utf8')
  }

  /** `byteCount` bytes, copied (they outlive the frame). */
  fixedBytes(byteCount: number, name: string): Uint8Array {
    return this.layout.copy(byteCount, name)
  }

  /** A copy: small values outlive the frame, and must not pin the socket chunk they came in. */
  bytesCopy(field: LengthField): Uint8Array {
    return this.layout.copy(this.prefixedCount(field), field.name)
  }

  /** A view, no copy: the body is the one field worth not copying. */
  bytesView(field: LengthField): Buffer {
    return this.lengthPrefixed(field)
  }

  /** A copy by the cursor's byte loop: no Buffer view made only to be copied. */
  fixedId(field: IdField): Uint8Array {
    return this.layout.copy(MESSAGE_ID_BYTES, field.name)
  }

  optionalId(field: IdField): Uint8Array | undefined {
    const byteCount = this.layout.u8(field.name)
    if (byteCount === 0) return undefined
    if (byteCount !== MESSAGE_ID_BYTES) {
      const detail = `is ${byteCount} bytes, expected 0 (absent) or ${MESSAGE_ID_BYTES}`
      this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
    }
    return this.fixedId(field)
  }

  finish(): void {
    if (this.remainingBytes === 0) return
    const detail = `has ${this.remainingBytes} bytes after its last field`
    this.fail(FrameFault.TRAILING_BYTES, 'payload', Reason.UNEXPECTED_ERROR, detail)
  }

  /** The count in front of a field, checked against its bounds before its bytes are claimed. */
  private prefixedCount(field: LengthField): number {
    const byteCount = this.layout.length(field.prefixBytes, field.name)
    if (byteCount < field.minBytes || byteCount > field.maxBytes) {
      const detail = `is ${byteCount} bytes, expected ${field.minBytes}..${field.maxBytes}`
      this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
    }
    return byteCount
  }

  private lengthPrefixed(field: LengthField): Buffer {
    return this.layout.bytes(this.prefixedCount(field), field.name)
  }
}
