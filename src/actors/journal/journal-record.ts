/**
 * Journal record wire format, version 2: how each JournalRecord (src/journal/record-types.ts) is
 * laid out in the log. Size first, allocate once, write in place (hypercore's
 * preencode/encode/decode): encodedRecordLength, then encodeRecord into the caller's buffer (often
 * the SharedArrayBuffer ring), then finalizeRecord in the journal worker once the batch is known.
 * Reading is readRecordHeader (classifies, never throws) then decodeRecord (validates every field,
 * throws QmqError RECORD_INVALID naming the field).
 *
 * All integers are little-endian. A record is a 40-byte header, the payload, then zero padding to
 * a multiple of 8, so every header starts 8-aligned in the log.
 *
 * Header (offsets from the start of the record; the layout and its byte access live in
 * record-header.ts, shared with the segment writer and the journal loop):
 * | offset | width | field         | meaning and range                                         |
 * |--------|-------|---------------|-----------------------------------------------------------|
 * |      0 | u32   | checksum      | CRC32C of bytes [4, length), padding included             |
 * |      4 | u32   | length        | total bytes with header and padding; a multiple of 8;     |
 * |        |       |               | 40..MAX_RECORD_BYTES; 0 only in space never written       |
 * |      8 | u64   | lsn           | the record's byte position in the log: lsn-typed (below)  |
 * |     16 | u64   | batchLsn      | LSN of the first record of its group-commit batch; <= lsn |
 * |     24 | u32   | epoch         | epoch of the writer, any u32                              |
 * |     28 | u8    | type          | RecordType: 1..11                                         |
 * |     29 | u8    | version       | the layout of this record's payload: 1, or 2 (below)      |
 * |     30 | u16   | reserved      | 0                                                         |
 * |     32 | u32   | payloadLength | payload bytes; length = align8(40 + payloadLength)        |
 * |     36 | u32   | reserved      | 0                                                         |
 *
 * The checksum covers the LSN, so stale records in a recycled segment carry a valid checksum
 * but the wrong LSN: readRecordHeader reports them as 'lsn', never as a record of this log.
 * "lsn-typed" below means: a u64, a multiple of 8, below 2^53.
 *
 * Payload offsets are from the start of the payload (record offset + 40).
 *
 * Versions: format version 2 (RECORD_FORMAT_VERSION) changed QUEUE_DEFINE and added QMGR_ALTER;
 * those two are written as version 2, every other type still as version 1 (its layout did not
 * change, so its bytes and golden vectors did not either). A reader accepts version 1 of every
 * type (a log written before the change still replays: a version-1 QUEUE_DEFINE decodes with
 * BOTHRESH 0 and no BOQNAME) and version 2 of QUEUE_DEFINE and QMGR_ALTER; anything else is
 * 'version'.
 *
 * QUEUE_DEFINE version 2 (payloadLength = 4 + the attribute block; also written for ALTER and
 * for QALIAS, replay upserts by queueId):
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | ...   | attributes             | queue-attributes-codec.ts (20 + names)  |
 *
 * QMGR_ALTER version 2 (payloadLength = 8 + q + d):
 * |      0 | u8    | q: DEADQ length        | 0..48                                   |
 * |      1 | u8    | d: description length  | 0..64                                   |
 * |      2 | 6     | reserved               | 0                                       |
 * |      8 | q     | deadLetterQueue        | an MQ object name or empty              |
 * |    8+q | d     | description            | well-formed UTF-8                       |
 *
 * QUEUE_DEFINE version 1 (read only; payloadLength = 20 + n + d):
 * | offset | width | field                  | range                                   |
 * |--------|-------|------------------------|-----------------------------------------|
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | u32   | maxDepth               | 0..MAX_DEPTH_LIMIT (999,999,999)        |
 * |      8 | u32   | maxMessageLength       | 0..MAX_MESSAGE_BYTES                    |
 * |     12 | u8    | defaultPersistent      | 0 or 1                                  |
 * |     13 | u8    | defaultPriority        | 0..9                                    |
 * |     14 | u8    | putEnabled             | 0 or 1                                  |
 * |     15 | u8    | getEnabled             | 0 or 1                                  |
 * |     16 | u8    | deliverySequence       | 0 PRIORITY, 1 FIFO                      |
 * |     17 | u8    | n: name length         | 1..MAX_QUEUE_NAME_BYTES (48)            |
 * |     18 | u8    | d: description length  | 0..MAX_QUEUE_DESCRIPTION_BYTES (64)     |
 * |     19 | u8    | reserved               | 0                                       |
 * |     20 | n     | name                   | printable ASCII (0x20..0x7E)            |
 * |   20+n | d     | description            | well-formed UTF-8                       |
 *
 * QUEUE_DELETE, QUEUE_CLEAR (payloadLength = 4):
 * |      0 | u32   | queueId                | any u32                                 |
 *
 * MESSAGE_PUT (payloadLength = b - 40 + bodyLength, where b = align8(132 + q + m) is the body's
 * offset in the record). Fixed fields first, so b follows from payload bytes 34 and 35 alone and a
 * reader returns the body as a view with no copy. The body starts 8-aligned in the record, hence
 * in the ring and in the log: V8 copies into a SharedArrayBuffer word by word only when source
 * and target are co-aligned, and byte by byte otherwise (1 KiB: ~70 ns against ~350 ns).
 * | offset | width | field                  | range                                   |
 * |--------|-------|------------------------|-----------------------------------------|
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | u32   | backoutCount           | any u32                                 |
 * |      8 | u64   | uowId                  | 0 (none) or lsn-typed, <= lsn           |
 * |     16 | f64   | putTimeMs              | finite, >= 0 (ms since the Unix epoch)  |
 * |     24 | i32   | expiry                 | -1 (unlimited) or 1..2^31-1 (0.1 s)     |
 * |     28 | u32   | bodyLength             | 0..MAX_MESSAGE_BYTES                    |
 * |     32 | u8    | persistent             | 0 or 1                                  |
 * |     33 | u8    | priority               | 0..9                                    |
 * |     34 | u8    | q: replyToQueue length | 0..MAX_QUEUE_NAME_BYTES (48)            |
 * |     35 | u8    | m: manager name length | 0..MAX_QUEUE_MANAGER_NAME_BYTES (48)    |
 * |     36 | 8     | format                 | printable ASCII, blank-padded           |
 * |     44 | 24    | msgId                  | any bytes                               |
 * |     68 | 24    | correlId               | any bytes                               |
 * |     92 | q     | replyToQueue           | printable ASCII                         |
 * |   92+q | m     | replyToQueueManager    | printable ASCII                         |
 * | 92+q+m | 0..7  | alignment              | zero, up to record offset b             |
 * |   b-40 | body  | body                   | bodyLength bytes, any                   |
 * Format is MQ's blank-padded MQFMT: 'MQSTR' and 'MQSTR   ' are the same format and both decode
 * as 'MQSTR' (trailing spaces are not significant, so they are not kept).
 *
 * MESSAGE_GET (payloadLength = 24):
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | u32   | reserved               | 0                                       |
 * |      8 | u64   | uowId                  | 0 (none) or lsn-typed, <= lsn           |
 * |     16 | u64   | putLsn                 | lsn-typed, < lsn                        |
 *
 * UOW_COMMIT, UOW_BACKOUT (payloadLength = 8):
 * |      0 | u64   | uowId                  | 0 (none) or lsn-typed, <= lsn           |
 *
 * SEGMENT_SEAL (payloadLength = 8):
 * |      0 | u64   | nextLsn                | lsn-typed, >= lsn + length              |
 *
 * MESSAGE_MOVE (copy-forward compaction): the MESSAGE_PUT layout exactly, body view and all, except
 * that the u64 at payload offset 8 is not a uowId (a moved message is always committed) but
 * |      8 | u64   | fromPutLsn             | lsn-typed, < lsn                        |
 * the LSN the message was known by before this record.
 *
 * EPOCH_START (payloadLength = 8):
 * |      0 | u32   | previousEpoch          | u32, below the header's epoch           |
 * |      4 | u32   | reserved               | 0                                       |
 *
 * Invalid input to encodeRecord is a programmer error (the engine validates what applications
 * send before it makes a record) and fails an assertion. Invalid bytes given to the readers are
 * an operating error (disk corruption, a torn write, a bug in another version) and are reported.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { assert, unreachable } from '../../assert.js'
import {
  FORMAT_BYTES,
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_OVERHEAD_BYTES,
  MESSAGE_ID_BYTES,
  PRIORITY_LEVELS,
  RECORD_ALIGNMENT_BYTES,
  RECORD_HEADER_BYTES,
} from '../../constants.js'
import { ErrorCode, QmqError } from '../../errors.js'
import type {
  JournalRecord,
  MessageGetRecord,
  MessageMoveRecord,
  MessagePutRecord,
  QueueDefineRecord,
  RecordHeader,
  StoredDescriptor,
} from './record-types.js'
import { RecordType } from './record-types.js'
import type { QueueAttributes, QueueManagerAlterRecord } from './record-types.js'
import {
  decodeQueueAttributes as decodeAttributeBlock,
  encodeQueueAttributes,
  queueAttributesBytes,
} from './queue-attributes-codec.js'
import {
  HeaderOffset,
  computeChecksum,
  readSafeUint64,
  readUint32,
  recordLength,
  sealRecordHeader,
  writeRecordHeader,
  writeUint32,
  writeUint64,
} from './record-header.js'

export { RECORD_FORMAT_VERSION } from './record-header.js'

/** The version a record of `type` is written with: 2 where the layout changed, else 1. */
export function recordVersionOf(type: RecordType): number {
  return type === RecordType.QUEUE_DEFINE || type === RecordType.QMGR_ALTER ? 2 : 1
}

const KNOWN_RECORD_TYPES: ReadonlySet<number> = new Set(Object.values(RecordType))

const DefineOffset = {
  QUEUE_ID: 0,
  MAX_DEPTH: 4,
  MAX_MESSAGE_LENGTH: 8,
  DEFAULT_PERSISTENT: 12,
  DEFAULT_PRIORITY: 13,
  PUT_ENABLED: 14,
  GET_ENABLED: 15,
  DELIVERY_SEQUENCE: 16,
  NAME_LENGTH: 17,
  DESCRIPTION_LENGTH: 18,
  RESERVED: 19,
  NAME: 20,
} as const
const DEFINE_FIXED_BYTES = DefineOffset.NAME
const DEFINE_V2_QUEUE_ID_BYTES = 4
const QMGR_FIXED_BYTES = 8

const PutOffset = {
  QUEUE_ID: 0,
  BACKOUT_COUNT: 4,
  UOW_ID: 8,
  PUT_TIME_MS: 16,
  EXPIRY: 24,
  BODY_LENGTH: 28,
  PERSISTENT: 32,
  PRIORITY: 33,
  REPLY_TO_QUEUE_LENGTH: 34,
  REPLY_TO_QUEUE_MANAGER_LENGTH: 35,
  FORMAT: 36,
  MESSAGE_ID: 44,
  CORRELATION_ID: 68,
  REPLY_TO_QUEUE: 92,
} as const
const PUT_FIXED_BYTES = PutOffset.REPLY_TO_QUEUE

/** Offset of a PUT's body from the start of its record: after the names, 8-aligned. */
function putBodyOffset(replyToQueueLength: number, replyToQueueManagerLength: number): number {
  return alignRecordLength(
    RECORD_HEADER_BYTES + PUT_FIXED_BYTES + replyToQueueLength + replyToQueueManagerLength,
  )
}

const GetOffset = { QUEUE_ID: 0, RESERVED: 4, UOW_ID: 8, PUT_LSN: 16 } as const
const GET_PAYLOAD_BYTES = 24
const QUEUE_PAYLOAD_BYTES = 4
const UOW_PAYLOAD_BYTES = 8
const SEAL_PAYLOAD_BYTES = 8
const EPOCH_START_PAYLOAD_BYTES = 8

/**
 * Record bytes besides the body of the largest PUT: header, fixed fields, both names, alignment
 * before the body and padding after it (239, within MAX_RECORD_OVERHEAD_BYTES).
 */
export const MAX_PUT_OVERHEAD_BYTES =
  putBodyOffset(MAX_QUEUE_NAME_BYTES, MAX_QUEUE_MANAGER_NAME_BYTES) + RECORD_ALIGNMENT_BYTES - 1

const ASCII_FIRST = 0x20
const ASCII_LAST = 0x7e
const SPACE = 0x20
const EXPIRY_UNLIMITED = -1
const INT32_MAX = 0x7fff_ffff
const UINT32_MAX = 0xffff_ffff

// ---- Load-time checks: the layout above must agree with the limits in src/constants.ts ----
assert(MAX_RECORD_BYTES <= UINT32_MAX, 'record length fits its u32 field')
assert(MAX_PUT_OVERHEAD_BYTES <= MAX_RECORD_OVERHEAD_BYTES, 'PUT overhead within the budget')
assert(MAX_MESSAGE_BYTES + MAX_PUT_OVERHEAD_BYTES <= MAX_RECORD_BYTES, 'largest PUT fits')
assert(PutOffset.CORRELATION_ID - PutOffset.MESSAGE_ID === MESSAGE_ID_BYTES, 'msgId width')
assert(PutOffset.REPLY_TO_QUEUE - PutOffset.CORRELATION_ID === MESSAGE_ID_BYTES, 'correlId width')
assert(PutOffset.MESSAGE_ID - PutOffset.FORMAT === FORMAT_BYTES, 'format width')
assert(MAX_QUEUE_NAME_BYTES <= 0xff && MAX_QUEUE_MANAGER_NAME_BYTES <= 0xff, 'u8 name lengths')
assert(MAX_QUEUE_DESCRIPTION_BYTES <= 0xff, 'u8 description length')
assert(KNOWN_RECORD_TYPES.size === Object.keys(RecordType).length, 'record types are distinct')
assert(!KNOWN_RECORD_TYPES.has(0), 'type 0 is never a record')

/** A header that passed readRecordHeader: checksum, framing, version, reserved bytes and LSN. */
export interface CheckedRecordHeader extends RecordHeader {
  readonly payloadLength: number
}

export type InvalidRecordReason =
  'length' | 'checksum' | 'version' | 'reserved' | 'type' | 'truncated' | 'lsn'

/**
 * What readRecordHeader found at an offset:
 *  - ok: a whole, intact record of this log at the expected LSN.
 *  - empty: the header is all zero bytes, i.e. preallocated space never written: end of the log.
 *  - invalid: anything else. requiredBytes is set for 'truncated' only: the bytes needed from the
 *    offset to judge the record (the header, or the whole record once its length is plausible),
 *    so a reader can read that much and ask again; it is 0 for every other reason.
 */
export type HeaderCheck =
  | { readonly kind: 'ok'; readonly header: CheckedRecordHeader }
  | { readonly kind: 'empty' }
  | {
      readonly kind: 'invalid'
      readonly reason: InvalidRecordReason
      readonly detail: string
      readonly requiredBytes: number
    }

const EMPTY: HeaderCheck = Object.freeze({ kind: 'empty' })

// ---- Byte access. Manual little-endian stores and loads: they work on any Uint8Array (Buffer,
// a view into the SharedArrayBuffer ring) without a DataView per call or per buffer. ----

/** One scratch DataView for the module: f64 goes through it, then byte by byte to the target. */
const float64Scratch = new DataView(new ArrayBuffer(8))

function writeFloat64(target: Uint8Array, at: number, value: number): void {
  float64Scratch.setFloat64(0, value, true)
  for (let index = 0; index < 8; index++) target[at + index] = float64Scratch.getUint8(index)
}

function readInt32(source: Uint8Array, at: number): number {
  return source[at]! | (source[at + 1]! << 8) | (source[at + 2]! << 16) | (source[at + 3]! << 24)
}

function readFloat64(source: Uint8Array, at: number): number {
  for (let index = 0; index < 8; index++) float64Scratch.setUint8(index, source[at + index]!)
  return float64Scratch.getFloat64(0, true)
}

function isZero(source: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (source[index] !== 0) return false
  return true
}

/** Integer arithmetic (no Math.ceil on doubles) and exact for any safe integer. */
function alignRecordLength(bytes: number): number {
  const remainder = bytes % RECORD_ALIGNMENT_BYTES
  return remainder === 0 ? bytes : bytes + RECORD_ALIGNMENT_BYTES - remainder
}

const isUint32 = (value: number): boolean =>
  Number.isInteger(value) && value >= 0 && value <= UINT32_MAX

/** An LSN: a byte position in the log of a record, so 8-aligned, and exact as a JS number. */
const isLsn = (value: number): boolean =>
  Number.isSafeInteger(value) && value >= 0 && value % RECORD_ALIGNMENT_BYTES === 0

const isUowIdFor = (uowId: number, lsn: number): boolean => isLsn(uowId) && uowId <= lsn

const isExpiry = (value: number): boolean =>
  value === EXPIRY_UNLIMITED || (Number.isInteger(value) && value > 0 && value <= INT32_MAX)

const isPriority = (value: number): boolean =>
  Number.isInteger(value) && value >= 0 && value < PRIORITY_LEVELS

// ---- Sizing ----

function payloadLengthOf(record: JournalRecord): number {
  switch (record.type) {
    case RecordType.QUEUE_DEFINE:
      return DEFINE_V2_QUEUE_ID_BYTES + queueAttributesBytes(record.attributes)
    case RecordType.QMGR_ALTER:
      return (
        QMGR_FIXED_BYTES +
        record.attributes.deadLetterQueue.length +
        Buffer.byteLength(record.attributes.description, 'utf8')
      )
    case RecordType.QUEUE_DELETE:
    case RecordType.QUEUE_CLEAR:
      return QUEUE_PAYLOAD_BYTES
    case RecordType.MESSAGE_PUT:
    case RecordType.MESSAGE_MOVE: {
      // Names are ASCII (asserted while encoding), so characters equal bytes.
      const { replyToQueue, replyToQueueManager } = record.descriptor
      const bodyOffset = putBodyOffset(replyToQueue.length, replyToQueueManager.length)
      return bodyOffset - RECORD_HEADER_BYTES + record.body.length
    }
    case RecordType.MESSAGE_GET:
      return GET_PAYLOAD_BYTES
    case RecordType.UOW_COMMIT:
    case RecordType.UOW_BACKOUT:
      return UOW_PAYLOAD_BYTES
    case RecordType.SEGMENT_SEAL:
      return SEAL_PAYLOAD_BYTES
    case RecordType.EPOCH_START:
      return EPOCH_START_PAYLOAD_BYTES
    default:
      return unreachable(record, 'journal record type')
  }
}

/** Bytes encodeRecord will write for `record`: header, payload and padding. */
export function encodedRecordLength(record: JournalRecord): number {
  const length = alignRecordLength(RECORD_HEADER_BYTES + payloadLengthOf(record))
  assert(length <= MAX_RECORD_BYTES, 'journal record: larger than MAX_RECORD_BYTES')
  return length
}

// ---- Encoding ----

/**
 * Writes `record` at target[offset] with checksum 0 and batchLsn 0 (finalizeRecord sets both
 * once the write batch is known) and returns the bytes written, encodedRecordLength(record).
 * Every byte of the record is written, padding included, because the target is reused memory.
 */
export function encodeRecord(
  target: Uint8Array,
  offset: number,
  record: JournalRecord,
  lsn: number,
  epoch: number,
): number {
  assert(Number.isInteger(offset) && offset >= 0, 'encodeRecord: offset must be an integer >= 0')
  assert(isLsn(lsn), 'encodeRecord: lsn must be a safe integer >= 0 and a multiple of 8')
  assert(isUint32(epoch), 'encodeRecord: epoch must be a u32')
  if (record.type === RecordType.EPOCH_START) {
    assert(record.previousEpoch < epoch, 'EPOCH_START: previousEpoch must be below the epoch')
  }
  const payloadLength = payloadLengthOf(record)
  const length = alignRecordLength(RECORD_HEADER_BYTES + payloadLength)
  assert(length <= MAX_RECORD_BYTES, 'encodeRecord: record larger than MAX_RECORD_BYTES')
  assert(offset + length <= target.length, 'encodeRecord: target too small for the record')
  writeRecordHeader(target, offset, {
    length,
    lsn,
    epoch,
    type: record.type,
    version: recordVersionOf(record.type),
    payloadLength,
  })
  const payloadAt = offset + RECORD_HEADER_BYTES
  const payloadEnd = encodePayload(target, payloadAt, record, lsn, length)
  assert(payloadEnd === payloadAt + payloadLength, 'encodeRecord: payload length mismatch')
  for (let index = payloadEnd; index < offset + length; index++) target[index] = 0
  return length
}

/** Writes the payload and returns the offset just after it. */
function encodePayload(
  target: Uint8Array,
  at: number,
  record: JournalRecord,
  lsn: number,
  length: number,
): number {
  switch (record.type) {
    case RecordType.QUEUE_DEFINE:
      assert(isUint32(record.queueId), 'QUEUE_DEFINE: queueId must be a u32')
      writeUint32(target, at, record.queueId)
      return encodeQueueAttributes(target, at + DEFINE_V2_QUEUE_ID_BYTES, record.attributes)
    case RecordType.QMGR_ALTER:
      return encodeQueueManagerAlter(target, at, record)
    case RecordType.QUEUE_DELETE:
    case RecordType.QUEUE_CLEAR:
      assert(isUint32(record.queueId), 'journal record: queueId must be a u32')
      writeUint32(target, at, record.queueId)
      return at + QUEUE_PAYLOAD_BYTES
    case RecordType.MESSAGE_PUT:
      return encodeMessagePut(target, at, record, lsn)
    case RecordType.MESSAGE_MOVE:
      return encodeMessageMove(target, at, record, lsn)
    case RecordType.MESSAGE_GET:
      return encodeMessageGet(target, at, record, lsn)
    case RecordType.UOW_COMMIT:
    case RecordType.UOW_BACKOUT:
      assert(isUowIdFor(record.uowId, lsn), 'journal record: uowId must be an LSN <= lsn')
      writeUint64(target, at, record.uowId)
      return at + UOW_PAYLOAD_BYTES
    case RecordType.SEGMENT_SEAL:
      assert(isLsn(record.nextLsn), 'SEGMENT_SEAL: nextLsn must be an LSN')
      assert(record.nextLsn >= lsn + length, 'SEGMENT_SEAL: nextLsn must follow the seal')
      writeUint64(target, at, record.nextLsn)
      return at + SEAL_PAYLOAD_BYTES
    case RecordType.EPOCH_START:
      assert(isUint32(record.previousEpoch), 'EPOCH_START: previousEpoch must be a u32')
      writeUint32(target, at, record.previousEpoch)
      writeUint32(target, at + 4, 0)
      return at + EPOCH_START_PAYLOAD_BYTES
    default:
      return unreachable(record, 'journal record type')
  }
}

/** Writes printable ASCII and returns the offset after it. */
function encodeAscii(target: Uint8Array, at: number, text: string, message: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    assert(code >= ASCII_FIRST && code <= ASCII_LAST, message)
    target[at + index] = code
  }
  return at + text.length
}

const textEncoder = new TextEncoder()
/** Lone surrogates would be written as U+FFFD and read back as a different string. */
const LONE_SURROGATE = /\p{Cs}/u

function encodeQueueManagerAlter(
  target: Uint8Array,
  at: number,
  record: QueueManagerAlterRecord,
): number {
  const { deadLetterQueue, description } = record.attributes
  const descriptionBytes = Buffer.byteLength(description, 'utf8')
  assert(deadLetterQueue.length <= MAX_QUEUE_NAME_BYTES, 'QMGR_ALTER: DEADQ too long')
  assert(descriptionBytes <= MAX_QUEUE_DESCRIPTION_BYTES, 'QMGR_ALTER: description too long')
  assert(!LONE_SURROGATE.test(description), 'QMGR_ALTER: description has a lone surrogate')
  target[at] = deadLetterQueue.length
  target[at + 1] = descriptionBytes
  for (let index = 2; index < QMGR_FIXED_BYTES; index++) target[at + index] = 0
  const descriptionAt = encodeAscii(target, at + QMGR_FIXED_BYTES, deadLetterQueue, 'DEADQ')
  const written = textEncoder.encodeInto(
    description,
    target.subarray(descriptionAt, descriptionAt + descriptionBytes),
  ).written
  assert(written === descriptionBytes, 'QMGR_ALTER: description encoding')
  return descriptionAt + descriptionBytes
}

function encodeDescriptor(target: Uint8Array, at: number, descriptor: StoredDescriptor): void {
  const { msgId, correlId, format, expiry, putTimeMs } = descriptor
  assert(msgId.length === MESSAGE_ID_BYTES, 'MESSAGE_PUT: msgId must be 24 bytes')
  assert(correlId.length === MESSAGE_ID_BYTES, 'MESSAGE_PUT: correlId must be 24 bytes')
  assert(isPriority(descriptor.priority), 'MESSAGE_PUT: priority must be 0..9')
  assert(isExpiry(expiry), 'MESSAGE_PUT: expiry must be -1 or 1..2^31-1')
  assert(Number.isFinite(putTimeMs) && putTimeMs >= 0, 'MESSAGE_PUT: putTimeMs must be >= 0')
  assert(isUint32(descriptor.backoutCount), 'MESSAGE_PUT: backoutCount must be a u32')
  assert(format.length <= FORMAT_BYTES, 'MESSAGE_PUT: format longer than 8 characters')
  writeUint32(target, at + PutOffset.BACKOUT_COUNT, descriptor.backoutCount)
  writeFloat64(target, at + PutOffset.PUT_TIME_MS, putTimeMs)
  writeUint32(target, at + PutOffset.EXPIRY, expiry)
  target[at + PutOffset.PERSISTENT] = descriptor.persistent ? 1 : 0
  target[at + PutOffset.PRIORITY] = descriptor.priority
  const formatEnd = encodeAscii(target, at + PutOffset.FORMAT, format, 'MESSAGE_PUT: format')
  for (let index = formatEnd; index < at + PutOffset.MESSAGE_ID; index++) target[index] = SPACE
  // Byte loops: for 24 bytes they beat TypedArray.prototype.set, which has a fixed call cost.
  for (let index = 0; index < MESSAGE_ID_BYTES; index++) {
    target[at + PutOffset.MESSAGE_ID + index] = msgId[index]!
    target[at + PutOffset.CORRELATION_ID + index] = correlId[index]!
  }
}

function encodeMessagePut(
  target: Uint8Array,
  at: number,
  record: MessagePutRecord,
  lsn: number,
): number {
  const { replyToQueue, replyToQueueManager } = record.descriptor
  const body = record.body
  assert(isUint32(record.queueId), 'MESSAGE_PUT: queueId must be a u32')
  assert(isUowIdFor(record.uowId, lsn), 'MESSAGE_PUT: uowId must be an LSN <= lsn')
  assert(replyToQueue.length <= MAX_QUEUE_NAME_BYTES, 'MESSAGE_PUT: replyToQueue too long')
  assert(
    replyToQueueManager.length <= MAX_QUEUE_MANAGER_NAME_BYTES,
    'MESSAGE_PUT: replyToQueueManager too long',
  )
  assert(body.length <= MAX_MESSAGE_BYTES, 'MESSAGE_PUT: body larger than MAX_MESSAGE_BYTES')
  writeUint32(target, at + PutOffset.QUEUE_ID, record.queueId)
  writeUint64(target, at + PutOffset.UOW_ID, record.uowId)
  writeUint32(target, at + PutOffset.BODY_LENGTH, body.length)
  target[at + PutOffset.REPLY_TO_QUEUE_LENGTH] = replyToQueue.length
  target[at + PutOffset.REPLY_TO_QUEUE_MANAGER_LENGTH] = replyToQueueManager.length
  encodeDescriptor(target, at, record.descriptor)
  let cursor = encodeAscii(
    target,
    at + PutOffset.REPLY_TO_QUEUE,
    replyToQueue,
    'MESSAGE_PUT: replyToQueue',
  )
  cursor = encodeAscii(target, cursor, replyToQueueManager, 'MESSAGE_PUT: replyToQueueManager')
  const bodyAt =
    at - RECORD_HEADER_BYTES + putBodyOffset(replyToQueue.length, replyToQueueManager.length)
  for (; cursor < bodyAt; cursor++) target[cursor] = 0
  target.set(body, bodyAt)
  return bodyAt + body.length
}

/** A MOVE is a PUT whose uowId word holds fromPutLsn instead. */
function encodeMessageMove(
  target: Uint8Array,
  at: number,
  record: MessageMoveRecord,
  lsn: number,
): number {
  const { fromPutLsn, queueId, descriptor, body } = record
  assert(isLsn(fromPutLsn) && fromPutLsn < lsn, 'MESSAGE_MOVE: fromPutLsn must be an LSN < lsn')
  const asPut = { type: RecordType.MESSAGE_PUT, queueId, uowId: 0, descriptor, body } as const
  const end = encodeMessagePut(target, at, asPut, lsn)
  writeUint64(target, at + PutOffset.UOW_ID, fromPutLsn)
  return end
}

function encodeMessageGet(
  target: Uint8Array,
  at: number,
  record: MessageGetRecord,
  lsn: number,
): number {
  assert(isUint32(record.queueId), 'MESSAGE_GET: queueId must be a u32')
  assert(isUowIdFor(record.uowId, lsn), 'MESSAGE_GET: uowId must be an LSN <= lsn')
  assert(isLsn(record.putLsn) && record.putLsn < lsn, 'MESSAGE_GET: putLsn must be an LSN < lsn')
  writeUint32(target, at + GetOffset.QUEUE_ID, record.queueId)
  writeUint32(target, at + GetOffset.RESERVED, 0)
  writeUint64(target, at + GetOffset.UOW_ID, record.uowId)
  writeUint64(target, at + GetOffset.PUT_LSN, record.putLsn)
  return at + GET_PAYLOAD_BYTES
}

/**
 * Seals an encoded record for writing: stores batchLsn, then the checksum over bytes
 * [4, length). Called by the journal worker on its write buffer once a batch is assembled;
 * costs one CRC pass over the record and no allocation below NATIVE_CROSSOVER_BYTES.
 */
export function finalizeRecord(target: Uint8Array, offset: number, batchLsn: number): void {
  assert(Number.isInteger(offset) && offset >= 0, 'finalizeRecord: offset must be an integer >= 0')
  const length = recordLength(target, offset)
  assert(length >= RECORD_HEADER_BYTES, 'finalizeRecord: no encoded record at offset')
  assert(length <= MAX_RECORD_BYTES, 'finalizeRecord: record length above MAX_RECORD_BYTES')
  assert(length % RECORD_ALIGNMENT_BYTES === 0, 'finalizeRecord: record length not aligned')
  assert(offset + length <= target.length, 'finalizeRecord: record runs past the target')
  const lsn = readSafeUint64(target, offset + HeaderOffset.LSN)
  assert(isLsn(batchLsn) && batchLsn <= lsn, 'finalizeRecord: batchLsn must be an LSN <= lsn')
  sealRecordHeader(target, offset, length, batchLsn)
}

// ---- Header classification ----

function invalid(reason: InvalidRecordReason, detail: string, requiredBytes = 0): HeaderCheck {
  return { kind: 'invalid', reason, detail, requiredBytes }
}

/**
 * Classifies the bytes source[offset, offset + available) without throwing and without reading
 * outside them. `expectedLsn` is where this record must be in the log (offset of the segment
 * start plus the segment's first LSN, or a PUT's putLsn); a record with a valid checksum but
 * another LSN is stale data from a recycled segment. Checks, in order:
 *
 *   available < 40 ............ all zero: empty; otherwise truncated (requiredBytes 40)
 *   header all zero ........... empty
 *   length field .............. not 40..MAX_RECORD_BYTES or not 8-aligned: length
 *                               (before anything is read or allocated on its word)
 *   length > available ........ truncated (requiredBytes = length)
 *   checksum .................. checksum
 *   version, type ............. version, type
 *   reserved bytes, padding ... reserved
 *   payloadLength ............. length (it must give back the record length)
 *   lsn, batchLsn ............. lsn
 */
export function readRecordHeader(
  source: Uint8Array,
  offset: number,
  available: number,
  expectedLsn: number,
): HeaderCheck {
  assert(Number.isInteger(offset) && offset >= 0, 'readRecordHeader: offset must be >= 0')
  assert(Number.isInteger(available) && available >= 0, 'readRecordHeader: available >= 0')
  assert(offset + available <= source.length, 'readRecordHeader: available runs past the source')
  assert(isLsn(expectedLsn), 'readRecordHeader: expectedLsn must be an LSN')
  if (available < RECORD_HEADER_BYTES) {
    if (available > 0 && isZero(source, offset, offset + available)) return EMPTY
    return invalid('truncated', `${available} bytes, a header needs 40`, RECORD_HEADER_BYTES)
  }
  const length = recordLength(source, offset)
  if (length === 0 && isZero(source, offset, offset + RECORD_HEADER_BYTES)) return EMPTY
  if (
    length < RECORD_HEADER_BYTES ||
    length > MAX_RECORD_BYTES ||
    length % RECORD_ALIGNMENT_BYTES !== 0
  ) {
    return invalid('length', `length ${length} is not a multiple of 8 in [40, ${MAX_RECORD_BYTES}]`)
  }
  if (length > available) {
    return invalid('truncated', `length ${length}, only ${available} bytes available`, length)
  }
  const storedChecksum = readUint32(source, offset + HeaderOffset.CHECKSUM)
  const checksum = computeChecksum(source, offset, length)
  if (storedChecksum !== checksum) {
    return invalid('checksum', `stored ${storedChecksum}, computed ${checksum}`)
  }
  return checkHeaderFields(source, offset, length, expectedLsn)
}

/** The rest of readRecordHeader, on a record whose checksum is right. */
function checkHeaderFields(
  source: Uint8Array,
  offset: number,
  length: number,
  expectedLsn: number,
): HeaderCheck {
  const type = source[offset + HeaderOffset.TYPE]!
  if (!KNOWN_RECORD_TYPES.has(type)) return invalid('type', `type ${type}`)
  const version = source[offset + HeaderOffset.VERSION]!
  const newest = recordVersionOf(type as RecordType)
  // Version 1 of every type stays readable, except QMGR_ALTER, which version 2 introduced.
  const oldest = type === RecordType.QMGR_ALTER ? 2 : 1
  if (version < oldest || version > newest) {
    return invalid('version', `version ${version} of type ${type}`)
  }
  if (
    !isZero(source, offset + HeaderOffset.RESERVED_SHORT, offset + HeaderOffset.PAYLOAD_LENGTH) ||
    !isZero(source, offset + HeaderOffset.RESERVED_WORD, offset + RECORD_HEADER_BYTES)
  ) {
    return invalid('reserved', 'reserved header bytes are not zero')
  }
  const payloadLength = readUint32(source, offset + HeaderOffset.PAYLOAD_LENGTH)
  if (alignRecordLength(RECORD_HEADER_BYTES + payloadLength) !== length) {
    return invalid('length', `payload length ${payloadLength} does not fit length ${length}`)
  }
  const payloadEnd = offset + RECORD_HEADER_BYTES + payloadLength
  if (!isZero(source, payloadEnd, offset + length)) {
    return invalid('reserved', 'padding is not zero')
  }
  const lsn = readSafeUint64(source, offset + HeaderOffset.LSN)
  if (lsn !== expectedLsn) return invalid('lsn', `lsn ${lsn}, expected ${expectedLsn}`)
  const batchLsn = readSafeUint64(source, offset + HeaderOffset.BATCH_LSN)
  if (!isLsn(batchLsn) || batchLsn > lsn) {
    return invalid('lsn', `batchLsn ${batchLsn} is not an LSN <= lsn ${lsn}`)
  }
  const epoch = readUint32(source, offset + HeaderOffset.EPOCH)
  const header = { length, lsn, batchLsn, epoch, type: type as RecordType, payloadLength }
  return { kind: 'ok', header }
}

// ---- Decoding ----

function fail(header: CheckedRecordHeader, field: string, detail: string): never {
  throw new QmqError(
    ErrorCode.RECORD_INVALID,
    `record type ${header.type} at lsn ${header.lsn}: ${field} ${detail}`,
    { lsn: header.lsn, type: header.type, field },
  )
}

function expectPayloadLength(header: CheckedRecordHeader, expected: number): void {
  if (header.payloadLength !== expected) {
    fail(header, 'payloadLength', `is ${header.payloadLength}, expected ${expected}`)
  }
}

function decodeFlag(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
  field: string,
): boolean {
  const value = source[at]!
  if (value > 1) fail(header, field, `is ${value}, expected 0 or 1`)
  return value === 1
}

function decodePriority(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
  field: string,
): number {
  const value = source[at]!
  if (!isPriority(value)) fail(header, field, `is ${value}, expected 0..9`)
  return value
}

/** Printable ASCII (0x20..0x7E), the only text MQ names and formats may hold. */
function decodeAscii(
  source: Uint8Array,
  at: number,
  length: number,
  header: CheckedRecordHeader,
  field: string,
): string {
  let text = ''
  for (let index = at; index < at + length; index++) {
    const code = source[index]!
    if (code < ASCII_FIRST || code > ASCII_LAST) {
      fail(header, field, `has byte ${code} at ${index - at}, expected printable ASCII`)
    }
    text += String.fromCharCode(code)
  }
  return text
}

/**
 * The last format decoded, as its 8 stored bytes and its string. Nearly every message carries one
 * of a few formats ('MQSTR', blank), so comparing 8 bytes usually replaces validating, building
 * and trimming a string. Bytes that matched were validated when first decoded.
 */
const lastFormatBytes = new Uint8Array(FORMAT_BYTES)
let lastFormat: string | undefined

function decodeFormat(source: Uint8Array, at: number, header: CheckedRecordHeader): string {
  if (lastFormat !== undefined) {
    let index = 0
    while (index < FORMAT_BYTES && source[at + index] === lastFormatBytes[index]) index++
    if (index === FORMAT_BYTES) return lastFormat
  }
  // Blank padding is not significant in MQFMT: 'MQSTR   ' is 'MQSTR'.
  const format = decodeAscii(source, at, FORMAT_BYTES, header, 'format').trimEnd()
  for (let index = 0; index < FORMAT_BYTES; index++) lastFormatBytes[index] = source[at + index]!
  lastFormat = format
  return format
}

function decodeUowId(source: Uint8Array, at: number, header: CheckedRecordHeader): number {
  const uowId = readSafeUint64(source, at)
  if (!isUowIdFor(uowId, header.lsn)) {
    fail(header, 'uowId', `${uowId} is not 0 or an LSN <= ${header.lsn}`)
  }
  return uowId
}

/** Copies (not views) because ids outlive the read buffer in the engine's indexes. */
function copyMessageId(source: Uint8Array, at: number): Uint8Array {
  const id = new Uint8Array(MESSAGE_ID_BYTES)
  for (let index = 0; index < MESSAGE_ID_BYTES; index++) id[index] = source[at + index]!
  return id
}

/**
 * Decodes the record whose header readRecordHeader returned for this offset. Validates every
 * payload field and throws QmqError RECORD_INVALID naming the first bad one. Reads only
 * source[offset, offset + header.length). A PUT's body is a view of `source`, not a copy: copy it
 * if `source` will be reused while the record is alive.
 */
export function decodeRecord(
  source: Uint8Array,
  offset: number,
  header: CheckedRecordHeader,
): JournalRecord {
  assert(offset + header.length <= source.length, 'decodeRecord: record runs past the source')
  assert(source[offset + HeaderOffset.TYPE] === header.type, 'decodeRecord: header from elsewhere')
  assert(
    readUint32(source, offset + HeaderOffset.PAYLOAD_LENGTH) === header.payloadLength,
    'decodeRecord: header from elsewhere',
  )
  const at = offset + RECORD_HEADER_BYTES
  switch (header.type) {
    case RecordType.QUEUE_DEFINE:
      return source[offset + HeaderOffset.VERSION] === 1
        ? decodeQueueDefineVersion1(source, at, header)
        : decodeQueueDefine(source, at, header)
    case RecordType.QMGR_ALTER:
      return decodeQueueManagerAlter(source, at, header)
    case RecordType.QUEUE_DELETE:
    case RecordType.QUEUE_CLEAR:
      expectPayloadLength(header, QUEUE_PAYLOAD_BYTES)
      return { type: header.type, queueId: readUint32(source, at) }
    case RecordType.MESSAGE_PUT:
      return decodeMessagePut(source, at, header)
    case RecordType.MESSAGE_MOVE:
      return decodeMessageMove(source, at, header)
    case RecordType.MESSAGE_GET:
      return decodeMessageGet(source, at, header)
    case RecordType.UOW_COMMIT:
    case RecordType.UOW_BACKOUT:
      expectPayloadLength(header, UOW_PAYLOAD_BYTES)
      return { type: header.type, uowId: decodeUowId(source, at, header) }
    case RecordType.SEGMENT_SEAL:
      expectPayloadLength(header, SEAL_PAYLOAD_BYTES)
      return { type: header.type, nextLsn: decodeNextLsn(source, at, header) }
    case RecordType.EPOCH_START:
      return decodeEpochStart(source, at, header)
    default:
      return unreachable(header.type, 'journal record type')
  }
}

function decodeEpochStart(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): JournalRecord {
  expectPayloadLength(header, EPOCH_START_PAYLOAD_BYTES)
  if (readUint32(source, at + 4) !== 0) fail(header, 'reserved', 'is not zero')
  const previousEpoch = readUint32(source, at)
  if (previousEpoch >= header.epoch) {
    fail(header, 'previousEpoch', `${previousEpoch} is not below epoch ${header.epoch}`)
  }
  return { type: RecordType.EPOCH_START, previousEpoch }
}

function decodeNextLsn(source: Uint8Array, at: number, header: CheckedRecordHeader): number {
  const nextLsn = readSafeUint64(source, at)
  if (!isLsn(nextLsn) || nextLsn < header.lsn + header.length) {
    fail(header, 'nextLsn', `${nextLsn} is not an LSN >= ${header.lsn + header.length}`)
  }
  return nextLsn
}

function decodeQueueDefine(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): QueueDefineRecord {
  const end = at + header.payloadLength
  if (header.payloadLength < DEFINE_V2_QUEUE_ID_BYTES) fail(header, 'payloadLength', 'too short')
  const failField = (field: string, detail: string): never => fail(header, field, detail)
  const decoded = decodeAttributeBlock(source, at + DEFINE_V2_QUEUE_ID_BYTES, end, failField)
  if (decoded.end !== end) fail(header, 'payloadLength', `does not end with the attributes`)
  const queueId = readUint32(source, at)
  return { type: RecordType.QUEUE_DEFINE, queueId, attributes: decoded.attributes }
}

function decodeQueueManagerAlter(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): QueueManagerAlterRecord {
  if (header.payloadLength < QMGR_FIXED_BYTES) fail(header, 'payloadLength', 'too short')
  const queueLength = source[at]!
  const descriptionLength = source[at + 1]!
  if (queueLength > MAX_QUEUE_NAME_BYTES) fail(header, 'deadLetterQueue', `length ${queueLength}`)
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    fail(header, 'description', `length ${descriptionLength}`)
  }
  expectPayloadLength(header, QMGR_FIXED_BYTES + queueLength + descriptionLength)
  if (!isZero(source, at + 2, at + QMGR_FIXED_BYTES)) fail(header, 'reserved', 'is not zero')
  const queueAt = at + QMGR_FIXED_BYTES
  const deadLetterQueue = decodeAscii(source, queueAt, queueLength, header, 'deadLetterQueue')
  const descriptionAt = queueAt + queueLength
  const description = decodeUtf8(source, descriptionAt, descriptionLength, header, 'description')
  return { type: RecordType.QMGR_ALTER, attributes: { deadLetterQueue, description } }
}

/** A QUEUE_DEFINE written before format version 2: no BOTHRESH, BOQNAME or TARGET. */
function decodeQueueDefineVersion1(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): QueueDefineRecord {
  if (header.payloadLength < DEFINE_FIXED_BYTES) {
    fail(header, 'payloadLength', `is ${header.payloadLength}, below ${DEFINE_FIXED_BYTES}`)
  }
  const nameLength = source[at + DefineOffset.NAME_LENGTH]!
  const descriptionLength = source[at + DefineOffset.DESCRIPTION_LENGTH]!
  if (nameLength < 1 || nameLength > MAX_QUEUE_NAME_BYTES) {
    fail(header, 'name', `length ${nameLength}, expected 1..${MAX_QUEUE_NAME_BYTES}`)
  }
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    fail(header, 'description', `length ${descriptionLength} above ${MAX_QUEUE_DESCRIPTION_BYTES}`)
  }
  expectPayloadLength(header, DEFINE_FIXED_BYTES + nameLength + descriptionLength)
  if (source[at + DefineOffset.RESERVED] !== 0) fail(header, 'reserved', 'is not zero')
  const nameAt = at + DefineOffset.NAME
  const descriptionAt = nameAt + nameLength
  const name = decodeAscii(source, nameAt, nameLength, header, 'name')
  const description = decodeUtf8(source, descriptionAt, descriptionLength, header, 'description')
  const attributes = decodeQueueAttributes(source, at, header, name, description)
  const queueId = readUint32(source, at + DefineOffset.QUEUE_ID)
  return { type: RecordType.QUEUE_DEFINE, queueId, attributes }
}

/** The fixed-width attributes of a QUEUE_DEFINE payload at `at`. */
function decodeQueueAttributes(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
  name: string,
  description: string,
): QueueAttributes {
  const maxDepth = readUint32(source, at + DefineOffset.MAX_DEPTH)
  if (maxDepth > MAX_DEPTH_LIMIT) fail(header, 'maxDepth', `${maxDepth} above MAX_DEPTH_LIMIT`)
  const maxMessageLength = readUint32(source, at + DefineOffset.MAX_MESSAGE_LENGTH)
  if (maxMessageLength > MAX_MESSAGE_BYTES) {
    fail(header, 'maxMessageLength', `${maxMessageLength} above MAX_MESSAGE_BYTES`)
  }
  const sequence = source[at + DefineOffset.DELIVERY_SEQUENCE]!
  if (sequence > 1) fail(header, 'deliverySequence', `is ${sequence}, expected 0 or 1`)
  const persistentAt = at + DefineOffset.DEFAULT_PERSISTENT
  const priorityAt = at + DefineOffset.DEFAULT_PRIORITY
  return {
    name,
    description,
    maxDepth,
    maxMessageLength,
    defaultPersistent: decodeFlag(source, persistentAt, header, 'defaultPersistent'),
    defaultPriority: decodePriority(source, priorityAt, header, 'defaultPriority'),
    putEnabled: decodeFlag(source, at + DefineOffset.PUT_ENABLED, header, 'putEnabled'),
    getEnabled: decodeFlag(source, at + DefineOffset.GET_ENABLED, header, 'getEnabled'),
    deliverySequence: sequence === 1 ? 'FIFO' : 'PRIORITY',
    backoutThreshold: 0,
    backoutRequeueQueue: '',
  }
}

function decodeUtf8(
  source: Uint8Array,
  at: number,
  length: number,
  header: CheckedRecordHeader,
  field: string,
): string {
  if (length === 0) return ''
  // isUtf8 is strict (no overlongs, no surrogates) and, unlike a TextDecoder, keeps a BOM.
  const view = Buffer.from(source.buffer, source.byteOffset + at, length)
  if (!isUtf8(view)) fail(header, field, 'is not well-formed UTF-8')
  return view.toString('utf8')
}

function decodeDescriptor(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): StoredDescriptor {
  const expiry = readInt32(source, at + PutOffset.EXPIRY)
  if (!isExpiry(expiry)) fail(header, 'expiry', `is ${expiry}, expected -1 or > 0`)
  const putTimeMs = readFloat64(source, at + PutOffset.PUT_TIME_MS)
  if (!(Number.isFinite(putTimeMs) && putTimeMs >= 0)) {
    fail(header, 'putTimeMs', `is ${putTimeMs}, expected a finite number >= 0`)
  }
  const replyToQueueLength = source[at + PutOffset.REPLY_TO_QUEUE_LENGTH]!
  const replyToQueueAt = at + PutOffset.REPLY_TO_QUEUE
  const replyToQueueManagerAt = replyToQueueAt + replyToQueueLength
  const replyToQueueManagerLength = source[at + PutOffset.REPLY_TO_QUEUE_MANAGER_LENGTH]!
  return {
    msgId: copyMessageId(source, at + PutOffset.MESSAGE_ID),
    correlId: copyMessageId(source, at + PutOffset.CORRELATION_ID),
    persistent: decodeFlag(source, at + PutOffset.PERSISTENT, header, 'persistent'),
    priority: decodePriority(source, at + PutOffset.PRIORITY, header, 'priority'),
    expiry,
    putTimeMs,
    backoutCount: readUint32(source, at + PutOffset.BACKOUT_COUNT),
    format: decodeFormat(source, at + PutOffset.FORMAT, header),
    replyToQueue: decodeAscii(source, replyToQueueAt, replyToQueueLength, header, 'replyToQueue'),
    replyToQueueManager: decodeAscii(
      source,
      replyToQueueManagerAt,
      replyToQueueManagerLength,
      header,
      'replyToQueueManager',
    ),
  }
}

function decodeMessagePut(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): MessagePutRecord {
  if (header.payloadLength < PUT_FIXED_BYTES) {
    fail(header, 'payloadLength', `is ${header.payloadLength}, below ${PUT_FIXED_BYTES}`)
  }
  const replyToQueueLength = source[at + PutOffset.REPLY_TO_QUEUE_LENGTH]!
  const replyToQueueManagerLength = source[at + PutOffset.REPLY_TO_QUEUE_MANAGER_LENGTH]!
  const bodyLength = readUint32(source, at + PutOffset.BODY_LENGTH)
  if (replyToQueueLength > MAX_QUEUE_NAME_BYTES) {
    fail(header, 'replyToQueue', `length ${replyToQueueLength} above ${MAX_QUEUE_NAME_BYTES}`)
  }
  if (replyToQueueManagerLength > MAX_QUEUE_MANAGER_NAME_BYTES) {
    fail(header, 'replyToQueueManager', `length ${replyToQueueManagerLength} above 48`)
  }
  if (bodyLength > MAX_MESSAGE_BYTES) fail(header, 'bodyLength', `${bodyLength} above maximum`)
  const bodyAt =
    at - RECORD_HEADER_BYTES + putBodyOffset(replyToQueueLength, replyToQueueManagerLength)
  if (bodyAt - at + bodyLength !== header.payloadLength) {
    fail(header, 'bodyLength', `${bodyLength} does not fit payload ${header.payloadLength}`)
  }
  const namesEnd = at + PUT_FIXED_BYTES + replyToQueueLength + replyToQueueManagerLength
  if (!isZero(source, namesEnd, bodyAt)) fail(header, 'alignment', 'before the body is not zero')
  const descriptor = decodeDescriptor(source, at, header)
  return {
    type: RecordType.MESSAGE_PUT,
    queueId: readUint32(source, at + PutOffset.QUEUE_ID),
    uowId: decodeUowId(source, at + PutOffset.UOW_ID, header),
    descriptor,
    body: source.subarray(bodyAt, bodyAt + bodyLength),
  }
}

function decodeMessageMove(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): MessageMoveRecord {
  // No field is read before the payload is known to hold the fixed part.
  if (header.payloadLength < PUT_FIXED_BYTES) {
    fail(header, 'payloadLength', `is ${header.payloadLength}, below ${PUT_FIXED_BYTES}`)
  }
  const fromPutLsn = readSafeUint64(source, at + PutOffset.UOW_ID)
  if (!isLsn(fromPutLsn) || fromPutLsn >= header.lsn) {
    fail(header, 'fromPutLsn', `${fromPutLsn} is not an LSN < ${header.lsn}`)
  }
  const { queueId, descriptor, body } = decodeMessagePut(source, at, header)
  return { type: RecordType.MESSAGE_MOVE, queueId, fromPutLsn, descriptor, body }
}

function decodeMessageGet(
  source: Uint8Array,
  at: number,
  header: CheckedRecordHeader,
): MessageGetRecord {
  expectPayloadLength(header, GET_PAYLOAD_BYTES)
  if (readUint32(source, at + GetOffset.RESERVED) !== 0) fail(header, 'reserved', 'is not zero')
  const putLsn = readSafeUint64(source, at + GetOffset.PUT_LSN)
  if (!isLsn(putLsn) || putLsn >= header.lsn) {
    fail(header, 'putLsn', `${putLsn} is not an LSN < ${header.lsn}`)
  }
  return {
    type: RecordType.MESSAGE_GET,
    queueId: readUint32(source, at + GetOffset.QUEUE_ID),
    uowId: decodeUowId(source, at + GetOffset.UOW_ID, header),
    putLsn,
  }
}

/**
 * Reads one PUT back (JournalPort.readPut): the record at source[offset] must be a valid PUT at
 * `putLsn`. Throws QmqError RECORD_INVALID otherwise, with the header check's reason in details.
 * The body is a view of `source`.
 */
export function decodePutRecord(
  source: Uint8Array,
  offset: number,
  available: number,
  putLsn: number,
): MessagePutRecord {
  const check = readRecordHeader(source, offset, available, putLsn)
  if (check.kind !== 'ok') {
    const reason = check.kind === 'empty' ? 'empty' : check.reason
    const detail = check.kind === 'empty' ? 'unwritten space' : check.detail
    throw new QmqError(ErrorCode.RECORD_INVALID, `no PUT at lsn ${putLsn}: ${reason}: ${detail}`, {
      lsn: putLsn,
      reason,
    })
  }
  const header = check.header
  if (header.type !== RecordType.MESSAGE_PUT) {
    fail(header, 'type', `is ${header.type}, expected MESSAGE_PUT (${RecordType.MESSAGE_PUT})`)
  }
  return decodeMessagePut(source, offset + RECORD_HEADER_BYTES, header)
}

/**
 * The nextLsn of the SEGMENT_SEAL record at source[offset] (type already known), read in place:
 * the writer and the handle need it per seal, without decoding a record object.
 */
export function sealNextLsn(source: Uint8Array, offset: number): number {
  return readSafeUint64(source, offset + RECORD_HEADER_BYTES)
}
