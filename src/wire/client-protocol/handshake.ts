/**
 * Handshake and liveness frames: HELLO and HELLO_OK (version negotiation, the reserved
 * authentication section), GOODBYE, PING and PONG.
 */
import {
  MAX_CLIENT_NAME_BYTES,
  MAX_CREDENTIALS_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MESSAGE_ID_BYTES,
} from '../../constants.js'
import { Reason } from '../../errors.js'
import { emptyCodec, oneWordCodec, type PayloadCodec } from './codec.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import { ascii16, integer, maxBytesOf, text16, U16_MAX, U32_MAX, type IdField } from './fields.js'
import { FrameFault } from './frame-error.js'
import type { GoodbyeFrame, HelloFrame, HelloOkFrame, PingFrame, PongFrame } from './frames.js'
import { AuthMechanism, HELLO_MAGIC, Opcode } from './opcodes.js'

const HELLO_MIN_VERSION = integer('minVersion', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_MAX_VERSION = integer('maxVersion', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_QUEUE_MANAGER = ascii16(
  'queueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.Q_MGR_NAME_ERROR,
)
const CLIENT_NAME = text16('clientName', MAX_CLIENT_NAME_BYTES, Reason.UNEXPECTED_ERROR)
const HEARTBEAT_MS = integer('heartbeatMs', 0, U32_MAX, Reason.UNEXPECTED_ERROR)
const AUTH_MECHANISM = integer(
  'authMechanism',
  0,
  AuthMechanism.USER_PASSWORD,
  Reason.NOT_AUTHORIZED,
)
const CREDENTIALS = text16('credentials', MAX_CREDENTIALS_BYTES, Reason.NOT_AUTHORIZED)
const GOODBYE_REASON = integer('reason', 0, U32_MAX, Reason.UNEXPECTED_ERROR)
const VERSION = integer('version', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_OK_QUEUE_MANAGER = ascii16(
  'queueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.Q_MGR_NAME_ERROR,
  1,
)
const MAX_MESSAGE_LENGTH = integer('maxMessageBytes', 0, MAX_MESSAGE_BYTES, Reason.UNEXPECTED_ERROR)
const CONNECTION_ID: IdField = { name: 'connectionId', reason: Reason.UNEXPECTED_ERROR }

function writeHello(writer: FrameWriter, message: HelloFrame): void {
  writer.magic()
  writer.u16(HELLO_MIN_VERSION, message.minVersion)
  writer.u16(HELLO_MAX_VERSION, message.maxVersion)
  if (writer.measuring && message.maxVersion < message.minVersion) {
    const detail = `${message.maxVersion} is below minVersion ${message.minVersion}`
    writer.fail(FrameFault.VALUE_OUT_OF_RANGE, 'maxVersion', Reason.UNEXPECTED_ERROR, detail)
  }
  writer.text(HELLO_QUEUE_MANAGER, message.queueManager)
  writer.text(CLIENT_NAME, message.clientName)
  writer.u32(HEARTBEAT_MS, message.heartbeatMs)
  writer.u8(AUTH_MECHANISM, message.authMechanism)
  if (writer.measuring && message.authMechanism === AuthMechanism.NONE) {
    if (message.credentials.length > 0) noCredentialsExpected(writer, message.credentials.length)
  }
  writer.bytes(CREDENTIALS, message.credentials)
}

function noCredentialsExpected(report: FrameWriter | PayloadReader, byteCount: number): never {
  const detail = `is ${byteCount} bytes, expected none with authMechanism 0 (none)`
  return report.fail(FrameFault.LENGTH_OUT_OF_RANGE, 'credentials', Reason.NOT_AUTHORIZED, detail)
}

function readHello(reader: PayloadReader): HelloFrame {
  reader.magic()
  const minVersion = reader.u16(HELLO_MIN_VERSION)
  const maxVersion = reader.u16(HELLO_MAX_VERSION)
  if (maxVersion < minVersion) {
    const detail = `${maxVersion} is below minVersion ${minVersion}`
    reader.fail(FrameFault.VALUE_OUT_OF_RANGE, 'maxVersion', Reason.UNEXPECTED_ERROR, detail)
  }
  const queueManager = reader.text(HELLO_QUEUE_MANAGER)
  const clientName = reader.text(CLIENT_NAME)
  const heartbeatMs = reader.u32(HEARTBEAT_MS)
  const authMechanism = reader.u8(AUTH_MECHANISM) as AuthMechanism
  const credentials = reader.bytesCopy(CREDENTIALS)
  if (authMechanism === AuthMechanism.NONE && credentials.length > 0) {
    noCredentialsExpected(reader, credentials.length)
  }
  return {
    type: Opcode.HELLO,
    requestId: reader.requestId,
    minVersion,
    maxVersion,
    queueManager,
    clientName,
    heartbeatMs,
    authMechanism,
    credentials,
  }
}

export const helloCodec: PayloadCodec<HelloFrame> = {
  sender: 'client',
  requestIdZeroAllowed: false,
  // magic, two u16 versions, heartbeatMs u32, authMechanism u8, then three length-prefixed.
  maxPayloadBytes:
    HELLO_MAGIC.length + 9 + maxBytesOf(HELLO_QUEUE_MANAGER, CLIENT_NAME, CREDENTIALS),
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: writeHello,
  read: readHello,
}

export const helloOkCodec: PayloadCodec<HelloOkFrame> = {
  sender: 'server',
  requestIdZeroAllowed: false,
  maxPayloadBytes: 2 + maxBytesOf(HELLO_OK_QUEUE_MANAGER) + 4 + 4 + MESSAGE_ID_BYTES,
  oversizeReason: Reason.UNEXPECTED_ERROR,
  write: (writer, message) => {
    writer.u16(VERSION, message.version)
    writer.text(HELLO_OK_QUEUE_MANAGER, message.queueManager)
    writer.u32(HEARTBEAT_MS, message.heartbeatMs)
    writer.u32(MAX_MESSAGE_LENGTH, message.maxMessageBytes)
    writer.fixedId(CONNECTION_ID, message.connectionId)
  },
  read: (reader) => ({
    type: Opcode.HELLO_OK,
    requestId: reader.requestId,
    version: reader.u16(VERSION),
    queueManager: reader.text(HELLO_OK_QUEUE_MANAGER),
    heartbeatMs: reader.u32(HEARTBEAT_MS),
    maxMessageBytes: reader.u32(MAX_MESSAGE_LENGTH),
    connectionId: reader.fixedId(CONNECTION_ID),
  }),
}

export const goodbyeCodec = oneWordCodec<GoodbyeFrame>(
  'either',
  GOODBYE_REASON,
  (message) => message.reason,
  (requestId, reason) => ({ type: Opcode.GOODBYE, requestId, reason }),
  true,
)
export const pingCodec = emptyCodec<PingFrame>(Opcode.PING, 'either')
export const pongCodec = emptyCodec<PongFrame>(Opcode.PONG, 'either')

/** The highest version in both [min, max] ranges, or undefined when they do not overlap. */
export function chooseVersion(
  hello: HelloFrame,
  ownMin: number,
  ownMax: number,
): number | undefined {
  const highest = Math.min(hello.maxVersion, ownMax)
  return highest >= Math.max(hello.minVersion, ownMin) ? highest : undefined
}
