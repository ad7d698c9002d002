/**
 * What a failed request turns into on the wire: an ERROR frame under the request's id.
 *
 * | thrown                                  | ERROR                                       |
 * |-----------------------------------------|---------------------------------------------|
 * | MQError (engine, handle table, session) | its compCode and reason, its message        |
 * | FrameError (a frame the parser skipped) | FAILED, the reason the protocol assigns     |
 * | anything else (a bug, a QmqError)       | FAILED, 2195 UNEXPECTED_ERROR, and a log line|
 *
 * Messages are cut to MAX_ERROR_MESSAGE_BYTES on a character boundary, so a long engine message
 * can never make the ERROR frame itself invalid.
 */
import { Buffer } from 'node:buffer'
import { MAX_ERROR_MESSAGE_BYTES } from '../constants.js'
import { CompCode, Reason, isMQError } from '../errors.js'
import type { Logger } from '../log.js'
import { Opcode, isFrameError, type ErrorFrame } from '../wire/client-protocol.js'

export function errorFrame(requestId: number, reason: number, message: string): ErrorFrame {
  return {
    type: Opcode.ERROR,
    requestId,
    compCode: CompCode.FAILED,
    reason,
    message: truncateUtf8(message, MAX_ERROR_MESSAGE_BYTES),
  }
}

/** The ERROR answering `requestId` for `error`; unexpected errors are logged, never rethrown. */
export function errorReply(requestId: number, error: unknown, logger: Logger): ErrorFrame {
  if (isMQError(error)) {
    // An MQError always has a reason; compCode OK would not be an error and is not encodable.
    const compCode = error.compCode === CompCode.WARNING ? CompCode.WARNING : CompCode.FAILED
    const frame = errorFrame(requestId, error.reason, error.message)
    return { ...frame, compCode }
  }
  if (isFrameError(error)) return errorFrame(requestId, error.reason, error.message)
  logger.error({ err: error, requestId }, 'unexpected error while serving a request')
  const detail = error instanceof Error ? error.message : String(error)
  return errorFrame(requestId, Reason.UNEXPECTED_ERROR, `unexpected error: ${detail}`)
}

/** `text` cut to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Every UTF-16 unit takes at most 3 bytes of UTF-8: short texts need no encoding at all.
  if (text.length * 3 <= maxBytes) return text
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  // Back up over continuation bytes (10xxxxxx) to the first byte of the character cut in two.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.toString('utf8', 0, end)
}
