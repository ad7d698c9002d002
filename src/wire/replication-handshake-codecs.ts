/**
 * Codecs of the link handshake frames (layout table in replication-protocol.ts). The decoder
 * checks shapes only; whether a HELLO may join is replication-handshake.ts's decision.
 */
import { assert } from '../assert.js'
import {
  MAX_NODE_NAME_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_REFUSAL_MESSAGE_BYTES,
  MAX_REPLICATION_AUTH_BYTES,
  MAX_REPLICATION_GROUP_NAME_BYTES,
} from '../constants.js'
import {
  ascii16,
  integer,
  maxBytesOf,
  text16,
  U16_MAX,
  type BytesField,
  type FieldReader,
  type FieldWriter,
} from './replication-fields.js'
import { ReplicationFault } from './replication-frame-error.js'
import {
  LinkMessageType,
  RefusalReason,
  type FrameCodec,
  type HelloFrame,
  type HelloOkFrame,
  type HelloProofFrame,
  type HelloRefusedFrame,
} from './replication-frames.js'

const MIN_VERSION = integer('minVersion', 1, U16_MAX)
const MAX_VERSION = integer('maxVersion', 1, U16_MAX)
const VERSION = integer('version', 1, U16_MAX)
const QUEUE_MANAGER = ascii16('queueManager', 1, MAX_QUEUE_MANAGER_NAME_BYTES)
const GROUP = ascii16('group', 1, MAX_REPLICATION_GROUP_NAME_BYTES)
const FROM_NODE = ascii16('fromNode', 1, MAX_NODE_NAME_BYTES)
const TO_NODE = ascii16('toNode', 1, MAX_NODE_NAME_BYTES)
const NODE = ascii16('node', 1, MAX_NODE_NAME_BYTES)
const AUTH_MECHANISM = integer('authMechanism', 0, 0xff)
const AUTH: BytesField = { name: 'auth', maxBytes: MAX_REPLICATION_AUTH_BYTES }
const REASON = integer('reason', 1, Math.max(...Object.values(RefusalReason)))
// The decoder checks a reason by range, which is right only while the codes run 1, 2, 3, ...
assert(
  Object.values(RefusalReason).every((code, index) => code === index + 1),
  'refusal reasons are numbered 1..n without gaps',
)
const MESSAGE = text16('message', 0, MAX_REFUSAL_MESSAGE_BYTES)

function checkVersions(report: FieldWriter | FieldReader, min: number, max: number): void {
  if (max >= min) return
  const detail = `${max} is below minVersion ${min}`
  report.fail(ReplicationFault.VALUE_OUT_OF_RANGE, 'maxVersion', detail)
}

const helloCodec: FrameCodec<HelloFrame> = {
  code: 0x01,
  name: 'HELLO',
  sentBy: 'dialer',
  maxPayloadBytes:
    2 + 2 + maxBytesOf(QUEUE_MANAGER, GROUP, FROM_NODE, TO_NODE) + 1 + 2 + AUTH.maxBytes,
  write: (writer, hello) => {
    writer.u16(MIN_VERSION, hello.minVersion)
    writer.u16(MAX_VERSION, hello.maxVersion)
    if (writer.measuring) checkVersions(writer, hello.minVersion, hello.maxVersion)
    writer.text(QUEUE_MANAGER, hello.queueManager)
    writer.text(GROUP, hello.group)
    writer.text(FROM_NODE, hello.fromNode)
    writer.text(TO_NODE, hello.toNode)
    writer.u8(AUTH_MECHANISM, hello.authMechanism)
    writer.bytes(AUTH, hello.auth)
  },
  read: (reader) => {
    const minVersion = reader.u16(MIN_VERSION)
    const maxVersion = reader.u16(MAX_VERSION)
    checkVersions(reader, minVersion, maxVersion)
    return {
      type: LinkMessageType.HELLO,
      minVersion,
      maxVersion,
      queueManager: reader.text(QUEUE_MANAGER),
      group: reader.text(GROUP),
      fromNode: reader.text(FROM_NODE),
      toNode: reader.text(TO_NODE),
      authMechanism: reader.u8(AUTH_MECHANISM),
      auth: reader.bytes(AUTH),
    }
  },
}

const helloOkCodec: FrameCodec<HelloOkFrame> = {
  code: 0x02,
  name: 'HELLO_OK',
  sentBy: 'acceptor',
  maxPayloadBytes: 2 + maxBytesOf(NODE) + 1 + 2 + AUTH.maxBytes,
  write: (writer, ok) => {
    writer.u16(VERSION, ok.version)
    writer.text(NODE, ok.node)
    writer.u8(AUTH_MECHANISM, ok.authMechanism)
    writer.bytes(AUTH, ok.auth)
  },
  read: (reader) => ({
    type: LinkMessageType.HELLO_OK,
    version: reader.u16(VERSION),
    node: reader.text(NODE),
    authMechanism: reader.u8(AUTH_MECHANISM),
    auth: reader.bytes(AUTH),
  }),
}

const helloRefusedCodec: FrameCodec<HelloRefusedFrame> = {
  code: 0x03,
  name: 'HELLO_REFUSED',
  sentBy: 'acceptor',
  maxPayloadBytes: 1 + maxBytesOf(MESSAGE),
  write: (writer, refused) => {
    writer.u8(REASON, refused.reason)
    writer.text(MESSAGE, refused.message)
  },
  read: (reader) => ({
    type: LinkMessageType.HELLO_REFUSED,
    reason: reader.u8(REASON) as RefusalReason,
    message: reader.text(MESSAGE),
  }),
}

const helloProofCodec: FrameCodec<HelloProofFrame> = {
  code: 0x04,
  name: 'HELLO_PROOF',
  sentBy: 'dialer',
  maxPayloadBytes: 2 + AUTH.maxBytes,
  write: (writer, frame) => writer.bytes(AUTH, frame.proof),
  read: (reader) => ({ type: LinkMessageType.HELLO_PROOF, proof: reader.bytes(AUTH) }),
}

export const handshakeCodecs = {
  [LinkMessageType.HELLO]: helloCodec,
  [LinkMessageType.HELLO_OK]: helloOkCodec,
  [LinkMessageType.HELLO_REFUSED]: helloRefusedCodec,
  [LinkMessageType.HELLO_PROOF]: helloProofCodec,
} as const
