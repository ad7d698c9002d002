/**
 * Journal record wire format, version 2: how each JournalRecord (record-types.ts) is
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
 * |     29 | u8    | version       | the layout of this record's payload: 1, 2 or 3 (below)    |
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
 * Versions: format version 2 changed QUEUE_DEFINE and added QMGR_ALTER; those two are written as
 * version 2. Format version 3 (RECORD_FORMAT_VERSION) added the request identity to MESSAGE_PUT
 * and MESSAGE_GET: a PUT or GET that carries one (a persistent put or a destructive get outside
 * a unit of work, sent by a client that names its requests) is written as version 3, any other
 * as version 1, whose bytes did not change. A UOW_COMMIT ended by a COMMIT that names its
 * request is also written as version 3 (with the identity after its uowId; the same reader
 * version, so RECORD_FORMAT_VERSION stays 3: an older reader refuses it as 'version'). Every
 * other type is still version 1 (its layout did not change, so its bytes and golden vectors did
 * not either). A reader accepts version 1 of every type (a log written before a change still
 * replays: a version-1 QUEUE_DEFINE decodes with BOTHRESH 0 and no BOQNAME, a version-1 PUT or
 * GET with no request identity), version 2 of QUEUE_DEFINE and QMGR_ALTER and version 3 of
 * MESSAGE_PUT, MESSAGE_GET and UOW_COMMIT; anything else is 'version'.
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
 * MESSAGE_PUT (payloadLength = b - 40 + bodyLength, b = align8(132 + q + m) the body's offset
 * in the record): the descriptor, then the body so it reads back as a view. Its table is in
 * stored-message-codec.ts, the one place the stored descriptor is laid out.
 *
 * MESSAGE_PUT version 3 (payloadLength = b - 40 + bodyLength + 24): version 1's payload, then
 * the request identity after the body (the body keeps its aligned offset):
 * | b-40+bodyLength | 16 | requestClient       | any bytes                               |
 * |         ... +16 | u64 | requestSequence    | 1..2^53-1                               |
 *
 * MESSAGE_GET (payloadLength = 24; version 3: 48, with the request identity):
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | u32   | reserved               | 0                                       |
 * |      8 | u64   | uowId                  | 0 (none) or lsn-typed, <= lsn; 0 in v3  |
 * |     16 | u64   | putLsn                 | lsn-typed, < lsn                        |
 * |     24 | 16    | requestClient (v3)     | any bytes                               |
 * |     40 | u64   | requestSequence (v3)   | 1..2^53-1                               |
 *
 * UOW_COMMIT, UOW_BACKOUT (payloadLength = 8; a UOW_COMMIT version 3: 32, with the request
 * identity of the COMMIT that ended the unit, from a client that names its requests):
 * |      0 | u64   | uowId                  | 0 (none) or lsn-typed, <= lsn           |
 * |      8 | 16    | requestClient (v3)     | any bytes                               |
 * |     24 | u64   | requestSequence (v3)   | 1..2^53-1                               |
 *
 * SEGMENT_SEAL (payloadLength = 8):
 * |      0 | u64   | nextLsn                | lsn-typed, >= lsn + length              |
 *
 * MESSAGE_MOVE (copy-forward compaction): the MESSAGE_PUT layout exactly, body view and all, except
 * that the u64 at payload offset 8 is not a uowId (a moved message is always committed) but
 * fromPutLsn, lsn-typed and < lsn: the LSN the message was known by before this record.
 *
 * EPOCH_START (payloadLength = 8):
 * |      0 | u32   | previousEpoch          | u32, below the header's epoch           |
 * |      4 | u32   | reserved               | 0                                       |
 *
 * Bytes move through the layout cursors of src/codec/layout.ts, like the checkpoint files' and
 * the client protocol's. The hot path allocates none: one writer and one reader per module,
 * pointed at each record in turn (reset), encoding straight into the ring's shared memory and
 * decoding a PUT's body as a view.
 *
 * Invalid input to encodeRecord is a programmer error (the engine validates what applications
 * send before it makes a record) and fails an assertion. Invalid bytes given to the readers are
 * an operating error (disk corruption, a torn write, a bug in another version) and are reported.
 */
import { Buffer } from 'node:buffer'
import { AssertionError, assert, unreachable } from '../../assert.js'
import {
  REQUEST_CLIENT_ID_BYTES,
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MAX_RECORD_BYTES,
  MAX_RECORD_OVERHEAD_BYTES,
  RECORD_ALIGNMENT_BYTES,
  RECORD_HEADER_BYTES,
} from '../../constants.js'
import { ErrorCode, QmqError } from '../../errors.js'
import {
  LayoutReader,
  LayoutWriter,
  type LayoutFailure,
  type LayoutFault,
} from '../../codec/layout.js'
import type {
  JournalRecord,
  MessagePutRecord,
  RequestIdentity,
  QueueDefineRecord,
  QueueManagerAlterRecord,
  RecordHeader,
} from './record-types.js'
import { RecordType } from './record-types.js'
import {
  queueAttributesBytes,
  queueManagerNameLengths,
  readQueueAttributes,
  readQueueManagerNames,
  writeQueueAttributes,
  writeQueueManagerNames,
} from './queue-attributes-codec.js'
import {
  HeaderOffset,
  computeChecksum,
  readSafeUint64,
  readUint32,
  recordLength,
  sealRecordHeader,
  writeRecordHeader,
} from './record-header.js'
import {
  MAX_PUT_OVERHEAD_BYTES,
  alignRecordLength,
  isLsn,
  isPriority,
  isUint32,
  isUowIdFor,
  readStoredMessage,
  storedMessagePayloadBytes,
  writeStoredMessage,
} from './stored-message-codec.js'
import { readAscii, readUtf8 } from './stored-text.js'

export { RECORD_FORMAT_VERSION } from './record-header.js'
export { MAX_PUT_OVERHEAD_BYTES } from './stored-message-codec.js'

/**
 * The version a record of `type` without a request identity is written with: 2 where the
 * layout changed, else 1.
 */
export function recordVersionOf(type: RecordType): number {
  return type === RecordType.QUEUE_DEFINE || type === RecordType.QMGR_ALTER ? 2 : 1
}

/** The version `record` is written with: 3 for a PUT or GET naming its request (see above). */
export function recordVersionFor(record: JournalRecord): number {
  return hasRequest(record) ? IDENTIFIED_VERSION : recordVersionOf(record.type)
}

/** The newest version of `type` a reader accepts. */
function newestVersionOf(type: RecordType): number {
  return IDENTIFIABLE_TYPES.has(type) ? IDENTIFIED_VERSION : recordVersionOf(type)
}

/** Types whose version 3 carries a request identity. */
const IDENTIFIABLE_TYPES: ReadonlySet<RecordType> = new Set([
  RecordType.MESSAGE_PUT,
  RecordType.MESSAGE_GET,
  RecordType.UOW_COMMIT,
])

function hasRequest(record: JournalRecord): boolean {
  const identified =
    record.type === RecordType.MESSAGE_PUT ||
    record.type === RecordType.MESSAGE_GET ||
    record.type === RecordType.UOW_COMMIT
  return identified && record.request !== undefined
}

const KNOWN_RECORD_TYPES: ReadonlySet<number> = new Set(Object.values(RecordType))

const DEFINE_V1_FIXED_BYTES = 20
const DEFINE_V2_QUEUE_ID_BYTES = 4
const QMGR_FIXED_BYTES = 8
const GET_PAYLOAD_BYTES = 24
/** Version of a MESSAGE_PUT or MESSAGE_GET that carries its request identity. */
const IDENTIFIED_VERSION = 3
/** The request identity: client id, then u64 sequence. */
const REQUEST_IDENTITY_BYTES = REQUEST_CLIENT_ID_BYTES + 8
const QUEUE_PAYLOAD_BYTES = 4
const UOW_PAYLOAD_BYTES = 8
const SEAL_PAYLOAD_BYTES = 8
const EPOCH_START_PAYLOAD_BYTES = 8
const UINT32_MAX = 0xffff_ffff

// ---- Load-time checks: the layout above must agree with the limits in src/constants.ts ----
assert(MAX_RECORD_BYTES <= UINT32_MAX, 'record length fits its u32 field')
assert(MAX_PUT_OVERHEAD_BYTES <= MAX_RECORD_OVERHEAD_BYTES, 'PUT overhead within the budget')
assert(MAX_MESSAGE_BYTES + MAX_PUT_OVERHEAD_BYTES <= MAX_RECORD_BYTES, 'largest PUT fits')
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

function isZero(source: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (source[index] !== 0) return false
  return true
}

// ---- Cursors: one writer and one reader for the module, pointed at each record in turn ----

/** Writing past the record's measured length is a bug in this codec, not bad input. */
const WRITE_PAST_RECORD: LayoutFailure = {
  layoutFailed(fault: LayoutFault, field: string, detail: string): never {
    throw new AssertionError(`journal record: ${field} ${fault}, ${detail}`)
  },
}

/** Reports a bad field of the record being decoded as RECORD_INVALID naming it. */
class RecordFailure implements LayoutFailure {
  header: CheckedRecordHeader | undefined

  layoutFailed(_fault: LayoutFault, field: string, detail: string): never {
    assert(this.header !== undefined, 'record failure: decoding a record')
    return fail(this.header, field, detail)
  }
}

const EMPTY_BYTES = new Uint8Array(0)
const recordWriter = new LayoutWriter<Uint8Array>(EMPTY_BYTES, WRITE_PAST_RECORD)
const recordFailure = new RecordFailure()
const recordReader = new LayoutReader<Uint8Array>(EMPTY_BYTES, recordFailure)

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
    case RecordType.MESSAGE_MOVE:
      return (
        storedMessagePayloadBytes(record.descriptor, record.body.length) +
        (hasRequest(record) ? REQUEST_IDENTITY_BYTES : 0)
      )
    case RecordType.MESSAGE_GET:
      return GET_PAYLOAD_BYTES + (hasRequest(record) ? REQUEST_IDENTITY_BYTES : 0)
    case RecordType.UOW_COMMIT:
      return UOW_PAYLOAD_BYTES + (hasRequest(record) ? REQUEST_IDENTITY_BYTES : 0)
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
  const writer = recordWriter.reset(target, WRITE_PAST_RECORD, offset, offset + length)
  const version = recordVersionFor(record)
  writeRecordHeader(writer, length, lsn, epoch, record.type, version, payloadLength)
  writePayload(writer, record, lsn, length)
  assert(writer.offset === offset + RECORD_HEADER_BYTES + payloadLength, 'encodeRecord: payload')
  writer.zeros(writer.remainingBytes, 'padding')
  // The writer keeps its last target (the ring, or one overflow record) until the next call.
  return length
}

/** Writes the payload at the writer's cursor. */
function writePayload(
  writer: LayoutWriter<Uint8Array>,
  record: JournalRecord,
  lsn: number,
  length: number,
): void {
  switch (record.type) {
    case RecordType.QUEUE_DEFINE:
      assert(isUint32(record.queueId), 'QUEUE_DEFINE: queueId must be a u32')
      writer.u32(record.queueId, 'queueId')
      return writeQueueAttributes(writer, record.attributes)
    case RecordType.QMGR_ALTER:
      return writeQueueManagerAlter(writer, record)
    case RecordType.QUEUE_DELETE:
    case RecordType.QUEUE_CLEAR:
      assert(isUint32(record.queueId), 'journal record: queueId must be a u32')
      return writer.u32(record.queueId, 'queueId')
    case RecordType.MESSAGE_PUT:
      assert(isUowIdFor(record.uowId, lsn), 'MESSAGE_PUT: uowId must be an LSN <= lsn')
      writeStoredMessage(writer, record.queueId, record.uowId, record.descriptor, record.body)
      return writeRequest(writer, record.request, record.uowId)
    case RecordType.MESSAGE_MOVE: {
      const { fromPutLsn, queueId, descriptor, body } = record
      assert(isLsn(fromPutLsn) && fromPutLsn < lsn, 'MESSAGE_MOVE: fromPutLsn must be an LSN < lsn')
      return writeStoredMessage(writer, queueId, fromPutLsn, descriptor, body)
    }
    case RecordType.MESSAGE_GET:
      writeMessageGet(writer, record.queueId, record.uowId, record.putLsn, lsn)
      return writeRequest(writer, record.request, record.uowId)
    case RecordType.UOW_COMMIT:
      assert(isUowIdFor(record.uowId, lsn), 'journal record: uowId must be an LSN <= lsn')
      writer.u64(record.uowId, 'uowId')
      return writeRequestIdentity(writer, record.request)
    case RecordType.UOW_BACKOUT:
      assert(isUowIdFor(record.uowId, lsn), 'journal record: uowId must be an LSN <= lsn')
      return writer.u64(record.uowId, 'uowId')
    case RecordType.SEGMENT_SEAL:
      assert(isLsn(record.nextLsn), 'SEGMENT_SEAL: nextLsn must be an LSN')
      assert(record.nextLsn >= lsn + length, 'SEGMENT_SEAL: nextLsn must follow the seal')
      return writer.u64(record.nextLsn, 'nextLsn')
    case RecordType.EPOCH_START:
      assert(isUint32(record.previousEpoch), 'EPOCH_START: previousEpoch must be a u32')
      writer.u32(record.previousEpoch, 'previousEpoch')
      return writer.zeros(4, 'reserved')
    default:
      return unreachable(record, 'journal record type')
  }
}

function writeQueueManagerAlter(
  writer: LayoutWriter<Uint8Array>,
  record: QueueManagerAlterRecord,
): void {
  const lengths = queueManagerNameLengths(record.attributes)
  writer.u8(lengths.deadLetterQueue, 'deadLetterQueue')
  writer.u8(lengths.description, 'description')
  writer.zeros(QMGR_FIXED_BYTES - 2, 'reserved')
  writeQueueManagerNames(writer, record.attributes, lengths.description)
}

function writeMessageGet(
  writer: LayoutWriter<Uint8Array>,
  queueId: number,
  uowId: number,
  putLsn: number,
  lsn: number,
): void {
  assert(isUint32(queueId), 'MESSAGE_GET: queueId must be a u32')
  assert(isUowIdFor(uowId, lsn), 'MESSAGE_GET: uowId must be an LSN <= lsn')
  assert(isLsn(putLsn) && putLsn < lsn, 'MESSAGE_GET: putLsn must be an LSN < lsn')
  writer.u32(queueId, 'queueId')
  writer.zeros(4, 'reserved')
  writer.u64(uowId, 'uowId')
  writer.u64(putLsn, 'putLsn')
}

/** A PUT's or GET's request identity, if it has one: only ever outside a unit of work. */
function writeRequest(
  writer: LayoutWriter<Uint8Array>,
  request: RequestIdentity | undefined,
  uowId: number,
): void {
  if (request === undefined) return
  assert(uowId === 0, 'journal record: a request identity only outside a unit of work')
  writeRequestIdentity(writer, request)
}

/** A request identity: client id, then u64 sequence. */
function writeRequestIdentity(
  writer: LayoutWriter<Uint8Array>,
  request: RequestIdentity | undefined,
): void {
  if (request === undefined) return
  assert(request.client.length === REQUEST_CLIENT_ID_BYTES, 'journal record: request client')
  assert(isRequestSequence(request.sequence), 'journal record: request sequence')
  writer.bytes(request.client, 'requestClient')
  writer.u64(request.sequence, 'requestSequence')
}

function isRequestSequence(sequence: number): boolean {
  return Number.isSafeInteger(sequence) && sequence > 0
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
  const newest = newestVersionOf(type as RecordType)
  // Version 1 of every type stays readable, except QMGR_ALTER, which version 2 introduced;
  // PUT and GET have versions 1 and 3 (format version 3 gave them their request identity).
  const oldest = type === RecordType.QMGR_ALTER ? 2 : 1
  const skipped = newest === IDENTIFIED_VERSION && version === 2
  if (version < oldest || version > newest || skipped) {
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
  recordFailure.header = header
  const reader = recordReader.reset(source, recordFailure, at, at + header.payloadLength)
  try {
    const version = source[offset + HeaderOffset.VERSION]!
    return decodePayload(reader, header, version)
  } finally {
    // Nothing of this record stays reachable from the module between calls.
    recordFailure.header = undefined
    reader.reset(EMPTY_BYTES, recordFailure, 0, 0)
  }
}

function decodePayload(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
  version: number,
): JournalRecord {
  switch (header.type) {
    case RecordType.QUEUE_DEFINE:
      return version === 1
        ? decodeQueueDefineVersion1(reader, header)
        : decodeQueueDefine(reader, header)
    case RecordType.QMGR_ALTER:
      return decodeQueueManagerAlter(reader, header)
    case RecordType.QUEUE_DELETE:
    case RecordType.QUEUE_CLEAR:
      expectPayloadLength(header, QUEUE_PAYLOAD_BYTES)
      return { type: header.type, queueId: reader.u32('queueId') }
    case RecordType.MESSAGE_PUT:
      return decodeMessagePut(reader, header, version)
    case RecordType.MESSAGE_MOVE:
      return readStoredMessage(reader, header.lsn, header.type)
    case RecordType.MESSAGE_GET:
      return decodeMessageGet(reader, header, version)
    case RecordType.UOW_COMMIT:
      return decodeCommit(reader, header, version)
    case RecordType.UOW_BACKOUT:
      expectPayloadLength(header, UOW_PAYLOAD_BYTES)
      return { type: header.type, uowId: decodeUowId(reader, header) }
    case RecordType.SEGMENT_SEAL:
      expectPayloadLength(header, SEAL_PAYLOAD_BYTES)
      return { type: header.type, nextLsn: decodeNextLsn(reader, header) }
    case RecordType.EPOCH_START:
      return decodeEpochStart(reader, header)
    default:
      return unreachable(header.type, 'journal record type')
  }
}

function decodeUowId(reader: LayoutReader<Uint8Array>, header: CheckedRecordHeader): number {
  const uowId = reader.u64('uowId')
  if (!isUowIdFor(uowId, header.lsn)) {
    fail(header, 'uowId', `${uowId} is not 0 or an LSN <= ${header.lsn}`)
  }
  return uowId
}

function decodeEpochStart(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
): JournalRecord {
  expectPayloadLength(header, EPOCH_START_PAYLOAD_BYTES)
  const previousEpoch = reader.u32('previousEpoch')
  if (!reader.zeros(4, 'reserved')) fail(header, 'reserved', 'is not zero')
  if (previousEpoch >= header.epoch) {
    fail(header, 'previousEpoch', `${previousEpoch} is not below epoch ${header.epoch}`)
  }
  return { type: RecordType.EPOCH_START, previousEpoch }
}

function decodeNextLsn(reader: LayoutReader<Uint8Array>, header: CheckedRecordHeader): number {
  const nextLsn = reader.u64('nextLsn')
  if (!isLsn(nextLsn) || nextLsn < header.lsn + header.length) {
    fail(header, 'nextLsn', `${nextLsn} is not an LSN >= ${header.lsn + header.length}`)
  }
  return nextLsn
}

function decodeQueueDefine(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
): QueueDefineRecord {
  if (header.payloadLength < DEFINE_V2_QUEUE_ID_BYTES) fail(header, 'payloadLength', 'too short')
  const queueId = reader.u32('queueId')
  const attributes = readQueueAttributes(reader)
  if (reader.remainingBytes !== 0) fail(header, 'payloadLength', `does not end with the attributes`)
  return { type: RecordType.QUEUE_DEFINE, queueId, attributes }
}

function decodeQueueManagerAlter(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
): QueueManagerAlterRecord {
  if (header.payloadLength < QMGR_FIXED_BYTES) fail(header, 'payloadLength', 'too short')
  const queueLength = reader.u8('deadLetterQueue')
  const descriptionLength = reader.u8('description')
  const reservedZero = reader.zeros(QMGR_FIXED_BYTES - 2, 'reserved')
  if (queueLength > MAX_QUEUE_NAME_BYTES) fail(header, 'deadLetterQueue', `length ${queueLength}`)
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    fail(header, 'description', `length ${descriptionLength}`)
  }
  expectPayloadLength(header, QMGR_FIXED_BYTES + queueLength + descriptionLength)
  if (!reservedZero) fail(header, 'reserved', 'is not zero')
  const attributes = readQueueManagerNames(reader, queueLength, descriptionLength)
  return { type: RecordType.QMGR_ALTER, attributes }
}

/**
 * A QUEUE_DEFINE written before format version 2 (no BOTHRESH, BOQNAME or TARGET), read only:
 * its own layout (one byte per flag), which the attribute block of version 2 replaced.
 */
function decodeQueueDefineVersion1(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
): QueueDefineRecord {
  if (header.payloadLength < DEFINE_V1_FIXED_BYTES) {
    fail(header, 'payloadLength', `is ${header.payloadLength}, below ${DEFINE_V1_FIXED_BYTES}`)
  }
  const queueId = reader.u32('queueId')
  const maxDepth = reader.u32('maxDepth')
  const maxMessageLength = reader.u32('maxMessageLength')
  const flagBytes = reader.bytes(4, 'flags') // defaultPersistent, defaultPriority, put, get
  const sequence = reader.u8('deliverySequence')
  const nameLength = reader.u8('name')
  const descriptionLength = reader.u8('description')
  const reservedZero = reader.zeros(1, 'reserved')
  if (nameLength < 1 || nameLength > MAX_QUEUE_NAME_BYTES) {
    fail(header, 'name', `length ${nameLength}, expected 1..${MAX_QUEUE_NAME_BYTES}`)
  }
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    fail(header, 'description', `length ${descriptionLength} above ${MAX_QUEUE_DESCRIPTION_BYTES}`)
  }
  expectPayloadLength(header, DEFINE_V1_FIXED_BYTES + nameLength + descriptionLength)
  if (!reservedZero) fail(header, 'reserved', 'is not zero')
  const name = readAscii(reader, nameLength, 'name')
  const description = readUtf8(reader, descriptionLength, 'description')
  if (maxDepth > MAX_DEPTH_LIMIT) fail(header, 'maxDepth', `${maxDepth} above MAX_DEPTH_LIMIT`)
  if (maxMessageLength > MAX_MESSAGE_BYTES) {
    fail(header, 'maxMessageLength', `${maxMessageLength} above MAX_MESSAGE_BYTES`)
  }
  if (sequence > 1) fail(header, 'deliverySequence', `is ${sequence}, expected 0 or 1`)
  const flag = (index: number, field: string): boolean => {
    const value = flagBytes[index]!
    if (value > 1) fail(header, field, `is ${value}, expected 0 or 1`)
    return value === 1
  }
  const defaultPersistent = flag(0, 'defaultPersistent')
  const defaultPriority = flagBytes[1]!
  if (!isPriority(defaultPriority)) fail(header, 'defaultPriority', `is ${defaultPriority}`)
  const attributes = {
    name,
    description,
    maxDepth,
    maxMessageLength,
    defaultPersistent,
    defaultPriority,
    putEnabled: flag(2, 'putEnabled'),
    getEnabled: flag(3, 'getEnabled'),
    deliverySequence: sequence === 1 ? 'FIFO' : 'PRIORITY',
    backoutThreshold: 0,
    backoutRequeueQueue: '',
  } as const
  return { type: RecordType.QUEUE_DEFINE, queueId, attributes }
}

function decodeMessagePut(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
  version: number,
): JournalRecord {
  const identified = version === IDENTIFIED_VERSION
  const trailing = identified ? REQUEST_IDENTITY_BYTES : 0
  const put = readStoredMessage(reader, header.lsn, RecordType.MESSAGE_PUT, trailing)
  if (!identified) return put
  assert(put.type === RecordType.MESSAGE_PUT, 'a PUT decodes as a PUT')
  return { ...put, request: decodeRequest(reader, header, put.uowId) }
}

function decodeMessageGet(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
  version: number,
): JournalRecord {
  const identified = version === IDENTIFIED_VERSION
  expectPayloadLength(header, GET_PAYLOAD_BYTES + (identified ? REQUEST_IDENTITY_BYTES : 0))
  const queueId = reader.u32('queueId')
  if (!reader.zeros(4, 'reserved')) fail(header, 'reserved', 'is not zero')
  const uowId = decodeUowId(reader, header)
  const putLsn = reader.u64('putLsn')
  if (!isLsn(putLsn) || putLsn >= header.lsn) {
    fail(header, 'putLsn', `${putLsn} is not an LSN < ${header.lsn}`)
  }
  if (!identified) return { type: RecordType.MESSAGE_GET, queueId, uowId, putLsn }
  const request = decodeRequest(reader, header, uowId)
  return { type: RecordType.MESSAGE_GET, queueId, uowId, putLsn, request }
}

function decodeCommit(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
  version: number,
): JournalRecord {
  const identified = version === IDENTIFIED_VERSION
  expectPayloadLength(header, UOW_PAYLOAD_BYTES + (identified ? REQUEST_IDENTITY_BYTES : 0))
  const uowId = decodeUowId(reader, header)
  if (!identified) return { type: RecordType.UOW_COMMIT, uowId }
  return { type: RecordType.UOW_COMMIT, uowId, request: decodeIdentity(reader, header) }
}

/** The request identity of a version-3 PUT or GET, at the reader's cursor. */
function decodeRequest(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
  uowId: number,
): RequestIdentity {
  if (uowId !== 0)
    fail(header, 'uowId', `is ${uowId}: a request identity is outside a unit of work`)
  return decodeIdentity(reader, header)
}

function decodeIdentity(
  reader: LayoutReader<Uint8Array>,
  header: CheckedRecordHeader,
): RequestIdentity {
  const client = reader.copy(REQUEST_CLIENT_ID_BYTES, 'requestClient')
  const sequence = reader.u64('requestSequence')
  if (!isRequestSequence(sequence)) fail(header, 'requestSequence', `is ${sequence}, expected > 0`)
  return { client, sequence }
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
  return decodeRecord(source, offset, header) as MessagePutRecord
}

/**
 * The nextLsn of the SEGMENT_SEAL record at source[offset] (type already known), read in place:
 * the writer and the handle need it per seal, without decoding a record object.
 */
export function sealNextLsn(source: Uint8Array, offset: number): number {
  return readSafeUint64(source, offset + RECORD_HEADER_BYTES)
}
