/**
 * Framing: the 12-byte header and whole frames. Encoding measures first (validating every
 * field), allocates once and writes in place; decoding checks the header before any payload
 * is buffered, then decodes the payload through the opcode's codec.
 */
import { Buffer } from 'node:buffer'
import { AssertionError, assert } from '../../assert.js'
import {
  CLIENT_FRAME_HEADER_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MIN_CLIENT_PAYLOAD_LIMIT_BYTES,
} from '../../constants.js'
import { Reason } from '../../errors.js'
import { codecByOpcode, codecFor } from './codec-table.js'
import { PayloadReader } from './field-reader.js'
import { FrameWriter, OVERFLOW_IS_A_BUG } from './field-writer.js'
import { LayoutReader, LayoutWriter, storeU32, type LayoutFailure } from '../../codec/layout.js'
import { isIntegerIn, REQUEST_ID } from './fields.js'
import { FrameError, FrameFault } from './frame-error.js'
import { frameMemory } from './frame-slab.js'
import type { ClientMessage } from './frames.js'
import {
  FrameFlag,
  opcodeName,
  REQUEST_IDENTITY_BYTES,
  type Opcode,
  type Sender,
} from './opcodes.js'
import { frameFlagsOf } from './request-identity.js'

// ---- Encoding ----

/** Validates the whole message and returns its encoded size; throws FrameError if invalid. */
export function measureFrame(message: ClientMessage): number {
  const codec = codecFor(message.type)
  const { requestId } = message
  if (!isIntegerIn(REQUEST_ID, requestId)) {
    throw requestIdError(message, `is ${String(requestId)}, expected a u32`)
  }
  if (requestId === 0 && !codec.requestIdZeroAllowed) {
    throw requestIdError(message, 'is 0, which only ERROR and GOODBYE may carry')
  }
  const writer = new FrameWriter(message, undefined)
  codec.write(writer, message)
  assert(writer.offset <= payloadLimitOf(codec, frameFlagsOf(message)), 'a valid payload fits')
  return CLIENT_FRAME_HEADER_BYTES + writer.offset
}

/** Named as the parser names it, so both ends report the same field. */
function requestIdError(message: ClientMessage, detail: string): FrameError {
  const fault = FrameFault.VALUE_OUT_OF_RANGE
  return new FrameError(
    fault,
    'header.requestId',
    REQUEST_ID.reason,
    message.requestId,
    false,
    detail,
  )
}

function writeFrame(target: Buffer, offset: number, message: ClientMessage, size: number): number {
  const layout = new LayoutWriter(target, OVERFLOW_IS_A_BUG, offset, offset + size)
  // The header as one claimed block, then stores: length, opcode, flags, reserved 0,
  // requestId (measureFrame checked it). A cursor call per field cost the encode path.
  const at = layout.claim(CLIENT_FRAME_HEADER_BYTES, 'header')
  storeU32(target, at, size - 4)
  target[at + 4] = message.type
  target[at + 5] = frameFlagsOf(message)
  target[at + 6] = 0
  target[at + 7] = 0
  storeU32(target, at + 8, message.requestId)
  const writer = new FrameWriter(message, layout)
  codecFor(message.type).write(writer, message)
  assert(writer.offset === offset + size, 'the writing pass writes what the counting pass counted')
  return writer.offset
}

/** The largest payload of `codec` with these header flags: a request identity adds its bytes. */
function payloadLimitOf(codec: { readonly maxPayloadBytes: number }, flags: number): number {
  const identified = (flags & FrameFlag.REQUEST_IDENTITY) !== 0
  return codec.maxPayloadBytes + (identified ? REQUEST_IDENTITY_BYTES : 0)
}

/** One frame in a buffer of exactly its size. Throws FrameError, naming the field, if invalid. */
export function encodeFrame(message: ClientMessage): Buffer {
  const size = measureFrame(message)
  // Every byte is written below (header, fields, no padding), so unzeroed memory is safe.
  const buffer = frameMemory(size)
  writeFrame(buffer, 0, message, size)
  return buffer
}

/**
 * Writes one frame at `offset` and returns the offset just past it, or undefined (and writes
 * nothing) when it does not fit in what is left of `target`. Throws FrameError if invalid.
 */
export function encodeFrameInto(
  target: Buffer,
  offset: number,
  message: ClientMessage,
): number | undefined {
  assert(Number.isInteger(offset), 'offset is an integer')
  assert(offset >= 0, 'offset is not negative')
  assert(offset <= target.length, 'offset is inside the target')
  const size = measureFrame(message)
  if (size > target.length - offset) return undefined
  return writeFrame(target, offset, message, size)
}

// ---- Decoding: used by the parser once a whole frame is buffered ----

export interface FrameHeader {
  /** The raw length field: bytes after it. */
  readonly length: number
  readonly opcode: number
  readonly flags: number
  readonly reserved: number
  readonly requestId: number
}

export function payloadBytesOf(header: FrameHeader): number {
  return header.length - (CLIENT_FRAME_HEADER_BYTES - 4)
}

export function readFrameHeader(source: Buffer, at: number): FrameHeader {
  const layout = new LayoutReader(source, HEADER_IS_BUFFERED, at)
  return {
    length: layout.u32('header.length'),
    opcode: layout.u8('header.opcode'),
    flags: layout.u8('header.flags'),
    reserved: layout.u16('header.reserved'),
    requestId: layout.u32('header.requestId'),
  }
}

/** The parser calls readFrameHeader only once the whole header is buffered. */
const HEADER_IS_BUFFERED: LayoutFailure = {
  layoutFailed(fault, field, detail) {
    throw new AssertionError(`frame header: ${field} ${fault}, ${detail}`)
  },
}

/**
 * Checks a header before any of its payload is buffered. Fatal faults mean the stream cannot be
 * trusted to be framed; the others leave the length usable, so that one frame can be skipped.
 */
export function checkFrameHeader(header: FrameHeader, from: Sender): FrameError | undefined {
  const { requestId } = header
  const fatal = (fault: FrameFault, field: string, detail: string): FrameError =>
    new FrameError(fault, `header.${field}`, Reason.CONNECTION_BROKEN, requestId, true, detail)
  const skip = (fault: FrameFault, field: string, reason: number, detail: string): FrameError =>
    new FrameError(fault, `header.${field}`, reason, requestId, false, detail)
  const minimum = CLIENT_FRAME_HEADER_BYTES - 4
  if (header.length < minimum || header.length > MAX_CLIENT_FRAME_BYTES) {
    const detail = `is ${header.length}, expected ${minimum}..${MAX_CLIENT_FRAME_BYTES}`
    return fatal(FrameFault.FRAME_LENGTH, 'length', detail)
  }
  if (header.reserved !== 0) return fatal(FrameFault.RESERVED_NOT_ZERO, 'reserved', 'must be 0')
  const codec = codecByOpcode[header.opcode]
  const name = opcodeName(header.opcode)
  const identified = header.flags === FrameFlag.REQUEST_IDENTITY && codec?.identifiable === true
  if (header.flags !== 0 && !identified) {
    const detail = `are 0x${header.flags.toString(16)}: only PUT, GET and COMMIT may flag a request identity`
    return fatal(FrameFault.RESERVED_NOT_ZERO, 'flags', detail)
  }
  if (codec === undefined) {
    return skip(FrameFault.UNKNOWN_OPCODE, 'opcode', Reason.UNEXPECTED_ERROR, `${name} is unknown`)
  }
  if (codec.sender !== 'either' && codec.sender !== from) {
    const detail = `${name} is sent by the ${codec.sender}, not the ${from}`
    return skip(FrameFault.WRONG_SENDER, 'opcode', Reason.UNEXPECTED_ERROR, detail)
  }
  const limit = Math.max(payloadLimitOf(codec, header.flags), MIN_CLIENT_PAYLOAD_LIMIT_BYTES)
  const payloadBytes = payloadBytesOf(header)
  if (payloadBytes > limit) {
    const detail = `gives ${name} ${payloadBytes} payload bytes, more than its ${limit}`
    return skip(FrameFault.PAYLOAD_TOO_LONG, 'length', codec.oversizeReason, detail)
  }
  if (requestId === 0 && !codec.requestIdZeroAllowed) {
    const detail = `is 0 on ${name}; only ERROR and GOODBYE may carry 0`
    return skip(FrameFault.VALUE_OUT_OF_RANGE, 'requestId', Reason.UNEXPECTED_ERROR, detail)
  }
  return undefined
}

/**
 * Decodes the payload of a frame whose header passed checkFrameHeader. The body (PUT, MESSAGE)
 * is a view into `payload`; everything else is copied or decoded out of it.
 */
export function decodeFramePayload(
  header: FrameHeader,
  payload: Buffer,
): ClientMessage | FrameError {
  const codec = codecFor(header.opcode)
  assert(payload.length === payloadBytesOf(header), 'the payload is exactly the frame')
  const reader = new PayloadReader(payload, header.opcode as Opcode, header.requestId, header.flags)
  try {
    const message = codec.read(reader)
    reader.finish()
    return message
  } catch (error) {
    if (error instanceof FrameError) return error
    throw error
  }
}
