/** What can be wrong with a frame, and the error that says so. */
import { ErrorCode, QmqError } from '../../errors.js'

/** What was wrong with a frame; the parser's caller decides from `fatal` what to do. */
export const FrameFault = {
  FRAME_LENGTH: 'FRAME_LENGTH',
  RESERVED_NOT_ZERO: 'RESERVED_NOT_ZERO',
  UNKNOWN_OPCODE: 'UNKNOWN_OPCODE',
  WRONG_SENDER: 'WRONG_SENDER',
  PAYLOAD_TOO_LONG: 'PAYLOAD_TOO_LONG',
  TRUNCATED: 'TRUNCATED',
  TRAILING_BYTES: 'TRAILING_BYTES',
  VALUE_OUT_OF_RANGE: 'VALUE_OUT_OF_RANGE',
  UNKNOWN_FLAGS: 'UNKNOWN_FLAGS',
  LENGTH_OUT_OF_RANGE: 'LENGTH_OUT_OF_RANGE',
  INVALID_TEXT: 'INVALID_TEXT',
  BAD_MAGIC: 'BAD_MAGIC',
} as const
export type FrameFault = (typeof FrameFault)[keyof typeof FrameFault]

const FRAME_ERROR_BRAND = Symbol.for('quorummq.FrameError')

/**
 * A frame (or a message to encode) that breaks the protocol. `field` is a path such as
 * 'PUT.priority' or 'header.length'; `reason` is the MQRC a server answers with; `fatal` means
 * the byte stream can no longer be split into frames and the connection must close.
 */
export class FrameError extends QmqError {
  readonly [FRAME_ERROR_BRAND] = true
  constructor(
    readonly fault: FrameFault,
    readonly field: string,
    readonly reason: number,
    readonly requestId: number,
    readonly fatal: boolean,
    detail: string,
  ) {
    super(ErrorCode.FRAME_INVALID, `${field} ${detail}`, { fault, field, reason, requestId, fatal })
  }
}

export function isFrameError(value: unknown): value is FrameError {
  return typeof value === 'object' && value !== null && FRAME_ERROR_BRAND in value
}
