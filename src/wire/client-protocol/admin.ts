/**
 * Administration frames: ADMIN (an MQSC script) and its ADMIN_RESULT transcript, QUERY of one
 * queue and its QUEUE_INFO (attributes and status, laid out in queue-info.ts).
 */
import {
  MAX_ADMIN_COMMAND_BYTES,
  MAX_ADMIN_LINE_BYTES,
  MAX_ADMIN_RESULT_BYTES,
} from '../../constants.js'
import { Reason } from '../../errors.js'
import type { PayloadCodec } from './codec.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import { count, integer, maxBytesOf, QUEUE_NAME, text16, type LengthField } from './fields.js'
import { FrameFault } from './frame-error.js'
import type { AdminFrame, AdminResultFrame, QueryFrame, QueueInfoFrame } from './frames.js'
import { Opcode } from './opcodes.js'
import { QUEUE_INFO_MAX_BYTES, readQueueInfo, writeQueueInfo } from './queue-info.js'

const ADMIN_COMMAND: LengthField = {
  name: 'command',
  prefixBytes: 4,
  minBytes: 1,
  maxBytes: MAX_ADMIN_COMMAND_BYTES,
  reason: Reason.UNEXPECTED_ERROR,
}
const FAILED_COUNT = count('failedCount')
/** Every line costs at least its 2-byte prefix, which bounds the count before any array. */
const LINE_COUNT = integer('lineCount', 0, MAX_ADMIN_RESULT_BYTES / 2, Reason.UNEXPECTED_ERROR)
const ADMIN_LINE = text16('lines', MAX_ADMIN_LINE_BYTES, Reason.UNEXPECTED_ERROR)

function writeAdminResult(writer: FrameWriter, message: AdminResultFrame): void {
  writer.u32(FAILED_COUNT, message.failedCount)
  writer.u32(LINE_COUNT, message.lines.length)
  const linesStart = writer.offset
  for (const line of message.lines) writer.text(ADMIN_LINE, line)
  const linesBytes = writer.offset - linesStart
  if (writer.measuring && linesBytes > MAX_ADMIN_RESULT_BYTES) {
    const detail = `take ${linesBytes} bytes, expected at most ${MAX_ADMIN_RESULT_BYTES}`
    writer.fail(FrameFault.LENGTH_OUT_OF_RANGE, 'lines', Reason.UNEXPECTED_ERROR, detail)
  }
}

function readAdminResult(reader: PayloadReader): AdminResultFrame {
  const failedCount = reader.u32(FAILED_COUNT)
  const lineCount = reader.u32(LINE_COUNT)
  // Checked before the loop: a hostile count must not make the reader build a huge array.
  if (lineCount * ADMIN_LINE.prefixBytes > reader.remainingBytes) {
    const detail = `${lineCount} lines cannot fit in the ${reader.remainingBytes} bytes left`
    reader.fail(FrameFault.TRUNCATED, 'lines', Reason.UNEXPECTED_ERROR, detail)
  }
  const linesStart = reader.remainingBytes
  const lines: string[] = []
  for (let index = 0; index < lineCount; index += 1) lines.push(reader.text(ADMIN_LINE))
  const linesBytes = linesStart - reader.remainingBytes
  if (linesBytes > MAX_ADMIN_RESULT_BYTES) {
    const detail = `take ${linesBytes} bytes, expected at most ${MAX_ADMIN_RESULT_BYTES}`
    reader.fail(FrameFault.LENGTH_OUT_OF_RANGE, 'lines', Reason.UNEXPECTED_ERROR, detail)
  }
  return { type: Opcode.ADMIN_RESULT, requestId: reader.requestId, failedCount, lines }
}

export const adminCodec: PayloadCodec<AdminFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: maxBytesOf(ADMIN_COMMAND),
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => writer.text(ADMIN_COMMAND, message.command),
  read: (reader) => {
    const command = reader.text(ADMIN_COMMAND)
    return { type: Opcode.ADMIN, requestId: reader.requestId, command }
  },
}

export const adminResultCodec: PayloadCodec<AdminResultFrame> = {
  sender: 'server',
  requestIdZeroAllowed: false,
  maxPayloadBytes: 4 + 4 + MAX_ADMIN_RESULT_BYTES,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: writeAdminResult,
  read: readAdminResult,
}

export const queryCodec: PayloadCodec<QueryFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: maxBytesOf(QUEUE_NAME),
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => writer.text(QUEUE_NAME, message.queueName),
  read: (reader) => {
    const queueName = reader.text(QUEUE_NAME)
    return { type: Opcode.QUERY, requestId: reader.requestId, queueName }
  },
}

export const queueInfoCodec: PayloadCodec<QueueInfoFrame> = {
  sender: 'server',
  requestIdZeroAllowed: false,
  maxPayloadBytes: QUEUE_INFO_MAX_BYTES,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: writeQueueInfo,
  read: readQueueInfo,
}
