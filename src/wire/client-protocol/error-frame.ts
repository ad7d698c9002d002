/** The ERROR frame: a completion code, an MQRC and a message, with or without a request. */
import { Buffer } from 'node:buffer'
import { MAX_ERROR_MESSAGE_BYTES } from '../../constants.js'
import { CompCode, Reason } from '../../errors.js'
import type { PayloadCodec } from './codec.js'
import { integer, maxBytesOf, text16, U32_MAX } from './fields.js'
import type { FrameError } from './frame-error.js'
import type { ErrorFrame } from './frames.js'
import { Opcode } from './opcodes.js'

const COMP_CODE = integer('compCode', CompCode.WARNING, CompCode.FAILED, Reason.UNEXPECTED_ERROR)
const ERROR_REASON = integer('reason', 1, U32_MAX, Reason.UNEXPECTED_ERROR)
const ERROR_MESSAGE = text16('message', MAX_ERROR_MESSAGE_BYTES, Reason.UNEXPECTED_ERROR)

/**
 * The ERROR a server sends for a fault in a client's frame. A fatal fault's request id came
 * from a header that cannot be trusted, so that ERROR answers no request (id 0).
 */
export function errorFrameFor(fault: FrameError): ErrorFrame {
  return {
    type: Opcode.ERROR,
    requestId: fault.fatal ? 0 : fault.requestId,
    compCode: CompCode.FAILED,
    reason: fault.reason,
    message: truncateUtf8(fault.message, MAX_ERROR_MESSAGE_BYTES),
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  // Back off to the first byte of a character, so that no code point is cut in half.
  while (end > 0 && (bytes.readUInt8(end) & 0xc0) === 0x80) end -= 1
  return bytes.toString('utf8', 0, end)
}

export const errorCodec: PayloadCodec<ErrorFrame> = {
  sender: 'server',
  requestIdZeroAllowed: true,
  maxPayloadBytes: 1 + 4 + maxBytesOf(ERROR_MESSAGE),
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => {
    writer.u8(COMP_CODE, message.compCode)
    writer.u32(ERROR_REASON, message.reason)
    writer.text(ERROR_MESSAGE, message.message)
  },
  read: (reader) => ({
    type: Opcode.ERROR,
    requestId: reader.requestId,
    compCode: reader.u8(COMP_CODE) as ErrorFrame['compCode'],
    reason: reader.u32(ERROR_REASON),
    message: reader.text(ERROR_MESSAGE),
  }),
}
