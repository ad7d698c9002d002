/**
 * Messaging frames: OPEN (MQOPEN) and CLOSE_HANDLE (MQCLOSE), PUT and its PUT_OK, GET (also
 * browse, wait and match) and its MESSAGE, and CANCEL of a waiting GET.
 */
import { CLIENT_FRAME_HEADER_BYTES } from '../../constants.js'
import { Reason } from '../../errors.js'
import type { BrowseMode, OpenOptions } from '../../queue/types.js'
import { emptyCodec, oneWordCodec, type PayloadCodec } from './codec.js'
import {
  DESCRIPTOR_MAX_BYTES,
  PUT_OPTIONS_MAX_BYTES,
  readDescriptor,
  readPutOptions,
  writeDescriptor,
  writePutOptions,
} from './descriptor.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import {
  BODY,
  CORREL_ID,
  HANDLE,
  integer,
  maxBytesOf,
  MSG_ID,
  OPTIONAL_ID_MAX_BYTES,
  QUEUE_NAME,
  SYNCPOINT_BIT,
  U32_MAX,
  type FlagsField,
} from './fields.js'
import type {
  CancelFrame,
  CloseHandleFrame,
  GetFrame,
  MessageFrame,
  OkFrame,
  OpenFrame,
  OpenOkFrame,
  PutFrame,
  PutOkFrame,
  WireGetOptions,
} from './frames.js'
import { Opcode } from './opcodes.js'
import { readRequestIdentity, writeRequestIdentity } from './request-identity.js'

const OPEN_OPTIONS: FlagsField = { name: 'options', known: 0b111, reason: Reason.OPTIONS_ERROR }
const OpenBit = { INPUT: 1, OUTPUT: 2, BROWSE: 4 } as const
const WAIT_MS = integer('waitMs', 0, U32_MAX, Reason.OPTIONS_ERROR)
const GET_FLAGS: FlagsField = { name: 'flags', known: SYNCPOINT_BIT, reason: Reason.OPTIONS_ERROR }
const BROWSE_MODES = [undefined, 'first', 'next'] as const satisfies readonly (
  BrowseMode | undefined
)[]
const BROWSE = integer('browse', 0, BROWSE_MODES.length - 1, Reason.OPTIONS_ERROR)
const TARGET_REQUEST_ID = integer('targetRequestId', 1, U32_MAX, Reason.UNEXPECTED_ERROR)

function writeGet(writer: FrameWriter, message: GetFrame): void {
  const { options } = message
  writeRequestIdentity(writer, options.request)
  writer.u32(HANDLE, message.handle)
  writer.u32(WAIT_MS, options.waitMs ?? 0)
  writer.flags(GET_FLAGS, options.syncpoint === true ? SYNCPOINT_BIT : 0)
  writer.u8(BROWSE, BROWSE_MODES.indexOf(options.browse))
  writer.optionalId(MSG_ID, options.msgId)
  writer.optionalId(CORREL_ID, options.correlId)
}

function readGet(reader: PayloadReader): GetFrame {
  const request = readRequestIdentity(reader)
  const handle = reader.u32(HANDLE)
  const waitMs = reader.u32(WAIT_MS)
  const syncpoint = (reader.flags(GET_FLAGS) & SYNCPOINT_BIT) !== 0
  const browse = BROWSE_MODES[reader.u8(BROWSE)]
  const msgId = reader.optionalId(MSG_ID)
  const correlId = reader.optionalId(CORREL_ID)
  const options: WireGetOptions =
    request === undefined
      ? { waitMs, syncpoint, browse, msgId, correlId }
      : { waitMs, syncpoint, browse, msgId, correlId, request }
  return { type: Opcode.GET, requestId: reader.requestId, handle, options }
}

export const openCodec: PayloadCodec<OpenFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: maxBytesOf(QUEUE_NAME) + 1,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, { queueName, options }) => {
    writer.text(QUEUE_NAME, queueName)
    const bits =
      (options.input === true ? OpenBit.INPUT : 0) |
      (options.output === true ? OpenBit.OUTPUT : 0) |
      (options.browse === true ? OpenBit.BROWSE : 0)
    writer.flags(OPEN_OPTIONS, bits)
  },
  read: (reader) => {
    const queueName = reader.text(QUEUE_NAME)
    const bits = reader.flags(OPEN_OPTIONS)
    const options: OpenOptions = {
      input: (bits & OpenBit.INPUT) !== 0,
      output: (bits & OpenBit.OUTPUT) !== 0,
      browse: (bits & OpenBit.BROWSE) !== 0,
    }
    return { type: Opcode.OPEN, requestId: reader.requestId, queueName, options }
  },
}

export const openOkCodec = oneWordCodec<OpenOkFrame>(
  'server',
  HANDLE,
  (message) => message.handle,
  (requestId, handle) => ({ type: Opcode.OPEN_OK, requestId, handle }),
)

export const closeHandleCodec = oneWordCodec<CloseHandleFrame>(
  'client',
  HANDLE,
  (message) => message.handle,
  (requestId, handle) => ({ type: Opcode.CLOSE_HANDLE, requestId, handle }),
)

/** The reply of requests that return nothing else (CLOSE_HANDLE, COMMIT, BACKOUT, CANCEL). */
export const okCodec = emptyCodec<OkFrame>(Opcode.OK, 'server')

export const putCodec: PayloadCodec<PutFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: 4 + PUT_OPTIONS_MAX_BYTES + maxBytesOf(BODY),
  oversizeReason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
  identifiable: true,
  write: (writer, message) => {
    writeRequestIdentity(writer, message.options.request)
    writer.u32(HANDLE, message.handle)
    writePutOptions(writer, message.options)
    writer.bytes(BODY, message.body)
  },
  read: (reader) => {
    const request = readRequestIdentity(reader)
    const handle = reader.u32(HANDLE)
    const read = readPutOptions(reader)
    const options = request === undefined ? read : { ...read, request }
    const body = reader.bytesView(BODY)
    return { type: Opcode.PUT, requestId: reader.requestId, handle, options, body }
  },
}

export const putOkCodec: PayloadCodec<PutOkFrame> = {
  sender: 'server',
  requestIdZeroAllowed: false,
  maxPayloadBytes: DESCRIPTOR_MAX_BYTES,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => writeDescriptor(writer, message.descriptor),
  read: (reader) => {
    const descriptor = readDescriptor(reader)
    return { type: Opcode.PUT_OK, requestId: reader.requestId, descriptor }
  },
}

export const getCodec: PayloadCodec<GetFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  maxPayloadBytes: 4 + 4 + 1 + 1 + 2 * OPTIONAL_ID_MAX_BYTES,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  identifiable: true,
  write: writeGet,
  read: readGet,
}

export const messageCodec: PayloadCodec<MessageFrame> = {
  sender: 'server',
  requestIdZeroAllowed: false,
  maxPayloadBytes: DESCRIPTOR_MAX_BYTES + maxBytesOf(BODY),
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => {
    writeDescriptor(writer, message.descriptor)
    writer.bytes(BODY, message.body)
  },
  read: (reader) => {
    const descriptor = readDescriptor(reader)
    const body = reader.bytesView(BODY)
    return { type: Opcode.MESSAGE, requestId: reader.requestId, descriptor, body }
  },
}

export const cancelCodec = oneWordCodec<CancelFrame>(
  'client',
  TARGET_REQUEST_ID,
  (message) => message.targetRequestId,
  (requestId, targetRequestId) => ({ type: Opcode.CANCEL, requestId, targetRequestId }),
)

/**
 * The most bytes a MESSAGE frame with a body of at most `maxBodyBytes` can take, header
 * included: what a GET's reply can cost, for the byte credit of both ends.
 */
export function maxMessageFrameBytes(maxBodyBytes: number): number {
  return CLIENT_FRAME_HEADER_BYTES + DESCRIPTOR_MAX_BYTES + BODY.prefixBytes + maxBodyBytes
}
