/**
 * Client ↔ queue-manager wire protocol, version 1: frame layout, message types, the encoder and
 * the payload decoder. The incremental byte-stream parser is src/wire/client-frame-parser.ts.
 * Encoding is size first, allocate once, write in place (hypercore's preencode/encode): the same
 * walk runs twice, first with no target to validate every field and count bytes, then to write.
 * Decoding validates every field; a bad one is a FrameError (QmqError FRAME_INVALID) naming it.
 *
 * A connection carries frames, little-endian throughout:
 * | off | width | field     | range                                                            |
 * |-----|-------|-----------|------------------------------------------------------------------|
 * |   0 | u32   | length    | bytes after this field: 8..MAX_CLIENT_FRAME_BYTES (4 MiB+64 KiB) |
 * |   4 | u8    | opcode    | an Opcode below; which side may send it is fixed per opcode      |
 * |   5 | u8    | flags     | 0: version 1 defines none                                        |
 * |   6 | u16   | reserved  | 0                                                                |
 * |   8 | u32   | requestId | chosen by a request's sender, echoed by the reply: 1..2^32-1     |
 * |     |       |           | 0 only on ERROR answering no request, and on GOODBYE             |
 * |  12 | ...   | payload   | length - 8 bytes, laid out per opcode as below                   |
 *
 * Payload notation: u8 u16 u32 i8 i32 little-endian; u64 = u32 low, u32 high, below 2^53;
 * text16/text32 = u16/u32 byte count then that many bytes of well-formed UTF-8 (a BOM is kept);
 * ascii16 = text16 limited to printable ASCII (0x20..0x7E), as MQ names are; id = 24 bytes;
 * id? = u8 count, 0 (absent) or 24, then the bytes; bytes16/bytes32 = u16/u32 count + bytes.
 * Fields follow each other with no padding, in the order listed. Booleans are u8 0 or 1.
 *
 * | opcode            | sent by | payload                                                      |
 * |-------------------|---------|--------------------------------------------------------------|
 * | 0x01 HELLO        | client  | magic 'QMQ1' (4 bytes), minVersion u16 1.., maxVersion u16   |
 * |                   |         | >= minVersion, queueManager ascii16 0..48 (empty: any),      |
 * |                   |         | clientName text16 0..128, heartbeatMs u32 (0: none),         |
 * |                   |         | authMechanism u8 (0 none), credentials bytes16 0..8 KiB      |
 * |                   |         | (empty for none) -> HELLO_OK or ERROR                        |
 * | 0x02 GOODBYE      | either  | reason u32 (0 normal; a server quiescing sends 2161)         |
 * | 0x03 PING         | either  | empty -> PONG                                                |
 * | 0x04 OPEN         | client  | queueName ascii16 1..48, options u8 bits: input 1, output 2, |
 * |                   |         | browse 4 -> OPEN_OK                                          |
 * | 0x05 CLOSE_HANDLE | client  | handle u32 1.. -> OK                                         |
 * | 0x06 PUT          | client  | handle u32 1.., put options, body bytes32                    |
 * |                   |         | 0..MAX_MESSAGE_BYTES -> PUT_OK                               |
 * | 0x07 GET          | client  | handle u32 1.., waitMs u32 (0xFFFFFFFF: no limit), flags u8  |
 * |                   |         | (syncpoint 1), browse u8 (0 none, 1 first, 2 next),          |
 * |                   |         | match msgId id?, match correlId id? -> MESSAGE               |
 * | 0x08 COMMIT       | client  | empty -> OK                                                  |
 * | 0x09 BACKOUT      | client  | empty -> OK                                                  |
 * | 0x0A CANCEL       | client  | targetRequestId u32 1.. -> OK, after the GET waiting under   |
 * |                   |         | that id has been answered (MESSAGE, or ERROR 2033)           |
 * | 0x0B ADMIN        | client  | command text32 1..64 KiB: MQSC, one command per line         |
 * |                   |         | -> ADMIN_RESULT                                              |
 * | 0x0C QUERY        | client  | queueName ascii16 1..48 -> QUEUE_INFO                        |
 * | 0x80 OK           | server  | empty                                                        |
 * | 0x81 HELLO_OK     | server  | version u16 1.., queueManager ascii16 1..48,                 |
 * |                   |         | heartbeatMs u32, maxMessageBytes u32 0..MAX_MESSAGE_BYTES,   |
 * |                   |         | connectionId id                                              |
 * | 0x83 PONG         | either  | empty                                                        |
 * | 0x84 OPEN_OK      | server  | handle u32 1..                                               |
 * | 0x86 PUT_OK       | server  | descriptor                                                   |
 * | 0x87 MESSAGE      | server  | descriptor, body bytes32 0..MAX_MESSAGE_BYTES                |
 * | 0x8B ADMIN_RESULT | server  | failedCount u32, lineCount u32, lines text16 0..8 KiB each,  |
 * |                   |         | at most MAX_ADMIN_RESULT_BYTES (1 MiB) with their prefixes   |
 * | 0x8C QUEUE_INFO   | server  | queue attributes, queue status                               |
 * | 0xFF ERROR        | server  | compCode u8 1..2, reason u32 1.. (MQRC), message text16      |
 * |                   |         | 0..1 KiB                                                     |
 *
 * put options: persistence u8 0..2 (Persistence), priority i8 -1..9 (-1: queue default),
 *   expiry i32 -1 or 1.. (tenths of a second), flags u8 (syncpoint 1), msgId id?, correlId id?,
 *   format ascii16 0..8, replyToQueue ascii16 0..48, replyToQueueManager ascii16 0..48.
 * descriptor: msgId id, correlId id, persistent u8, priority u8 0..9, expiry i32 -1.. (time
 *   left), backoutCount u32, putTimeMs u64, format, replyToQueue, replyToQueueManager as above.
 * queue attributes: name ascii16 1..48, description text16 0..64, maxDepth u32 0..999,999,999,
 *   maxMessageLength u32 0..MAX_MESSAGE_BYTES, flags u8 (defaultPersistent 1, putEnabled 2,
 *   getEnabled 4), defaultPriority u8 0..9, deliverySequence u8 (0 PRIORITY, 1 FIFO).
 * queue status: name ascii16 1..48, currentDepth, openInputCount, openOutputCount,
 *   uncommittedCount u32 each.
 * Format is kept exactly as sent (the journal, not the wire, drops MQ's trailing blanks).
 *
 * Conversation: the client's first frame is HELLO; the server answers HELLO_OK with the highest
 * version both sides speak, or ERROR and closes. Requests are pipelined: replies carry the
 * request's id and may come in any order, so a GET waiting for a message holds up nothing else.
 * HELLO_OK's heartbeatMs is the interval the server settled on (0: none): each side sends PING
 * after that long without sending anything and answers a PING with PONG. GOODBYE precedes an
 * orderly close; a server that quiesces sends it with its reason so clients can reconnect.
 *
 * Faults found by the parser are fatal when the header itself cannot be trusted (length out of
 * range, flags or reserved bits set): the receiver sends ERROR with `reason` if it can, then
 * closes. Any other fault leaves the frame boundaries intact: the receiver skips that frame and
 * a server answers ERROR with the fault's `reason` (an MQRC where one fits, e.g. 2050 for a bad
 * priority) under the frame's request id. Invalid values given to the encoder throw the same
 * FrameError, so a client can turn it into the MQError an application expects.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { assert } from '../assert.js'
import {
  CLIENT_FRAME_HEADER_BYTES,
  FORMAT_BYTES,
  MAX_ADMIN_COMMAND_BYTES,
  MAX_ADMIN_LINE_BYTES,
  MAX_ADMIN_RESULT_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_CLIENT_NAME_BYTES,
  MAX_CREDENTIALS_BYTES,
  MAX_DEPTH_LIMIT,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MESSAGE_ID_BYTES,
  MIN_CLIENT_PAYLOAD_LIMIT_BYTES,
  PRIORITY_LEVELS,
} from '../constants.js'
import { CompCode, ErrorCode, QmqError, Reason } from '../errors.js'
import type {
  BrowseMode,
  DeliverySequence,
  GetOptions,
  MessageDescriptor,
  OpenOptions,
  PutOptions,
  QueueAttributes,
  QueueStatus,
} from '../queue/types.js'
import { Persistence } from '../queue/types.js'

export const CLIENT_PROTOCOL_VERSION = 1
export const HELLO_MAGIC = 'QMQ1'
/** GET's waitMs meaning "wait until a message arrives" (MQWI_UNLIMITED). */
export const GET_WAIT_UNLIMITED_MS = 0xffff_ffff

/** Requests have the high bit clear; a reply is 0x80 | its request where one answers one. */
export const Opcode = {
  HELLO: 0x01,
  GOODBYE: 0x02,
  PING: 0x03,
  OPEN: 0x04,
  CLOSE_HANDLE: 0x05,
  PUT: 0x06,
  GET: 0x07,
  COMMIT: 0x08,
  BACKOUT: 0x09,
  CANCEL: 0x0a,
  ADMIN: 0x0b,
  QUERY: 0x0c,
  OK: 0x80,
  HELLO_OK: 0x81,
  PONG: 0x83,
  OPEN_OK: 0x84,
  PUT_OK: 0x86,
  MESSAGE: 0x87,
  ADMIN_RESULT: 0x8b,
  QUEUE_INFO: 0x8c,
  ERROR: 0xff,
} as const
export type Opcode = (typeof Opcode)[keyof typeof Opcode]

/** HELLO's authentication mechanism. Only "none" exists; the field keeps room for more. */
export const AuthMechanism = { NONE: 0 } as const
export type AuthMechanism = (typeof AuthMechanism)[keyof typeof AuthMechanism]

/** Which end of a connection wrote a frame. */
export type Sender = 'client' | 'server'

/** GetOptions as they travel: the AbortSignal stays with the client and becomes a CANCEL. */
export type WireGetOptions = Omit<GetOptions, 'signal'>

interface FrameBase {
  readonly requestId: number
}
export interface HelloFrame extends FrameBase {
  readonly type: typeof Opcode.HELLO
  readonly minVersion: number
  readonly maxVersion: number
  /** Empty: whichever queue manager listens on the address. */
  readonly queueManager: string
  readonly clientName: string
  readonly heartbeatMs: number
  readonly authMechanism: AuthMechanism
  readonly credentials: Uint8Array
}
export interface GoodbyeFrame extends FrameBase {
  readonly type: typeof Opcode.GOODBYE
  readonly reason: number
}
export interface PingFrame extends FrameBase {
  readonly type: typeof Opcode.PING
}
export interface OpenFrame extends FrameBase {
  readonly type: typeof Opcode.OPEN
  readonly queueName: string
  readonly options: OpenOptions
}
export interface CloseHandleFrame extends FrameBase {
  readonly type: typeof Opcode.CLOSE_HANDLE
  readonly handle: number
}
export interface PutFrame extends FrameBase {
  readonly type: typeof Opcode.PUT
  readonly handle: number
  readonly options: PutOptions
  readonly body: Uint8Array
}
export interface GetFrame extends FrameBase {
  readonly type: typeof Opcode.GET
  readonly handle: number
  readonly options: WireGetOptions
}
export interface CommitFrame extends FrameBase {
  readonly type: typeof Opcode.COMMIT
}
export interface BackoutFrame extends FrameBase {
  readonly type: typeof Opcode.BACKOUT
}
export interface CancelFrame extends FrameBase {
  readonly type: typeof Opcode.CANCEL
  readonly targetRequestId: number
}
export interface AdminFrame extends FrameBase {
  readonly type: typeof Opcode.ADMIN
  readonly command: string
}
export interface QueryFrame extends FrameBase {
  readonly type: typeof Opcode.QUERY
  readonly queueName: string
}
export interface OkFrame extends FrameBase {
  readonly type: typeof Opcode.OK
}
export interface HelloOkFrame extends FrameBase {
  readonly type: typeof Opcode.HELLO_OK
  readonly version: number
  readonly queueManager: string
  readonly heartbeatMs: number
  readonly maxMessageBytes: number
  readonly connectionId: Uint8Array
}
export interface PongFrame extends FrameBase {
  readonly type: typeof Opcode.PONG
}
export interface OpenOkFrame extends FrameBase {
  readonly type: typeof Opcode.OPEN_OK
  readonly handle: number
}
export interface PutOkFrame extends FrameBase {
  readonly type: typeof Opcode.PUT_OK
  readonly descriptor: MessageDescriptor
}
export interface MessageFrame extends FrameBase {
  readonly type: typeof Opcode.MESSAGE
  readonly descriptor: MessageDescriptor
  readonly body: Uint8Array
}
export interface AdminResultFrame extends FrameBase {
  readonly type: typeof Opcode.ADMIN_RESULT
  readonly failedCount: number
  readonly lines: readonly string[]
}
export interface QueueInfoFrame extends FrameBase {
  readonly type: typeof Opcode.QUEUE_INFO
  readonly attributes: QueueAttributes
  readonly status: QueueStatus
}
export interface ErrorFrame extends FrameBase {
  readonly type: typeof Opcode.ERROR
  readonly compCode: typeof CompCode.WARNING | typeof CompCode.FAILED
  readonly reason: number
  readonly message: string
}

export type ClientMessage =
  | HelloFrame
  | GoodbyeFrame
  | PingFrame
  | OpenFrame
  | CloseHandleFrame
  | PutFrame
  | GetFrame
  | CommitFrame
  | BackoutFrame
  | CancelFrame
  | AdminFrame
  | QueryFrame
  | OkFrame
  | HelloOkFrame
  | PongFrame
  | OpenOkFrame
  | PutOkFrame
  | MessageFrame
  | AdminResultFrame
  | QueueInfoFrame
  | ErrorFrame
export type MessageOfType<T extends Opcode> = Extract<ClientMessage, { readonly type: T }>

// ---- Errors ----

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

// ---- Field specifications: one table drives both encoder validation and decoder validation ----

const U16_MAX = 0xffff
const U32_MAX = 0xffff_ffff
const I32_MAX = 0x7fff_ffff
const TWO_POW_32 = 0x1_0000_0000
const MAX_PRIORITY = PRIORITY_LEVELS - 1

interface IntegerField {
  readonly name: string
  readonly min: number
  readonly max: number
  /** A value inside [min, max] that is still invalid (PUT expiry 0). */
  readonly excluded?: number
  readonly reason: number
}
interface FlagsField {
  readonly name: string
  readonly known: number
  readonly reason: number
}
/** Text and byte strings: a u16 or u32 byte count, then the bytes. */
interface LengthField {
  readonly name: string
  readonly prefixBytes: 2 | 4
  readonly minBytes: number
  readonly maxBytes: number
  readonly reason: number
  /** Printable ASCII only (MQ names, formats); otherwise any well-formed UTF-8. */
  readonly ascii?: boolean
}
interface IdField {
  readonly name: string
  readonly reason: number
}

const integer = (name: string, min: number, max: number, reason: number): IntegerField => ({
  name,
  min,
  max,
  reason,
})
const text16 = (name: string, maxBytes: number, reason: number, minBytes = 0): LengthField => ({
  name,
  prefixBytes: 2,
  minBytes,
  maxBytes,
  reason,
})
const ascii16 = (name: string, maxBytes: number, reason: number, minBytes = 0): LengthField => ({
  ...text16(name, maxBytes, reason, minBytes),
  ascii: true,
})
const boolean = (name: string, reason: number): IntegerField => integer(name, 0, 1, reason)
/** The most bytes the given length-prefixed fields can take together, prefixes included. */
const maxBytesOf = (...fields: LengthField[]): number =>
  fields.reduce((sum, field) => sum + field.prefixBytes + field.maxBytes, 0)
const OPTIONAL_ID_MAX_BYTES = 1 + MESSAGE_ID_BYTES

const REQUEST_ID = integer('requestId', 0, U32_MAX, Reason.UNEXPECTED_ERROR)
const HANDLE = integer('handle', 1, U32_MAX, Reason.HOBJ_ERROR)
const QUEUE_NAME = ascii16('queueName', MAX_QUEUE_NAME_BYTES, Reason.UNKNOWN_OBJECT_NAME, 1)
const OPEN_OPTIONS: FlagsField = { name: 'options', known: 0b111, reason: Reason.OPTIONS_ERROR }
const OpenBit = { INPUT: 1, OUTPUT: 2, BROWSE: 4 } as const
const SYNCPOINT_BIT = 1

const HELLO_MIN_VERSION = integer('minVersion', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_MAX_VERSION = integer('maxVersion', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_QUEUE_MANAGER = ascii16(
  'queueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.Q_MGR_NAME_ERROR,
)
const CLIENT_NAME = text16('clientName', MAX_CLIENT_NAME_BYTES, Reason.UNEXPECTED_ERROR)
const HEARTBEAT_MS = integer('heartbeatMs', 0, U32_MAX, Reason.UNEXPECTED_ERROR)
const AUTH_MECHANISM = integer('authMechanism', 0, AuthMechanism.NONE, Reason.NOT_AUTHORIZED)
const CREDENTIALS = text16('credentials', MAX_CREDENTIALS_BYTES, Reason.NOT_AUTHORIZED)
const GOODBYE_REASON = integer('reason', 0, U32_MAX, Reason.UNEXPECTED_ERROR)

const PERSISTENCE = integer('persistence', 0, Persistence.AS_QUEUE, Reason.PERSISTENCE_ERROR)
const PUT_PRIORITY = integer('priority', -1, MAX_PRIORITY, Reason.PRIORITY_ERROR)
const PUT_EXPIRY: IntegerField = {
  ...integer('expiry', -1, I32_MAX, Reason.EXPIRY_ERROR),
  excluded: 0,
}
const PUT_FLAGS: FlagsField = { name: 'flags', known: SYNCPOINT_BIT, reason: Reason.OPTIONS_ERROR }
const MSG_ID: IdField = { name: 'msgId', reason: Reason.MSG_ID_ERROR }
// MQRC_CORREL_ID_ERROR (2207) is not in the catalogue; MD_ERROR is the nearest named reason.
const CORREL_ID: IdField = { name: 'correlId', reason: Reason.MD_ERROR }
// Likewise MQRC_FORMAT_ERROR (2110).
const FORMAT = ascii16('format', FORMAT_BYTES, Reason.MD_ERROR)
const REPLY_TO_QUEUE = ascii16('replyToQueue', MAX_QUEUE_NAME_BYTES, Reason.MD_ERROR)
const REPLY_TO_QUEUE_MANAGER = ascii16(
  'replyToQueueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.MD_ERROR,
)
const BODY: LengthField = {
  name: 'body',
  prefixBytes: 4,
  minBytes: 0,
  maxBytes: MAX_MESSAGE_BYTES,
  reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
}

const WAIT_MS = integer('waitMs', 0, U32_MAX, Reason.OPTIONS_ERROR)
const GET_FLAGS: FlagsField = { name: 'flags', known: SYNCPOINT_BIT, reason: Reason.OPTIONS_ERROR }
const BROWSE_MODES = [undefined, 'first', 'next'] as const satisfies readonly (
  BrowseMode | undefined
)[]
const BROWSE = integer('browse', 0, BROWSE_MODES.length - 1, Reason.OPTIONS_ERROR)
const TARGET_REQUEST_ID = integer('targetRequestId', 1, U32_MAX, Reason.UNEXPECTED_ERROR)
const ADMIN_COMMAND: LengthField = {
  name: 'command',
  prefixBytes: 4,
  minBytes: 1,
  maxBytes: MAX_ADMIN_COMMAND_BYTES,
  reason: Reason.UNEXPECTED_ERROR,
}

const VERSION = integer('version', 1, U16_MAX, Reason.UNEXPECTED_ERROR)
const HELLO_OK_QUEUE_MANAGER = ascii16(
  'queueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.Q_MGR_NAME_ERROR,
  1,
)
const MAX_MESSAGE_LENGTH = integer('maxMessageBytes', 0, MAX_MESSAGE_BYTES, Reason.UNEXPECTED_ERROR)
const CONNECTION_ID: IdField = { name: 'connectionId', reason: Reason.UNEXPECTED_ERROR }
const COMP_CODE = integer('compCode', CompCode.WARNING, CompCode.FAILED, Reason.UNEXPECTED_ERROR)
const ERROR_REASON = integer('reason', 1, U32_MAX, Reason.UNEXPECTED_ERROR)
const ERROR_MESSAGE = text16('message', MAX_ERROR_MESSAGE_BYTES, Reason.UNEXPECTED_ERROR)

const PERSISTENT = boolean('persistent', Reason.PERSISTENCE_ERROR)
const DESCRIPTOR_PRIORITY = integer('priority', 0, MAX_PRIORITY, Reason.PRIORITY_ERROR)
const DESCRIPTOR_EXPIRY = integer('expiry', -1, I32_MAX, Reason.EXPIRY_ERROR)
const count = (name: string): IntegerField => integer(name, 0, U32_MAX, Reason.UNEXPECTED_ERROR)
const BACKOUT_COUNT = count('backoutCount')
const PUT_TIME_MS = integer('putTimeMs', 0, Number.MAX_SAFE_INTEGER, Reason.MD_ERROR)

const FAILED_COUNT = count('failedCount')
/** Every line costs at least its 2-byte prefix, which bounds the count before any array. */
const LINE_COUNT = integer('lineCount', 0, MAX_ADMIN_RESULT_BYTES / 2, Reason.UNEXPECTED_ERROR)
const ADMIN_LINE = text16('lines', MAX_ADMIN_LINE_BYTES, Reason.UNEXPECTED_ERROR)

const ATTRIBUTE_NAME = ascii16('name', MAX_QUEUE_NAME_BYTES, Reason.UNKNOWN_OBJECT_NAME, 1)
const DESCRIPTION = text16('description', MAX_QUEUE_DESCRIPTION_BYTES, Reason.UNEXPECTED_ERROR)
const MAX_DEPTH = integer('maxDepth', 0, MAX_DEPTH_LIMIT, Reason.UNEXPECTED_ERROR)
const QUEUE_MAX_MESSAGE_LENGTH = integer(
  'maxMessageLength',
  0,
  MAX_MESSAGE_BYTES,
  Reason.UNEXPECTED_ERROR,
)
const ATTRIBUTE_FLAGS: FlagsField = { name: 'flags', known: 0b111, reason: Reason.UNEXPECTED_ERROR }
const AttributeBit = { DEFAULT_PERSISTENT: 1, PUT_ENABLED: 2, GET_ENABLED: 4 } as const
const CURRENT_DEPTH = count('currentDepth')
const OPEN_INPUT_COUNT = count('openInputCount')
const OPEN_OUTPUT_COUNT = count('openOutputCount')
const UNCOMMITTED_COUNT = count('uncommittedCount')
const DEFAULT_PRIORITY = integer('defaultPriority', 0, MAX_PRIORITY, Reason.UNEXPECTED_ERROR)
const DELIVERY_SEQUENCES = ['PRIORITY', 'FIFO'] as const satisfies readonly DeliverySequence[]
const DELIVERY_SEQUENCE = integer(
  'deliverySequence',
  0,
  DELIVERY_SEQUENCES.length - 1,
  Reason.UNEXPECTED_ERROR,
)

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
// A lone UTF-16 surrogate would be written as U+FFFD: the peer would read a different string.
const LONE_SURROGATE = /\p{Cs}/u

const opcodeNames = new Map<number, string>(Object.entries(Opcode).map(([n, v]) => [v, n]))

/** 'PUT' for 0x06; the hex value for a byte that is no opcode. */
export function opcodeName(opcode: number): string {
  return opcodeNames.get(opcode) ?? `0x${opcode.toString(16).padStart(2, '0')}`
}

function isIntegerIn(field: IntegerField, value: number): boolean {
  if (!Number.isInteger(value)) return false
  if (value < field.min) return false
  if (value > field.max) return false
  return value !== field.excluded
}

function describeRange(field: IntegerField): string {
  const excluded = field.excluded === undefined ? '' : ` except ${field.excluded}`
  return `${field.min}..${field.max}${excluded}`
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 || byte > 0x7e) return false
  }
  return true
}

// ---- Writer ----

/**
 * Runs a message's field walk in one of two modes. With no target it validates each value and
 * only counts bytes, so an invalid message throws before anything is allocated or written; with
 * a target it writes, trusting the values the counting pass checked.
 */
class FrameWriter {
  /** Prefix for field names inside a nested structure, e.g. 'descriptor.'. */
  scope = ''
  constructor(
    private readonly message: ClientMessage,
    private readonly target: Buffer | undefined,
    public offset: number,
  ) {}

  get measuring(): boolean {
    return this.target === undefined
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
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt8(value, this.offset)
    this.offset += 1
  }

  i8(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeInt8(value, this.offset)
    this.offset += 1
  }

  u16(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt16LE(value, this.offset)
    this.offset += 2
  }

  u32(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeUInt32LE(value, this.offset)
    this.offset += 4
  }

  i32(field: IntegerField, value: number): void {
    if (this.target === undefined) this.check(field, value)
    else this.target.writeInt32LE(value, this.offset)
    this.offset += 4
  }

  u64(field: IntegerField, value: number): void {
    if (this.target === undefined) {
      this.check(field, value)
    } else {
      this.target.writeUInt32LE(value % TWO_POW_32, this.offset)
      this.target.writeUInt32LE(Math.floor(value / TWO_POW_32), this.offset + 4)
    }
    this.offset += 8
  }

  boolean(field: IntegerField, value: boolean): void {
    this.u8(field, value ? 1 : 0)
  }

  /** Bits built by the codec from booleans, so they are known bits by construction. */
  flags(field: FlagsField, bits: number): void {
    assert((bits & ~field.known) === 0, `${field.name}: only known bits are built`)
    this.target?.writeUInt8(bits, this.offset)
    this.offset += 1
  }

  magic(): void {
    this.target?.write(HELLO_MAGIC, this.offset, 'latin1')
    this.offset += HELLO_MAGIC.length
  }

  text(field: LengthField, value: string): void {
    if (this.target === undefined) {
      this.offset += field.prefixBytes + this.checkText(field, value)
      return
    }
    const written =
      value.length === 0 ? 0 : this.target.write(value, this.offset + field.prefixBytes, 'utf8')
    this.writeLength(field, written)
    this.offset += written
  }

  bytes(field: LengthField, value: Uint8Array): void {
    if (this.target === undefined) {
      this.checkLength(field, value.length)
      this.offset += field.prefixBytes
    } else {
      this.writeLength(field, value.length)
      this.target.set(value, this.offset)
    }
    this.offset += value.length
  }

  fixedId(field: IdField, value: Uint8Array): void {
    if (this.target === undefined) this.checkId(field, value)
    else this.target.set(value, this.offset)
    this.offset += MESSAGE_ID_BYTES
  }

  optionalId(field: IdField, value: Uint8Array | undefined): void {
    if (value === undefined) {
      this.target?.writeUInt8(0, this.offset)
      this.offset += 1
      return
    }
    if (this.target === undefined) this.checkId(field, value)
    else this.target.writeUInt8(MESSAGE_ID_BYTES, this.offset)
    this.offset += 1
    this.fixedId(field, value)
  }

  private writeLength(field: LengthField, byteCount: number): void {
    assert(this.target !== undefined, 'lengths are written in the writing pass')
    if (field.prefixBytes === 2) this.target.writeUInt16LE(byteCount, this.offset)
    else this.target.writeUInt32LE(byteCount, this.offset)
    this.offset += field.prefixBytes
  }

  private checkLength(field: LengthField, byteCount: number): void {
    if (byteCount >= field.minBytes && byteCount <= field.maxBytes) return
    const detail = `is ${byteCount} bytes, expected ${field.minBytes}..${field.maxBytes}`
    this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  private checkText(field: LengthField, value: string): number {
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

// ---- Reader ----

/**
 * Reads one complete payload. Every length is checked against its field's limit before the
 * bytes it claims are looked at, and against what is left before anything is built from it.
 */
class PayloadReader {
  scope = ''
  private offset = 0
  constructor(
    private readonly payload: Buffer,
    readonly opcode: Opcode,
    readonly requestId: number,
  ) {}

  get remainingBytes(): number {
    return this.payload.length - this.offset
  }

  fail(fault: FrameFault, name: string, reason: number, detail: string): never {
    const field = `${opcodeName(this.opcode)}.${this.scope}${name}`
    throw new FrameError(fault, field, reason, this.requestId, false, detail)
  }

  /** Claims `byteCount` bytes and returns where they start. */
  private claim(byteCount: number, name: string): number {
    const start = this.offset
    if (this.payload.length - start < byteCount) {
      const detail = `needs ${byteCount} bytes, ${this.payload.length - start} left in the frame`
      this.fail(FrameFault.TRUNCATED, name, Reason.UNEXPECTED_ERROR, detail)
    }
    this.offset = start + byteCount
    return start
  }

  private checked(field: IntegerField, value: number): number {
    if (isIntegerIn(field, value)) return value
    const detail = `is ${value}, expected ${describeRange(field)}`
    return this.fail(FrameFault.VALUE_OUT_OF_RANGE, field.name, field.reason, detail)
  }

  u8(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt8(this.claim(1, field.name)))
  }

  i8(field: IntegerField): number {
    return this.checked(field, this.payload.readInt8(this.claim(1, field.name)))
  }

  u16(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt16LE(this.claim(2, field.name)))
  }

  u32(field: IntegerField): number {
    return this.checked(field, this.payload.readUInt32LE(this.claim(4, field.name)))
  }

  i32(field: IntegerField): number {
    return this.checked(field, this.payload.readInt32LE(this.claim(4, field.name)))
  }

  /** High words above 2^21 make a value past 2^53: inexact, but then above any field's max. */
  u64(field: IntegerField): number {
    const at = this.claim(8, field.name)
    const low = this.payload.readUInt32LE(at)
    const high = this.payload.readUInt32LE(at + 4)
    return this.checked(field, high * TWO_POW_32 + low)
  }

  boolean(field: IntegerField): boolean {
    return this.u8(field) === 1
  }

  flags(field: FlagsField): number {
    const bits = this.payload.readUInt8(this.claim(1, field.name))
    if ((bits & ~field.known) === 0) return bits
    const detail = `has unknown bits 0x${(bits & ~field.known).toString(16)}`
    return this.fail(FrameFault.UNKNOWN_FLAGS, field.name, field.reason, detail)
  }

  magic(): void {
    const at = this.claim(HELLO_MAGIC.length, 'magic')
    const found = this.payload.toString('latin1', at, at + HELLO_MAGIC.length)
    if (found === HELLO_MAGIC) return
    const detail = `is ${JSON.stringify(found)}, expected '${HELLO_MAGIC}'`
    this.fail(FrameFault.BAD_MAGIC, 'magic', Reason.UNEXPECTED_ERROR, detail)
  }

  text(field: LengthField): string {
    const view = this.lengthPrefixed(field)
    if (field.ascii === true) {
      if (!isPrintableAscii(view)) {
        this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'is not printable ASCII')
      }
      return view.toString('latin1')
    }
    // isUtf8 is strict (no overlongs, no surrogates) and, unlike a TextDecoder, keeps a BOM.
    if (!isUtf8(view)) {
      this.fail(FrameFault.INVALID_TEXT, field.name, field.reason, 'is not well-formed UTF-8')
    }
    return view.toString('utf8')
  }

  /** A copy: small values outlive the frame, and must not pin the socket chunk they came in. */
  bytesCopy(field: LengthField): Uint8Array {
    return new Uint8Array(this.lengthPrefixed(field))
  }

  /** A view, no copy: the body is the one field worth not copying. */
  bytesView(field: LengthField): Buffer {
    return this.lengthPrefixed(field)
  }

  fixedId(field: IdField): Uint8Array {
    const at = this.claim(MESSAGE_ID_BYTES, field.name)
    return new Uint8Array(this.payload.subarray(at, at + MESSAGE_ID_BYTES))
  }

  optionalId(field: IdField): Uint8Array | undefined {
    const byteCount = this.payload.readUInt8(this.claim(1, field.name))
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

  private lengthPrefixed(field: LengthField): Buffer {
    const at = this.claim(field.prefixBytes, field.name)
    const byteCount =
      field.prefixBytes === 2 ? this.payload.readUInt16LE(at) : this.payload.readUInt32LE(at)
    if (byteCount < field.minBytes || byteCount > field.maxBytes) {
      const detail = `is ${byteCount} bytes, expected ${field.minBytes}..${field.maxBytes}`
      this.fail(FrameFault.LENGTH_OUT_OF_RANGE, field.name, field.reason, detail)
    }
    const start = this.claim(byteCount, field.name)
    return this.payload.subarray(start, start + byteCount)
  }
}

// ---- Structures shared by several messages ----

/** persistence u8, priority i8, expiry i32, flags u8; then two id? and three ascii16. */
const PUT_OPTIONS_MAX_BYTES =
  7 + 2 * OPTIONAL_ID_MAX_BYTES + maxBytesOf(FORMAT, REPLY_TO_QUEUE, REPLY_TO_QUEUE_MANAGER)

function writePutOptions(writer: FrameWriter, options: PutOptions): void {
  writer.u8(PERSISTENCE, options.persistence ?? Persistence.AS_QUEUE)
  writer.i8(PUT_PRIORITY, options.priority ?? -1)
  writer.i32(PUT_EXPIRY, options.expiry ?? -1)
  writer.flags(PUT_FLAGS, options.syncpoint === true ? SYNCPOINT_BIT : 0)
  writer.optionalId(MSG_ID, options.msgId)
  writer.optionalId(CORREL_ID, options.correlId)
  writer.text(FORMAT, options.format ?? '')
  writer.text(REPLY_TO_QUEUE, options.replyToQueue ?? '')
  writer.text(REPLY_TO_QUEUE_MANAGER, options.replyToQueueManager ?? '')
}

/** Every option is present after decoding: absent ones arrive as their documented defaults. */
function readPutOptions(reader: PayloadReader): PutOptions {
  const persistence = reader.u8(PERSISTENCE) as Persistence
  const priority = reader.i8(PUT_PRIORITY)
  const expiry = reader.i32(PUT_EXPIRY)
  const syncpoint = (reader.flags(PUT_FLAGS) & SYNCPOINT_BIT) !== 0
  const msgId = reader.optionalId(MSG_ID)
  const correlId = reader.optionalId(CORREL_ID)
  const format = reader.text(FORMAT)
  const replyToQueue = reader.text(REPLY_TO_QUEUE)
  const replyToQueueManager = reader.text(REPLY_TO_QUEUE_MANAGER)
  return {
    persistence,
    priority,
    expiry,
    msgId,
    correlId,
    syncpoint,
    format,
    replyToQueue,
    replyToQueueManager,
  }
}

/** Two ids; persistent, priority u8; expiry i32, backoutCount u32, putTimeMs u64; texts. */
const DESCRIPTOR_MAX_BYTES =
  2 * MESSAGE_ID_BYTES + 18 + maxBytesOf(FORMAT, REPLY_TO_QUEUE, REPLY_TO_QUEUE_MANAGER)

function writeDescriptor(writer: FrameWriter, descriptor: MessageDescriptor): void {
  writer.scope = 'descriptor.'
  writer.fixedId(MSG_ID, descriptor.msgId)
  writer.fixedId(CORREL_ID, descriptor.correlId)
  writer.boolean(PERSISTENT, descriptor.persistent)
  writer.u8(DESCRIPTOR_PRIORITY, descriptor.priority)
  writer.i32(DESCRIPTOR_EXPIRY, descriptor.expiry)
  writer.u32(BACKOUT_COUNT, descriptor.backoutCount)
  writer.u64(PUT_TIME_MS, descriptor.putTimeMs)
  writer.text(FORMAT, descriptor.format)
  writer.text(REPLY_TO_QUEUE, descriptor.replyToQueue)
  writer.text(REPLY_TO_QUEUE_MANAGER, descriptor.replyToQueueManager)
  writer.scope = ''
}

function readDescriptor(reader: PayloadReader): MessageDescriptor {
  reader.scope = 'descriptor.'
  const msgId = reader.fixedId(MSG_ID)
  const correlId = reader.fixedId(CORREL_ID)
  const persistent = reader.boolean(PERSISTENT)
  const priority = reader.u8(DESCRIPTOR_PRIORITY)
  const expiry = reader.i32(DESCRIPTOR_EXPIRY)
  const backoutCount = reader.u32(BACKOUT_COUNT)
  const putTimeMs = reader.u64(PUT_TIME_MS)
  const format = reader.text(FORMAT)
  const replyToQueue = reader.text(REPLY_TO_QUEUE)
  const replyToQueueManager = reader.text(REPLY_TO_QUEUE_MANAGER)
  reader.scope = ''
  return {
    msgId,
    correlId,
    persistent,
    priority,
    expiry,
    backoutCount,
    putTimeMs,
    format,
    replyToQueue,
    replyToQueueManager,
  }
}

/** Attributes: two texts, two u32, three u8; status: a text and four u32. */
const QUEUE_INFO_MAX_BYTES = maxBytesOf(ATTRIBUTE_NAME, DESCRIPTION, ATTRIBUTE_NAME) + 11 + 16

function writeQueueInfo(writer: FrameWriter, message: QueueInfoFrame): void {
  const { attributes, status } = message
  writer.scope = 'attributes.'
  writer.text(ATTRIBUTE_NAME, attributes.name)
  writer.text(DESCRIPTION, attributes.description)
  writer.u32(MAX_DEPTH, attributes.maxDepth)
  writer.u32(QUEUE_MAX_MESSAGE_LENGTH, attributes.maxMessageLength)
  const flags =
    (attributes.defaultPersistent ? AttributeBit.DEFAULT_PERSISTENT : 0) |
    (attributes.putEnabled ? AttributeBit.PUT_ENABLED : 0) |
    (attributes.getEnabled ? AttributeBit.GET_ENABLED : 0)
  writer.flags(ATTRIBUTE_FLAGS, flags)
  writer.u8(DEFAULT_PRIORITY, attributes.defaultPriority)
  writer.u8(DELIVERY_SEQUENCE, DELIVERY_SEQUENCES.indexOf(attributes.deliverySequence))
  writer.scope = 'status.'
  writer.text(ATTRIBUTE_NAME, status.name)
  writer.u32(CURRENT_DEPTH, status.currentDepth)
  writer.u32(OPEN_INPUT_COUNT, status.openInputCount)
  writer.u32(OPEN_OUTPUT_COUNT, status.openOutputCount)
  writer.u32(UNCOMMITTED_COUNT, status.uncommittedCount)
  writer.scope = ''
}

function readQueueInfo(reader: PayloadReader): QueueInfoFrame {
  reader.scope = 'attributes.'
  const name = reader.text(ATTRIBUTE_NAME)
  const description = reader.text(DESCRIPTION)
  const maxDepth = reader.u32(MAX_DEPTH)
  const maxMessageLength = reader.u32(QUEUE_MAX_MESSAGE_LENGTH)
  const flags = reader.flags(ATTRIBUTE_FLAGS)
  const defaultPriority = reader.u8(DEFAULT_PRIORITY)
  const deliverySequence = DELIVERY_SEQUENCES[reader.u8(DELIVERY_SEQUENCE)]
  assert(deliverySequence !== undefined, 'range checked against the table')
  const attributes: QueueAttributes = {
    name,
    description,
    maxDepth,
    maxMessageLength,
    defaultPersistent: (flags & AttributeBit.DEFAULT_PERSISTENT) !== 0,
    defaultPriority,
    putEnabled: (flags & AttributeBit.PUT_ENABLED) !== 0,
    getEnabled: (flags & AttributeBit.GET_ENABLED) !== 0,
    deliverySequence,
  }
  reader.scope = 'status.'
  const status: QueueStatus = {
    name: reader.text(ATTRIBUTE_NAME),
    currentDepth: reader.u32(CURRENT_DEPTH),
    openInputCount: reader.u32(OPEN_INPUT_COUNT),
    openOutputCount: reader.u32(OPEN_OUTPUT_COUNT),
    uncommittedCount: reader.u32(UNCOMMITTED_COUNT),
  }
  reader.scope = ''
  return { type: Opcode.QUEUE_INFO, requestId: reader.requestId, attributes, status }
}

// ---- Messages with more than one or two fields ----

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

function writeGet(writer: FrameWriter, message: GetFrame): void {
  const { options } = message
  writer.u32(HANDLE, message.handle)
  writer.u32(WAIT_MS, options.waitMs ?? 0)
  writer.flags(GET_FLAGS, options.syncpoint === true ? SYNCPOINT_BIT : 0)
  writer.u8(BROWSE, BROWSE_MODES.indexOf(options.browse))
  writer.optionalId(MSG_ID, options.msgId)
  writer.optionalId(CORREL_ID, options.correlId)
}

function readGet(reader: PayloadReader): GetFrame {
  const handle = reader.u32(HANDLE)
  const waitMs = reader.u32(WAIT_MS)
  const syncpoint = (reader.flags(GET_FLAGS) & SYNCPOINT_BIT) !== 0
  const browse = BROWSE_MODES[reader.u8(BROWSE)]
  const msgId = reader.optionalId(MSG_ID)
  const correlId = reader.optionalId(CORREL_ID)
  const options: WireGetOptions = { waitMs, syncpoint, browse, msgId, correlId }
  return { type: Opcode.GET, requestId: reader.requestId, handle, options }
}

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

// ---- The codec table ----

interface PayloadCodec<M extends ClientMessage> {
  readonly sender: Sender | 'either'
  /** Whether the frame may carry request id 0, reserved for "answers no request". */
  readonly requestIdZeroAllowed: boolean
  /** The exact largest payload the fields can take; the parser caps frames by it. */
  readonly maxPayloadBytes: number
  /** What a server answers when a frame of this opcode is longer than its fields can be. */
  readonly oversizeReason: number
  write(writer: FrameWriter, message: M): void
  read(reader: PayloadReader): M
}
type AnyCodec = PayloadCodec<ClientMessage>

function emptyCodec<M extends ClientMessage>(
  type: M['type'],
  sender: Sender | 'either',
): PayloadCodec<M> {
  return {
    sender,
    requestIdZeroAllowed: false,
    maxPayloadBytes: 0,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: () => {},
    read: (reader) => ({ type, requestId: reader.requestId }) as M,
  }
}

/** For messages whose payload is one u32 (handles and request ids). */
function oneWordCodec<M extends ClientMessage>(
  sender: Sender | 'either',
  field: IntegerField,
  get: (message: M) => number,
  make: (requestId: number, value: number) => M,
  requestIdZeroAllowed = false,
): PayloadCodec<M> {
  return {
    sender,
    requestIdZeroAllowed,
    maxPayloadBytes: 4,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: (writer, message) => writer.u32(field, get(message)),
    read: (reader) => make(reader.requestId, reader.u32(field)),
  }
}

const codecs: { readonly [K in Opcode]: PayloadCodec<MessageOfType<K>> } = {
  [Opcode.HELLO]: {
    sender: 'client',
    requestIdZeroAllowed: false,
    // magic, two u16 versions, heartbeatMs u32, authMechanism u8, then three length-prefixed.
    maxPayloadBytes:
      HELLO_MAGIC.length + 9 + maxBytesOf(HELLO_QUEUE_MANAGER, CLIENT_NAME, CREDENTIALS),
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: writeHello,
    read: readHello,
  },
  [Opcode.GOODBYE]: oneWordCodec<GoodbyeFrame>(
    'either',
    GOODBYE_REASON,
    (message) => message.reason,
    (requestId, reason) => ({ type: Opcode.GOODBYE, requestId, reason }),
    true,
  ),
  [Opcode.PING]: emptyCodec<PingFrame>(Opcode.PING, 'either'),
  [Opcode.OPEN]: {
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
  },
  [Opcode.CLOSE_HANDLE]: oneWordCodec<CloseHandleFrame>(
    'client',
    HANDLE,
    (message) => message.handle,
    (requestId, handle) => ({ type: Opcode.CLOSE_HANDLE, requestId, handle }),
  ),
  [Opcode.PUT]: {
    sender: 'client',
    requestIdZeroAllowed: false,
    maxPayloadBytes: 4 + PUT_OPTIONS_MAX_BYTES + maxBytesOf(BODY),
    oversizeReason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
    write: (writer, message) => {
      writer.u32(HANDLE, message.handle)
      writePutOptions(writer, message.options)
      writer.bytes(BODY, message.body)
    },
    read: (reader) => {
      const handle = reader.u32(HANDLE)
      const options = readPutOptions(reader)
      const body = reader.bytesView(BODY)
      return { type: Opcode.PUT, requestId: reader.requestId, handle, options, body }
    },
  },
  [Opcode.GET]: {
    sender: 'client',
    requestIdZeroAllowed: false,
    maxPayloadBytes: 4 + 4 + 1 + 1 + 2 * OPTIONAL_ID_MAX_BYTES,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: writeGet,
    read: readGet,
  },
  [Opcode.COMMIT]: emptyCodec<CommitFrame>(Opcode.COMMIT, 'client'),
  [Opcode.BACKOUT]: emptyCodec<BackoutFrame>(Opcode.BACKOUT, 'client'),
  [Opcode.CANCEL]: oneWordCodec<CancelFrame>(
    'client',
    TARGET_REQUEST_ID,
    (message) => message.targetRequestId,
    (requestId, targetRequestId) => ({ type: Opcode.CANCEL, requestId, targetRequestId }),
  ),
  [Opcode.ADMIN]: {
    sender: 'client',
    requestIdZeroAllowed: false,
    maxPayloadBytes: maxBytesOf(ADMIN_COMMAND),
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: (writer, message) => writer.text(ADMIN_COMMAND, message.command),
    read: (reader) => {
      const command = reader.text(ADMIN_COMMAND)
      return { type: Opcode.ADMIN, requestId: reader.requestId, command }
    },
  },
  [Opcode.QUERY]: {
    sender: 'client',
    requestIdZeroAllowed: false,
    maxPayloadBytes: maxBytesOf(QUEUE_NAME),
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: (writer, message) => writer.text(QUEUE_NAME, message.queueName),
    read: (reader) => {
      const queueName = reader.text(QUEUE_NAME)
      return { type: Opcode.QUERY, requestId: reader.requestId, queueName }
    },
  },
  [Opcode.OK]: emptyCodec<OkFrame>(Opcode.OK, 'server'),
  [Opcode.HELLO_OK]: {
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
  },
  [Opcode.PONG]: emptyCodec<PongFrame>(Opcode.PONG, 'either'),
  [Opcode.OPEN_OK]: oneWordCodec<OpenOkFrame>(
    'server',
    HANDLE,
    (message) => message.handle,
    (requestId, handle) => ({ type: Opcode.OPEN_OK, requestId, handle }),
  ),
  [Opcode.PUT_OK]: {
    sender: 'server',
    requestIdZeroAllowed: false,
    maxPayloadBytes: DESCRIPTOR_MAX_BYTES,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: (writer, message) => writeDescriptor(writer, message.descriptor),
    read: (reader) => {
      const descriptor = readDescriptor(reader)
      return { type: Opcode.PUT_OK, requestId: reader.requestId, descriptor }
    },
  },
  [Opcode.MESSAGE]: {
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
  },
  [Opcode.ADMIN_RESULT]: {
    sender: 'server',
    requestIdZeroAllowed: false,
    maxPayloadBytes: 4 + 4 + MAX_ADMIN_RESULT_BYTES,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: writeAdminResult,
    read: readAdminResult,
  },
  [Opcode.QUEUE_INFO]: {
    sender: 'server',
    requestIdZeroAllowed: false,
    maxPayloadBytes: QUEUE_INFO_MAX_BYTES,
    oversizeReason: Reason.UNEXPECTED_ERROR,
    write: writeQueueInfo,
    read: readQueueInfo,
  },
  [Opcode.ERROR]: {
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
  },
}

// Indexed by opcode byte. The cast is the one place the table's per-opcode typing is given up:
// TypeScript cannot follow that codecs[m.type] and m belong together (a correlated union).
const codecByOpcode: readonly (AnyCodec | undefined)[] = (() => {
  const table = new Array<AnyCodec | undefined>(256).fill(undefined)
  for (const opcode of Object.values(Opcode)) {
    table[opcode] = codecs[opcode] as unknown as AnyCodec
  }
  return table
})()

for (const opcode of Object.values(Opcode)) {
  const limit = codecs[opcode].maxPayloadBytes
  assert(CLIENT_FRAME_HEADER_BYTES - 4 + limit <= MAX_CLIENT_FRAME_BYTES, 'payload fits a frame')
}

function codecFor(opcode: number): AnyCodec {
  const codec = codecByOpcode[opcode]
  assert(codec !== undefined, `no codec for opcode ${opcodeName(opcode)}`)
  return codec
}

/** The largest payload the opcode's fields can take (exact; tests hold it to that). */
export function maxPayloadBytesOf(opcode: Opcode): number {
  return codecFor(opcode).maxPayloadBytes
}

/** The highest version in both [min, max] ranges, or undefined when they do not overlap. */
export function chooseVersion(
  hello: HelloFrame,
  ownMin: number,
  ownMax: number,
): number | undefined {
  const highest = Math.min(hello.maxVersion, ownMax)
  return highest >= Math.max(hello.minVersion, ownMin) ? highest : undefined
}

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
  const writer = new FrameWriter(message, undefined, 0)
  codec.write(writer, message)
  assert(writer.offset <= codec.maxPayloadBytes, 'a valid payload fits its opcode limit')
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
  target.writeUInt32LE(size - 4, offset)
  target.writeUInt8(message.type, offset + 4)
  target.writeUInt8(0, offset + 5)
  target.writeUInt16LE(0, offset + 6)
  target.writeUInt32LE(message.requestId, offset + 8)
  const writer = new FrameWriter(message, target, offset + CLIENT_FRAME_HEADER_BYTES)
  codecFor(message.type).write(writer, message)
  assert(writer.offset === offset + size, 'the writing pass writes what the counting pass counted')
  return writer.offset
}

/** One frame in a buffer of exactly its size. Throws FrameError, naming the field, if invalid. */
export function encodeFrame(message: ClientMessage): Buffer {
  const size = measureFrame(message)
  // Every byte is written below (header, fields, no padding), so unzeroed memory is safe.
  const buffer = Buffer.allocUnsafe(size)
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
  return {
    length: source.readUInt32LE(at),
    opcode: source.readUInt8(at + 4),
    flags: source.readUInt8(at + 5),
    reserved: source.readUInt16LE(at + 6),
    requestId: source.readUInt32LE(at + 8),
  }
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
  if (header.flags !== 0) return fatal(FrameFault.RESERVED_NOT_ZERO, 'flags', 'must be 0')
  if (header.reserved !== 0) return fatal(FrameFault.RESERVED_NOT_ZERO, 'reserved', 'must be 0')
  const codec = codecByOpcode[header.opcode]
  const name = opcodeName(header.opcode)
  if (codec === undefined) {
    return skip(FrameFault.UNKNOWN_OPCODE, 'opcode', Reason.UNEXPECTED_ERROR, `${name} is unknown`)
  }
  if (codec.sender !== 'either' && codec.sender !== from) {
    const detail = `${name} is sent by the ${codec.sender}, not the ${from}`
    return skip(FrameFault.WRONG_SENDER, 'opcode', Reason.UNEXPECTED_ERROR, detail)
  }
  const limit = Math.max(codec.maxPayloadBytes, MIN_CLIENT_PAYLOAD_LIMIT_BYTES)
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
  const reader = new PayloadReader(payload, header.opcode as Opcode, header.requestId)
  try {
    const message = codec.read(reader)
    reader.finish()
    return message
  } catch (error) {
    if (error instanceof FrameError) return error
    throw error
  }
}
