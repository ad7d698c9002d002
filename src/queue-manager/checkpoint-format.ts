/**
 * Checkpoint file format, version 3: an EngineSnapshot (src/queue/snapshot.ts) on disk. Size
 * first, allocate once, write in place; decoding checks the checksum first, then every field,
 * and reports any fault as QmqError CHECKPOINT_CORRUPT naming the field (the queue manager then
 * falls back to an older checkpoint).
 *
 * All integers are little-endian. Values that may exceed 32 bits (LSNs, sequences, times, counts)
 * are f64, exact because they are integers below 2^53. Every section starts 8-aligned.
 *
 * Header (64 bytes):
 * | off | width | field        | meaning and range                                         |
 * |-----|-------|--------------|-----------------------------------------------------------|
 * |   0 | 8     | magic        | ASCII 'QMQCKPT1'                                          |
 * |   8 | u32   | version      | CHECKPOINT_VERSION = 3 (1 and 2 are still read, below)    |
 * |  12 | u32   | headerBytes  | 64                                                        |
 * |  16 | f64   | totalBytes   | the file's length; a multiple of 8                        |
 * |  24 | f64   | lsn          | LSN of the last record applied, or -1                     |
 * |  32 | f64   | nextSequence | >= 1, above every message's sequence                      |
 * |  40 | f64   | messageCount | sum of the queues' message counts                         |
 * |  48 | u32   | epoch        | epoch of the writer (any u32)                             |
 * |  52 | u32   | nextQueueId  | above every queue id                                      |
 * |  56 | u32   | queueCount   | queue sections that follow                                |
 * |  60 | u32   | reserved     | 0                                                         |
 *
 * Version 3: version 2's sections, then the outcome section of checkpoint-outcomes.ts (the
 * engine's outcome table: request identities and their outcomes, with the messages get
 * outcomes keep). Versions 1 and 2 load with an empty table.
 *
 * Version 2 (and 3): the header, then the queue-manager section:
 * | off | width | field            | range                                                  |
 * |   0 | u8    | present          | 1 if a QMGR_ALTER was applied, else 0 (and all zero)   |
 * |   1 | u8    | q: DEADQ bytes   | 0..48, an MQ object name (ASCII)                       |
 * |   2 | u8    | d: DESCR bytes   | 0..64, well-formed UTF-8                               |
 * |   3 | 5     | reserved         | 0                                                      |
 * |   8 | ...   | DEADQ, DESCR; zero padding to 8                                        |
 * then queueCount queue sections, in ascending queueId (alias queues included, with no
 * messages): u32 queueId, u32 messageCount n, the attribute block of
 * src/actors/journal/queue-attributes-codec.ts (the same bytes as in a QUEUE_DEFINE record),
 * zero padding to 8, then the message columns below.
 *
 * Version 1 (read only; written before BOTHRESH, BOQNAME, aliases and queue-manager attributes
 * existed, which it loads as 0, blank, none and none): no queue-manager section, and sections:
 * | off  | width | field            | range                                             |
 * |------|-------|------------------|---------------------------------------------------|
 * |    0 | u32   | queueId          | any u32, unique                                   |
 * |    4 | u32   | messageCount     | n                                                 |
 * |    8 | u32   | maxDepth         | 0..MAX_DEPTH_LIMIT                                |
 * |   12 | u32   | maxMessageLength | 0..MAX_MESSAGE_BYTES                              |
 * |   16 | u8    | defaultPriority  | 0..9                                              |
 * |   17 | u8    | flags            | bit 0 DEFPSIST, 1 PUT, 2 GET, 3 MSGDLVSQ(FIFO)    |
 * |   18 | u8    | nameBytes        | 1..48, an MQ object name (ASCII)                  |
 * |   19 | u8    | descriptionBytes | 0..64, well-formed UTF-8                          |
 * |   20 | ...   | name, description; zero padding to 8                                 |
 * then the message columns, each an array of n values, in ascending sequence:
 *   f64 putLsn, f64 sequence, f64 expiryAtMs (0 never), f64 uowId (0 none),
 *   u32 bodyLength, u32 backoutCount, u32 msgIdHash, u32 correlIdHash,
 *   u8 priority (0..9), u8 state (1 available, 2 put-pending, 3 get-pending; uowId != 0 exactly
 *   when pending), then zero padding to 8.
 *
 * Trailer (8 bytes): u32 reserved 0, u32 CRC32C of every byte before it.
 *
 * Bytes move through the layout cursors of src/codec/layout.ts, like the journal records' and
 * the client protocol's. The queue's attribute block and the queue manager's names are written
 * and read by the same functions as the QUEUE_DEFINE and QMGR_ALTER records
 * (queue-attributes-codec.ts); the queue-manager section's fixed part (a `present` byte first)
 * differs from QMGR_ALTER's and is kept as it is. Padding is written as zeros and must read back
 * as zeros. The version-1 queue section has its own layout, read only.
 */
import { Buffer } from 'node:buffer'
import { AssertionError, assert } from '../assert.js'
import { crc32c } from '../checksum/crc32c.js'
import { MAX_DEPTH_LIMIT, MAX_MESSAGE_BYTES, PRIORITY_LEVELS } from '../constants.js'
import { ErrorCode, QmqError } from '../errors.js'
import { isValidQueueName } from '../queue/queue-attributes.js'
import { LayoutReader, LayoutWriter, loadU32, type LayoutFailure } from '../codec/layout.js'
import {
  queueAttributesBytes,
  queueManagerNameLengths,
  readQueueAttributes,
  readQueueManagerNames,
  writeQueueAttributes,
  writeQueueManagerNames,
} from '../actors/journal/queue-attributes-codec.js'
import { readAscii, readUtf8 } from '../actors/journal/stored-text.js'
import { outcomeSectionBytes, readOutcomes, writeOutcomes } from './checkpoint-outcomes.js'
import {
  emptyMessageColumns,
  SnapshotMessageState,
  type EngineSnapshot,
  type MessageColumns,
  type QueueSnapshot,
} from '../queue/snapshot.js'
import type { QueueAttributes, QueueManagerAttributes } from '../queue/types.js'

export const CHECKPOINT_MAGIC = 'QMQCKPT1'
export const CHECKPOINT_VERSION = 3
const CHECKPOINT_VERSION_1 = 1
const QMGR_FIXED_BYTES = 8
const QUEUE_V2_FIXED_BYTES = 8
const QUEUE_V1_FIXED_BYTES = 20
export const CHECKPOINT_HEADER_BYTES = 64
export const CHECKPOINT_TRAILER_BYTES = 8

const QueueFlag = { DEFAULT_PERSISTENT: 1, PUT_ENABLED: 2, GET_ENABLED: 4, FIFO: 8 } as const
const QUEUE_FLAGS_ALL = 0x0f
/** Bytes per message over all columns: four f64, four u32, two u8. */
const MESSAGE_COLUMN_BYTES = 4 * 8 + 4 * 4 + 2
const ALIGNMENT_BYTES = 8
const MAGIC_BYTES = Buffer.from(CHECKPOINT_MAGIC, 'latin1')

/** What a checkpoint file holds: the snapshot and the epoch of the queue manager that wrote it. */
export interface CheckpointContents extends EngineSnapshot {
  readonly epoch: number
}

const align8 = (bytes: number): number => Math.ceil(bytes / ALIGNMENT_BYTES) * ALIGNMENT_BYTES

function queueSectionBytes(queue: QueueSnapshot): number {
  const attributes = queueAttributesBytes(queue.attributes)
  return (
    align8(QUEUE_V2_FIXED_BYTES + attributes) + align8(queue.messages.count * MESSAGE_COLUMN_BYTES)
  )
}

function queueManagerSectionBytes(attributes: QueueManagerAttributes | undefined): number {
  if (attributes === undefined) return QMGR_FIXED_BYTES
  const names = attributes.deadLetterQueue.length + Buffer.byteLength(attributes.description)
  return align8(QMGR_FIXED_BYTES + names)
}

/** Bytes encodeCheckpoint produces for `snapshot`. */
export function checkpointBytes(snapshot: EngineSnapshot): number {
  let total = CHECKPOINT_HEADER_BYTES + CHECKPOINT_TRAILER_BYTES
  total += queueManagerSectionBytes(snapshot.queueManager)
  for (const queue of snapshot.queues) total += queueSectionBytes(queue)
  return total + outcomeSectionBytes(snapshot.outcomes ?? [])
}

// ---- Encoding ----

/** checkpointBytes sized the file: running past it is a bug in this codec. */
const WRITE_PAST_FILE: LayoutFailure = {
  layoutFailed(fault, field, detail) {
    throw new AssertionError(`checkpoint encoder: ${field} ${fault}, ${detail}`)
  },
}

/** Zeros up to the next multiple of 8 from the start of the file. */
function writePadding(writer: LayoutWriter<Uint8Array>): void {
  writer.zeros(align8(writer.offset) - writer.offset, 'padding')
}

export function encodeCheckpoint(snapshot: EngineSnapshot, epoch = 0): Uint8Array {
  const totalBytes = checkpointBytes(snapshot)
  const bytes = new Uint8Array(totalBytes)
  const writer = new LayoutWriter<Uint8Array>(bytes, WRITE_PAST_FILE)
  const messageCount = snapshot.queues.reduce((sum, queue) => sum + queue.messages.count, 0)
  writer.bytes(MAGIC_BYTES, 'magic')
  writer.u32(CHECKPOINT_VERSION, 'version')
  writer.u32(CHECKPOINT_HEADER_BYTES, 'headerBytes')
  writer.f64(totalBytes, 'totalBytes')
  writer.f64(snapshot.lsn, 'lsn')
  writer.f64(snapshot.nextSequence, 'nextSequence')
  writer.f64(messageCount, 'messageCount')
  writer.u32(epoch, 'epoch')
  writer.u32(snapshot.nextQueueId, 'nextQueueId')
  writer.u32(snapshot.queues.length, 'queueCount')
  writer.zeros(4, 'reserved')
  writeQueueManager(writer, snapshot.queueManager)
  for (const queue of snapshot.queues) writeQueue(writer, queue)
  writeOutcomes(writer, bytes, snapshot.outcomes ?? [])
  assert(writer.offset === totalBytes - CHECKPOINT_TRAILER_BYTES, 'checkpoint: sections sized')
  writer.zeros(4, 'trailer')
  writer.u32(crc32c(bytes, 0, totalBytes - 4), 'checksum')
  return bytes
}

function writeQueueManager(
  writer: LayoutWriter<Uint8Array>,
  attributes: QueueManagerAttributes | undefined,
): void {
  if (attributes === undefined) return writer.zeros(QMGR_FIXED_BYTES, 'queueManager')
  const lengths = queueManagerNameLengths(attributes)
  writer.u8(1, 'present')
  writer.u8(lengths.deadLetterQueue, 'deadLetterQueue')
  writer.u8(lengths.description, 'description')
  writer.zeros(QMGR_FIXED_BYTES - 3, 'reserved')
  writeQueueManagerNames(writer, attributes, lengths.description)
  writePadding(writer)
}

function writeQueue(writer: LayoutWriter<Uint8Array>, queue: QueueSnapshot): void {
  const { attributes, messages } = queue
  const count = messages.count
  writer.u32(queue.queueId, 'queueId')
  writer.u32(count, 'messageCount')
  writeQueueAttributes(writer, attributes)
  writePadding(writer)
  writer.f64s(messages.putLsn, count, 'putLsn')
  writer.f64s(messages.sequence, count, 'sequence')
  writer.f64s(messages.expiryAtMs, count, 'expiryAtMs')
  writer.f64s(messages.uowId, count, 'uowId')
  writer.u32s(messages.bodyLength, count, 'bodyLength')
  writer.u32s(messages.backoutCount, count, 'backoutCount')
  writer.u32s(messages.msgIdHash, count, 'msgIdHash')
  writer.u32s(messages.correlIdHash, count, 'correlIdHash')
  writer.bytes(messages.priority.subarray(0, count), 'priority')
  writer.bytes(messages.state.subarray(0, count), 'state')
  writePadding(writer)
}

// ---- Decoding ----

function corrupt(field: string, detail: string): never {
  throw new QmqError(ErrorCode.CHECKPOINT_CORRUPT, `checkpoint ${field}: ${detail}`, { field })
}

/** Every fault of the file, short or refused, is CHECKPOINT_CORRUPT naming the field. */
const CORRUPT: LayoutFailure = {
  layoutFailed(_fault, field, detail) {
    return corrupt(field, detail)
  },
}

function expect(condition: boolean, field: string, detail: string): void {
  if (!condition) corrupt(field, detail)
}

const isSafeCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0

/** The fields before the checksum can be trusted: magic, version and the file's length. */
function readFraming(bytes: Uint8Array): { readonly version: number; readonly totalBytes: number } {
  expect(bytes.length >= CHECKPOINT_HEADER_BYTES + CHECKPOINT_TRAILER_BYTES, 'length', 'too short')
  const reader = new LayoutReader<Uint8Array>(bytes, CORRUPT)
  const magic = reader.bytes(CHECKPOINT_MAGIC.length, 'magic')
  expect(
    magic.every((byte, index) => byte === MAGIC_BYTES[index]),
    'magic',
    `expected ${CHECKPOINT_MAGIC}`,
  )
  const version = reader.u32('version')
  expect(
    version >= CHECKPOINT_VERSION_1 && version <= CHECKPOINT_VERSION,
    'version',
    `${version} is not ${CHECKPOINT_VERSION_1}..${CHECKPOINT_VERSION}`,
  )
  reader.u32('headerBytes')
  const totalBytes = reader.f64('totalBytes')
  expect(totalBytes === bytes.length, 'totalBytes', `${totalBytes}, file has ${bytes.length}`)
  expect(totalBytes % ALIGNMENT_BYTES === 0, 'totalBytes', 'not a multiple of 8')
  const storedChecksum = loadU32(bytes, totalBytes - 4)
  expect(storedChecksum === crc32c(bytes, 0, totalBytes - 4), 'checksum', 'CRC32C mismatch')
  return { version, totalBytes }
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointContents {
  const { version, totalBytes } = readFraming(bytes)
  const limit = totalBytes - CHECKPOINT_TRAILER_BYTES
  expect(loadU32(bytes, limit) === 0, 'trailer', 'not 0')
  const reader = new LayoutReader<Uint8Array>(bytes, CORRUPT, 12, limit)
  expect(reader.u32('headerBytes') === CHECKPOINT_HEADER_BYTES, 'headerBytes', 'not 64')
  reader.f64('totalBytes')
  const header = readHeader(reader)
  const queues: QueueSnapshot[] = []
  let queueManager: QueueManagerAttributes | undefined
  if (version !== CHECKPOINT_VERSION_1) queueManager = readQueueManager(reader)
  const readSection = version === CHECKPOINT_VERSION_1 ? readQueueVersion1 : readQueue
  let messageCount = 0
  for (let index = 0; index < header.queueCount; index++) {
    const queue = readSection(reader, header)
    const previous = queues[queues.length - 1]
    expect(previous === undefined || previous.queueId < queue.queueId, 'queueId', 'order')
    queues.push(queue)
    messageCount += queue.messages.count
  }
  const outcomes =
    version === CHECKPOINT_VERSION ? readOutcomes(reader, bytes, header.lsn, expect) : []
  expect(reader.remainingBytes === 0, 'totalBytes', 'sections do not fill it')
  expect(messageCount === header.messageCount, 'messageCount', 'does not match the queues')
  return {
    lsn: header.lsn,
    nextQueueId: header.nextQueueId,
    nextSequence: header.nextSequence,
    epoch: header.epoch,
    queues,
    ...(queueManager === undefined ? {} : { queueManager }),
    ...(outcomes.length === 0 ? {} : { outcomes }),
  }
}

/** Padding up to the next multiple of 8 from the start of the file: zeros. */
function readPadding(reader: LayoutReader<Uint8Array>, field: string): void {
  const zero = reader.zeros(align8(reader.offset) - reader.offset, field)
  expect(zero, field, 'padding is not zero')
}

function readQueueManager(reader: LayoutReader<Uint8Array>): QueueManagerAttributes | undefined {
  const present = reader.u8('queueManager')
  const queueBytes = reader.u8('deadLetterQueue')
  const descriptionBytes = reader.u8('description')
  expect(present <= 1, 'queueManager', `present is ${present}`)
  expect(reader.zeros(QMGR_FIXED_BYTES - 3, 'queueManager'), 'queueManager', 'reserved not zero')
  if (present === 0) {
    expect(queueBytes === 0 && descriptionBytes === 0, 'queueManager', 'absent but has names')
    return undefined
  }
  const attributes = readQueueManagerNames(reader, queueBytes, descriptionBytes)
  const deadLetterQueue = attributes.deadLetterQueue
  expect(deadLetterQueue === '' || isValidQueueName(deadLetterQueue), 'deadLetterQueue', 'name')
  readPadding(reader, 'queueManager')
  return attributes
}

interface DecodedHeader {
  readonly lsn: number
  readonly nextSequence: number
  readonly messageCount: number
  readonly epoch: number
  readonly nextQueueId: number
  readonly queueCount: number
}

/** The header from `lsn` on (offset 24). */
function readHeader(reader: LayoutReader<Uint8Array>): DecodedHeader {
  const lsn = reader.f64('lsn')
  expect(lsn === -1 || isSafeCount(lsn), 'lsn', `${lsn} is not -1 or an LSN`)
  const nextSequence = reader.f64('nextSequence')
  expect(isSafeCount(nextSequence) && nextSequence >= 1, 'nextSequence', `${nextSequence}`)
  const messageCount = reader.f64('messageCount')
  expect(isSafeCount(messageCount), 'messageCount', `${messageCount}`)
  const epoch = reader.u32('epoch')
  const nextQueueId = reader.u32('nextQueueId')
  expect(nextQueueId >= 1, 'nextQueueId', 'must be at least 1')
  const queueCount = reader.u32('queueCount')
  expect(reader.zeros(4, 'reserved'), 'reserved', 'not 0')
  return { lsn, nextSequence, messageCount, epoch, nextQueueId, queueCount }
}

function readQueue(reader: LayoutReader<Uint8Array>, header: DecodedHeader): QueueSnapshot {
  expect(reader.remainingBytes >= QUEUE_V2_FIXED_BYTES, 'queue', 'section runs past the end')
  const queueId = reader.u32('queueId')
  expect(queueId < header.nextQueueId, 'queueId', `${queueId} not below nextQueueId`)
  const count = reader.u32('messageCount')
  const attributes = readQueueAttributes(reader)
  expect(isValidQueueName(attributes.name), 'name', 'is not a queue name')
  readPadding(reader, 'queue')
  const alias = attributes.targetQueue !== undefined
  expect(!alias || count === 0, 'queue', `alias ${queueId} holds messages`)
  const messages = readColumns(reader, count, header, queueId)
  return { queueId, attributes, messages }
}

/** A queue section of a version-1 checkpoint: its own layout, read only. */
function readQueueVersion1(reader: LayoutReader<Uint8Array>, header: DecodedHeader): QueueSnapshot {
  expect(reader.remainingBytes >= QUEUE_V1_FIXED_BYTES, 'queue', 'section runs past the end')
  const queueId = reader.u32('queueId')
  expect(queueId < header.nextQueueId, 'queueId', `${queueId} not below nextQueueId`)
  const count = reader.u32('messageCount')
  const maxDepth = reader.u32('maxDepth')
  const maxMessageLength = reader.u32('maxMessageLength')
  const defaultPriority = reader.u8('defaultPriority')
  const flags = reader.u8('flags')
  const nameBytes = reader.u8('name')
  const descriptionBytes = reader.u8('description')
  const name = readAscii(reader, nameBytes, 'name')
  expect(isValidQueueName(name), 'name', `${JSON.stringify(name)} is not a queue name`)
  const description = readUtf8(reader, descriptionBytes, 'description')
  readPadding(reader, 'queue')
  expect(maxDepth <= MAX_DEPTH_LIMIT, 'maxDepth', `${maxDepth}`)
  expect(maxMessageLength <= MAX_MESSAGE_BYTES, 'maxMessageLength', `${maxMessageLength}`)
  expect(defaultPriority < PRIORITY_LEVELS, 'defaultPriority', `${defaultPriority}`)
  expect((flags & ~QUEUE_FLAGS_ALL) === 0, 'flags', `unknown bits in ${flags}`)
  const attributes: QueueAttributes = Object.freeze({
    name,
    description,
    maxDepth,
    maxMessageLength,
    defaultPersistent: (flags & QueueFlag.DEFAULT_PERSISTENT) !== 0,
    defaultPriority,
    putEnabled: (flags & QueueFlag.PUT_ENABLED) !== 0,
    getEnabled: (flags & QueueFlag.GET_ENABLED) !== 0,
    deliverySequence: (flags & QueueFlag.FIFO) !== 0 ? 'FIFO' : 'PRIORITY',
    backoutThreshold: 0,
    backoutRequeueQueue: '',
  })
  const messages = readColumns(reader, count, header, queueId)
  return { queueId, attributes, messages }
}

function readColumns(
  reader: LayoutReader<Uint8Array>,
  count: number,
  header: DecodedHeader,
  queueId: number,
): MessageColumns {
  // Bounded before the columns are allocated: a damaged count must not allocate gigabytes.
  const columnBytes = align8(count * MESSAGE_COLUMN_BYTES)
  expect(columnBytes <= reader.remainingBytes, 'queue', `section of queue ${queueId} runs past`)
  const columns = emptyMessageColumns(count)
  reader.f64s(columns.putLsn, count, 'putLsn')
  reader.f64s(columns.sequence, count, 'sequence')
  reader.f64s(columns.expiryAtMs, count, 'expiryAtMs')
  reader.f64s(columns.uowId, count, 'uowId')
  reader.u32s(columns.bodyLength, count, 'bodyLength')
  reader.u32s(columns.backoutCount, count, 'backoutCount')
  reader.u32s(columns.msgIdHash, count, 'msgIdHash')
  reader.u32s(columns.correlIdHash, count, 'correlIdHash')
  columns.priority.set(reader.bytes(count, 'priority'))
  columns.state.set(reader.bytes(count, 'state'))
  readPadding(reader, 'queue')
  checkColumns(columns, header)
  return columns
}

function checkColumns(columns: MessageColumns, header: DecodedHeader): void {
  let previousSequence = 0
  for (let index = 0; index < columns.count; index++) {
    const putLsn = columns.putLsn[index]!
    const sequence = columns.sequence[index]!
    const uowId = columns.uowId[index]!
    const state = columns.state[index]!
    expect(isSafeCount(putLsn) && putLsn <= header.lsn, 'putLsn', `${putLsn} at message ${index}`)
    expect(isSafeCount(sequence) && sequence > previousSequence, 'sequence', `not ascending`)
    expect(sequence < header.nextSequence, 'sequence', `${sequence} not below nextSequence`)
    const expiryAtMs = columns.expiryAtMs[index]!
    expect(Number.isFinite(expiryAtMs) && expiryAtMs >= 0, 'expiryAtMs', `at message ${index}`)
    expect(isSafeCount(uowId) && uowId <= header.lsn, 'uowId', `${uowId} at message ${index}`)
    expect(columns.priority[index]! < PRIORITY_LEVELS, 'priority', `at message ${index}`)
    const pending =
      state === SnapshotMessageState.PUT_PENDING || state === SnapshotMessageState.GET_PENDING
    expect(pending || state === SnapshotMessageState.AVAILABLE, 'state', `${state}`)
    expect(pending === (uowId !== 0), 'uowId', `does not match state at message ${index}`)
    previousSequence = sequence
  }
}
