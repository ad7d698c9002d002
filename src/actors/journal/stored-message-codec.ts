/**
 * The payload of MESSAGE_PUT and MESSAGE_MOVE: the message descriptor as stored on disk, in one
 * place, written and read through the layout cursors (src/codec/layout.ts). Payload offsets, from
 * record offset + 40; payloadLength = b - 40 + bodyLength, where b = align8(132 + q + m) is the
 * body's offset in the record. Fixed fields first, so b follows from payload bytes 34 and 35
 * alone and a reader returns the body as a view with no copy. The body starts 8-aligned in the
 * record, hence in the ring and in the log: V8 copies into a SharedArrayBuffer word by word only
 * when source and target are co-aligned, and byte by byte otherwise (1 KiB: ~70 ns against
 * ~350 ns).
 * | offset | width | field                  | range                                   |
 * |--------|-------|------------------------|-----------------------------------------|
 * |      0 | u32   | queueId                | any u32                                 |
 * |      4 | u32   | backoutCount           | any u32                                 |
 * |      8 | u64   | uowId (PUT)            | 0 (none) or lsn-typed, <= lsn           |
 * |        |       | fromPutLsn (MOVE)      | lsn-typed, < lsn                        |
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
 * The other two formats: a checkpoint's message columns store no descriptors (they keep the PUT's
 * LSN and the ids' hashes; the descriptor is read back from the log; its outcome section embeds
 * whole MESSAGE_PUT records, this layout). The client protocol
 * carries the descriptor in another layout (src/wire/client-protocol/descriptor.ts: u64
 * putTimeMs, length-prefixed format and names, no body offset to keep aligned). Both layouts were
 * fixed, with golden vectors, before they met; neither's bytes change, so each stays whole.
 */
import { assert } from '../../assert.js'
import {
  FORMAT_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MESSAGE_ID_BYTES,
  PRIORITY_LEVELS,
  RECORD_ALIGNMENT_BYTES,
  RECORD_HEADER_BYTES,
} from '../../constants.js'
import { loadF64, loadU32, loadU64, storeF64, storeU32, storeU64 } from '../../codec/layout.js'
import type { LayoutReader, LayoutWriter } from '../../codec/layout.js'
import { RecordType } from './record-types.js'
import type { MessageMoveRecord, MessagePutRecord, StoredDescriptor } from './record-types.js'
import { readAscii, writeAscii } from './stored-text.js'

/** Offsets of the fixed part, as in the table above. */
const PutOffset = {
  QUEUE_ID: 0,
  BACKOUT_COUNT: 4,
  WORD: 8,
  PUT_TIME_MS: 16,
  EXPIRY: 24,
  BODY_LENGTH: 28,
  PERSISTENT: 32,
  PRIORITY: 33,
  REPLY_TO_QUEUE_LENGTH: 34,
  MANAGER_LENGTH: 35,
  FORMAT: 36,
  MESSAGE_ID: 44,
  CORRELATION_ID: 68,
  REPLY_TO_QUEUE: 92,
} as const
/** Fixed payload bytes before the reply-to names (the table's offset 92). */
export const PUT_FIXED_BYTES = PutOffset.REPLY_TO_QUEUE
const SPACE = 0x20
const ASCII_FIRST = 0x20
const ASCII_LAST = 0x7e
const EXPIRY_UNLIMITED = -1
const INT32_MAX = 0x7fff_ffff
const UINT32_MAX = 0xffff_ffff

/** Integer arithmetic (no Math.ceil on doubles) and exact for any safe integer. */
export function alignRecordLength(bytes: number): number {
  const remainder = bytes % RECORD_ALIGNMENT_BYTES
  return remainder === 0 ? bytes : bytes + RECORD_ALIGNMENT_BYTES - remainder
}

/** Offset of a PUT's body from the start of its record: after the names, 8-aligned. */
export function putBodyOffset(replyToQueueLength: number, managerLength: number): number {
  return alignRecordLength(
    RECORD_HEADER_BYTES + PUT_FIXED_BYTES + replyToQueueLength + managerLength,
  )
}

/**
 * Record bytes besides the body of the largest PUT: header, fixed fields, both names, alignment
 * before the body and padding after it (239, within MAX_RECORD_OVERHEAD_BYTES).
 */
export const MAX_PUT_OVERHEAD_BYTES =
  putBodyOffset(MAX_QUEUE_NAME_BYTES, MAX_QUEUE_MANAGER_NAME_BYTES) + RECORD_ALIGNMENT_BYTES - 1

assert(PutOffset.MESSAGE_ID - PutOffset.FORMAT === FORMAT_BYTES, 'format width')
assert(PutOffset.CORRELATION_ID - PutOffset.MESSAGE_ID === MESSAGE_ID_BYTES, 'msgId width')
assert(PutOffset.REPLY_TO_QUEUE - PutOffset.CORRELATION_ID === MESSAGE_ID_BYTES, 'correlId width')
assert(MAX_QUEUE_NAME_BYTES <= 0xff && MAX_QUEUE_MANAGER_NAME_BYTES <= 0xff, 'u8 name lengths')

/** An LSN: a byte position in the log of a record, so 8-aligned, and exact as a JS number. */
export const isLsn = (value: number): boolean =>
  Number.isSafeInteger(value) && value >= 0 && value % RECORD_ALIGNMENT_BYTES === 0

export const isUowIdFor = (uowId: number, lsn: number): boolean => isLsn(uowId) && uowId <= lsn

export const isUint32 = (value: number): boolean =>
  Number.isInteger(value) && value >= 0 && value <= UINT32_MAX

const isExpiry = (value: number): boolean =>
  value === EXPIRY_UNLIMITED || (Number.isInteger(value) && value > 0 && value <= INT32_MAX)

export const isPriority = (value: number): boolean =>
  Number.isInteger(value) && value >= 0 && value < PRIORITY_LEVELS

/** Payload bytes of a PUT or MOVE: names are ASCII (asserted on write), so chars are bytes. */
export function storedMessagePayloadBytes(descriptor: StoredDescriptor, bodyBytes: number): number {
  const { replyToQueue, replyToQueueManager } = descriptor
  const bodyOffset = putBodyOffset(replyToQueue.length, replyToQueueManager.length)
  return bodyOffset - RECORD_HEADER_BYTES + bodyBytes
}

function assertDescriptor(descriptor: StoredDescriptor): void {
  const { msgId, correlId, format, expiry, putTimeMs } = descriptor
  assert(msgId.length === MESSAGE_ID_BYTES, 'MESSAGE_PUT: msgId must be 24 bytes')
  assert(correlId.length === MESSAGE_ID_BYTES, 'MESSAGE_PUT: correlId must be 24 bytes')
  assert(isPriority(descriptor.priority), 'MESSAGE_PUT: priority must be 0..9')
  assert(isExpiry(expiry), 'MESSAGE_PUT: expiry must be -1 or 1..2^31-1')
  assert(Number.isFinite(putTimeMs) && putTimeMs >= 0, 'MESSAGE_PUT: putTimeMs must be >= 0')
  assert(isUint32(descriptor.backoutCount), 'MESSAGE_PUT: backoutCount must be a u32')
  assert(format.length <= FORMAT_BYTES, 'MESSAGE_PUT: format longer than 8 characters')
  assert(descriptor.replyToQueue.length <= MAX_QUEUE_NAME_BYTES, 'MESSAGE_PUT: replyToQueue')
  assert(
    descriptor.replyToQueueManager.length <= MAX_QUEUE_MANAGER_NAME_BYTES,
    'MESSAGE_PUT: replyToQueueManager too long',
  )
}

/**
 * The fixed part, bodyLength aside, by stores at the table's offsets into one claimed block: on
 * the append path a cursor call per field cost ~2x the encode of a 1 KiB PUT
 * (bench/record-codec.bench.ts), a block claimed once costs no more than hand-written code.
 */
function writeFixedPart(
  target: Uint8Array,
  at: number,
  queueId: number,
  word: number,
  descriptor: StoredDescriptor,
): void {
  const { format, msgId, correlId } = descriptor
  storeU32(target, at + PutOffset.QUEUE_ID, queueId)
  storeU32(target, at + PutOffset.BACKOUT_COUNT, descriptor.backoutCount)
  storeU64(target, at + PutOffset.WORD, word)
  storeF64(target, at + PutOffset.PUT_TIME_MS, descriptor.putTimeMs)
  storeU32(target, at + PutOffset.EXPIRY, descriptor.expiry)
  target[at + PutOffset.PERSISTENT] = descriptor.persistent ? 1 : 0
  target[at + PutOffset.PRIORITY] = descriptor.priority
  target[at + PutOffset.REPLY_TO_QUEUE_LENGTH] = descriptor.replyToQueue.length
  target[at + PutOffset.MANAGER_LENGTH] = descriptor.replyToQueueManager.length
  for (let index = 0; index < FORMAT_BYTES; index++) {
    const code = index < format.length ? format.charCodeAt(index) : SPACE
    assert(code >= ASCII_FIRST && code <= ASCII_LAST, 'MESSAGE_PUT: format is printable ASCII')
    target[at + PutOffset.FORMAT + index] = code
  }
  for (let index = 0; index < MESSAGE_ID_BYTES; index++) {
    target[at + PutOffset.MESSAGE_ID + index] = msgId[index]!
    target[at + PutOffset.CORRELATION_ID + index] = correlId[index]!
  }
}

/**
 * Writes a PUT or MOVE payload at the writer's cursor, the payload's first byte. `word` is the
 * u64 at offset 8: the uowId of a PUT, the fromPutLsn of a MOVE (the caller checked it).
 */
export function writeStoredMessage(
  writer: LayoutWriter<Uint8Array>,
  queueId: number,
  word: number,
  descriptor: StoredDescriptor,
  body: Uint8Array,
): void {
  assertDescriptor(descriptor)
  assert(isUint32(queueId), 'MESSAGE_PUT: queueId must be a u32')
  assert(body.length <= MAX_MESSAGE_BYTES, 'MESSAGE_PUT: body larger than MAX_MESSAGE_BYTES')
  const { replyToQueue, replyToQueueManager } = descriptor
  const payloadStart = writer.offset
  writeFixedPart(writer.target, writer.claim(PUT_FIXED_BYTES, 'fixed'), queueId, word, descriptor)
  storeU32(writer.target, payloadStart + PutOffset.BODY_LENGTH, body.length)
  writeAscii(writer, replyToQueue, 'MESSAGE_PUT: replyToQueue')
  writeAscii(writer, replyToQueueManager, 'MESSAGE_PUT: replyToQueueManager')
  const bodyAt =
    payloadStart -
    RECORD_HEADER_BYTES +
    putBodyOffset(replyToQueue.length, replyToQueueManager.length)
  writer.zeros(bodyAt - writer.offset, 'alignment')
  writer.bytes(body, 'body')
}

/**
 * The last format decoded, as its 8 stored bytes and its string. Nearly every message carries one
 * of a few formats ('MQSTR', blank), so comparing 8 bytes usually replaces validating, building
 * and trimming a string. Bytes that matched were validated when first decoded. `at` is inside
 * the fixed block the caller claimed.
 */
const lastFormatBytes = new Uint8Array(FORMAT_BYTES)
let lastFormat: string | undefined

function readFormat(reader: LayoutReader<Uint8Array>, at: number): string {
  const source = reader.source
  if (lastFormat !== undefined) {
    let index = 0
    while (index < FORMAT_BYTES && source[at + index] === lastFormatBytes[index]) index++
    if (index === FORMAT_BYTES) return lastFormat
  }
  let format = ''
  for (let index = 0; index < FORMAT_BYTES; index++) {
    const code = source[at + index]!
    if (code < ASCII_FIRST || code > ASCII_LAST) {
      reader.invalid('format', `has byte ${code} at ${index}, expected printable ASCII`)
    }
    format += String.fromCharCode(code)
  }
  // Blank padding is not significant in MQFMT: 'MQSTR   ' is 'MQSTR'.
  format = format.trimEnd()
  for (let index = 0; index < FORMAT_BYTES; index++) lastFormatBytes[index] = source[at + index]!
  lastFormat = format
  return format
}

/** A 24-byte id copied out of the fixed block (ids outlive the source in the engine's indexes). */
function copyId(source: Uint8Array, at: number): Uint8Array {
  const copied = new Uint8Array(MESSAGE_ID_BYTES)
  for (let index = 0; index < MESSAGE_ID_BYTES; index++) copied[index] = source[at + index]!
  return copied
}

/** The fixed part's lengths, checked before anything is built from them. */
function checkLengths(
  reader: LayoutReader<Uint8Array>,
  replyToQueueLength: number,
  managerLength: number,
  bodyLength: number,
  payloadLength: number,
): void {
  if (replyToQueueLength > MAX_QUEUE_NAME_BYTES) {
    reader.invalid('replyToQueue', `length ${replyToQueueLength} above ${MAX_QUEUE_NAME_BYTES}`)
  }
  if (managerLength > MAX_QUEUE_MANAGER_NAME_BYTES) {
    reader.invalid('replyToQueueManager', `length ${managerLength} above 48`)
  }
  if (bodyLength > MAX_MESSAGE_BYTES) reader.invalid('bodyLength', `${bodyLength} above maximum`)
  const bodyOffset = putBodyOffset(replyToQueueLength, managerLength) - RECORD_HEADER_BYTES
  if (bodyOffset + bodyLength !== payloadLength) {
    reader.invalid('bodyLength', `${bodyLength} does not fit payload ${payloadLength}`)
  }
}

/**
 * Reads a PUT (or, with `type` MESSAGE_MOVE, a MOVE) payload that spans the reader from its
 * cursor to its end, less `trailingBytes` after the body (a version-3 PUT's request identity,
 * which the caller reads). Every field is checked; `lsn` is the record's own, which the word at
 * offset 8 must not pass. The ids are copies (they outlive the source in the engine's indexes),
 * the body a view of the source.
 */
export function readStoredMessage(
  reader: LayoutReader<Uint8Array>,
  lsn: number,
  type: typeof RecordType.MESSAGE_PUT | typeof RecordType.MESSAGE_MOVE,
  trailingBytes = 0,
): MessagePutRecord | MessageMoveRecord {
  const payloadLength = reader.remainingBytes - trailingBytes
  if (payloadLength < PUT_FIXED_BYTES) {
    reader.invalid('payloadLength', `is ${payloadLength}, below ${PUT_FIXED_BYTES}`)
  }
  // One claim for the fixed block (length checked above), then loads at the table's offsets: a
  // cursor call per field cost ~1.5x the decode of a 1 KiB PUT (bench/record-codec.bench.ts).
  const at = reader.claim(PUT_FIXED_BYTES, 'fixed')
  const source = reader.source
  const queueId = loadU32(source, at + PutOffset.QUEUE_ID)
  const backoutCount = loadU32(source, at + PutOffset.BACKOUT_COUNT)
  const word = loadU64(source, at + PutOffset.WORD)
  const putTimeMs = loadF64(source, at + PutOffset.PUT_TIME_MS)
  const expiry = loadU32(source, at + PutOffset.EXPIRY) | 0
  const bodyLength = loadU32(source, at + PutOffset.BODY_LENGTH)
  const persistent = source[at + PutOffset.PERSISTENT]!
  const priority = source[at + PutOffset.PRIORITY]!
  const replyToQueueLength = source[at + PutOffset.REPLY_TO_QUEUE_LENGTH]!
  const managerLength = source[at + PutOffset.MANAGER_LENGTH]!
  checkLengths(reader, replyToQueueLength, managerLength, bodyLength, payloadLength)
  if (type === RecordType.MESSAGE_MOVE && !(isLsn(word) && word < lsn)) {
    reader.invalid('fromPutLsn', `${word} is not an LSN < ${lsn}`)
  }
  if (!isExpiry(expiry)) reader.invalid('expiry', `is ${expiry}, expected -1 or > 0`)
  if (!(Number.isFinite(putTimeMs) && putTimeMs >= 0)) {
    reader.invalid('putTimeMs', `is ${putTimeMs}, expected a finite number >= 0`)
  }
  if (persistent > 1) reader.invalid('persistent', `is ${persistent}, expected 0 or 1`)
  if (!isPriority(priority)) reader.invalid('priority', `is ${priority}, expected 0..9`)
  const format = readFormat(reader, at + PutOffset.FORMAT)
  const msgId = copyId(source, at + PutOffset.MESSAGE_ID)
  const correlId = copyId(source, at + PutOffset.CORRELATION_ID)
  const replyToQueue = readAscii(reader, replyToQueueLength, 'replyToQueue')
  const replyToQueueManager = readAscii(reader, managerLength, 'replyToQueueManager')
  const alignment = reader.remainingBytes - trailingBytes - bodyLength
  if (!reader.zeros(alignment, 'alignment'))
    reader.invalid('alignment', 'before the body is not zero')
  if (type === RecordType.MESSAGE_PUT && !isUowIdFor(word, lsn)) {
    reader.invalid('uowId', `${word} is not 0 or an LSN <= ${lsn}`)
  }
  const descriptor: StoredDescriptor = {
    msgId,
    correlId,
    persistent: persistent === 1,
    priority,
    expiry,
    putTimeMs,
    backoutCount,
    format,
    replyToQueue,
    replyToQueueManager,
  }
  const body = reader.bytes(bodyLength, 'body')
  return type === RecordType.MESSAGE_PUT
    ? { type, queueId, uowId: word, descriptor, body }
    : { type, queueId, fromPutLsn: word, descriptor, body }
}
