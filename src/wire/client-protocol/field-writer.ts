/**
 * Runs a message's field walk in one of two modes. With no target it validates each value and
 * only counts bytes, so an invalid message throws before anything is allocated or written; with
 * a target it writes through a LayoutWriter, trusting the values the counting pass checked.
 */
import { Buffer } from 'node:buffer'
import { AssertionError, assert } from '../../assert.js'
import { MESSAGE_ID_BYTES } from '../../constants.js'
import type { LayoutFailure, LayoutWriter } from '../../codec/layout.js'
import {
  describeRange,
  isIntegerIn,
  type FlagsField,
  type IdField,
  type IntegerField,
  type LengthField,
} from './fields.js'
import { FrameError, FrameFault } from './frame-error.js'
import type { ClientMessage } from './frames.js'
import { HELLO_MAGIC, opcodeName } from './opcodes.js'

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
// A lone UTF-16 surrogate would be written as U+FFFD: the peer would read a different string.
const LONE_SURROGATE = /\p{Cs}/u

export class FrameWriter {
  /** Prefix for field names inside a nested structure, e.g. 'descriptor.'. */
  scope = ''
  /** Payload bytes counted so far, in the measuring pass. */
  private counted = 0

  /** With no layout: the measuring pass. With one: the writing pass, at the layout's cursor. */
  constructor(
    private readonly message: ClientMessage,
    private readonly layout: LayoutWriter | undefined,
  ) {}

  get measuring(): boolean {
    return this.layout === undefined
  }

  get offset(): number {
    return this.layout === undefined ? this.counted : this.layout.offset
  }

  fail(fault: FrameFault, name: string, reason: number, detail: string): never {
    const field = `${opcodeName(this.message.type)}.${this.scope}${name}`
    throw new FrameError(fault, field, reason, this.message.requestId, false, detail)
  }

  private check(field: IntegerField, value: number): void {
    if (isIntegerIn(field, value)) return
    const detail = `is ${String(value)}, expected an integer in ${describeRange(field)}`
    this.fail(FrameFault.VALUE_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  u8(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 1
    } else this.layout.u8(value, field.name)
  }

  i8(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 1
    } else this.layout.i8(value, field.name)
  }

  u16(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 2
    } else this.layout.u16(value, field.name)
  }

  u32(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 4
    } else this.layout.u32(value, field.name)
  }

  i32(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 4
    } else this.layout.i32(value, field.name)
  }

  u64(field: IntegerField, value: number): void {
    if (this.layout === undefined) {
      this.check(field, value)
      this.counted += 8
    } else this.layout.u64(value, field.name)
  }

  boolean(field: IntegerField, value: boolean): void {
    this.u8(field, value ? 1 : 0)
  }

  /** Bits built by the codec from booleans, so they are known bits by construction. */
  flags(field: FlagsField, bits: number): void {
    // The message is built only on failure: a template per call cost the encode path.
    if ((bits & ~field.known) !== 0) assert(false, `${field.name}: only known bits are built`)
    if (this.layout === undefined) this.counted += 1
    else this.layout.u8(bits, field.name)
  }

  magic(): void {
    if (this.layout === undefined) this.counted += HELLO_MAGIC.length
    else this.layout.bytes(MAGIC_BYTES, 'magic')
  }

  text(field: LengthField, value: string): void {
    if (this.layout === undefined) this.counted += field.prefixBytes + this.checkText(field, value)
    // An ascii field passed checkText as printable ASCII, so latin1 writes its UTF-8 bytes,
    // by a char loop, with no subarray and no TextEncoder call.
    else
      this.layout.text(
        field.prefixBytes,
        value,
        field.name,
        field.ascii === true ? 'latin1' : 'utf8',
      )
  }

  bytes(field: LengthField, value: Uint8Array): void {
    if (this.layout === undefined) {
      this.checkLength(field, value.length)
      this.counted += field.prefixBytes + value.length
    } else this.layout.prefixed(field.prefixBytes, value, field.name)
  }

  fixedId(field: IdField, value: Uint8Array): void {
    if (this.layout === undefined) {
      this.checkId(field, value)
      this.counted += MESSAGE_ID_BYTES
    } else this.layout.bytes(value, field.name)
  }

  /** Exactly `byteCount` bytes (a fixed-width field that is not a 24-byte id). */
  fixedBytes(field: IdField, value: Uint8Array, byteCount: number): void {
    if (this.layout !== undefined) return this.layout.bytes(value, field.name)
    if (value instanceof Uint8Array && value.length === byteCount) {
      this.counted += byteCount
      return
    }
    const detail = `is ${String(value?.length)} bytes, expected exactly ${byteCount}`
    this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  optionalId(field: IdField, value: Uint8Array | undefined): void {
    if (value === undefined) {
      if (this.layout === undefined) this.counted += 1
      else this.layout.u8(0, field.name)
      return
    }
    if (this.layout === undefined) this.counted += 1
    else this.layout.u8(MESSAGE_ID_BYTES, field.name)
    this.fixedId(field, value)
  }

  private checkLength(field: LengthField, byteCount: number): void {
    if (byteCount >= field.minBytes && byteCount <= field.maxBytes) return
    const detail = `is ${byteCount} bytes, expected ${field.minBytes}..${field.maxBytes}`
    this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  private checkText(field: LengthField, value: string): number {
    if (field.ascii === true && PRINTABLE_ASCII.test(value)) {
      // Printable ASCII: a byte per character, and no surrogate to look for.
      this.checkLength(field, value.length)
      return value.length
    }
    const byteCount = Buffer.byteLength(value, 'utf8')
    this.checkLength(field, byteCount)
    if (field.ascii === true && !PRINTABLE_ASCII.test(value)) {
      this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'is not printable ASCII')
    }
    if (LONE_SURROGATE.test(value)) {
      this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'has a lone surrogate')
    }
    return byteCount
  }

  private checkId(field: IdField, value: Uint8Array): void {
    if (value.length === MESSAGE_ID_BYTES) return
    const detail = `is ${value.length} bytes, expected exactly ${MESSAGE_ID_BYTES}`
    this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
  }
}

const MAGIC_BYTES = Buffer.from(HELLO_MAGIC, 'latin1')

/** The counting pass sized the target: running past it is a bug in a codec, not bad input. */
export const OVERFLOW_IS_A_BUG: LayoutFailure = {
  layoutFailed(fault, field, detail) {
    throw new AssertionError(`frame writer: ${field} ${fault}, ${detail}`)
  },
}
