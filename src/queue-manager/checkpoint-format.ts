/**
 * Checkpoint file format, version 2: an EngineSnapshot (src/queue/snapshot.ts) on disk. Size
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
 * |   8 | u32   | version      | CHECKPOINT_VERSION = 2 (1 is still read, see below)       |
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
 * Version 2: the header, then the queue-manager section:
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
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { crc32c } from '../checksum/crc32c.js'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  PRIORITY_LEVELS,
} from '../constants.js'
import { ErrorCode, QmqError } from '../errors.js'
import { isValidQueueName } from '../queue/queue-attributes.js'
import {
  decodeQueueAttributes,
  encodeQueueAttributes,
  queueAttributesBytes,
} from '../actors/journal/queue-attributes-codec.js'
import {
  emptyMessageColumns,
  SnapshotMessageState,
  type EngineSnapshot,
  type MessageColumns,
  type QueueSnapshot,
} from '../queue/snapshot.js'
import type { QueueAttributes, QueueManagerAttributes } from '../queue/types.js'

export const CHECKPOINT_MAGIC = 'QMQCKPT1'
export const CHECKPOINT_VERSION = 2
const CHECKPOINT_VERSION_1 = 1
const QMGR_FIXED_BYTES = 8
const QUEUE_V2_FIXED_BYTES = 8
export const CHECKPOINT_HEADER_BYTES = 64
export const CHECKPOINT_TRAILER_BYTES = 8

const HeaderOffset = {
  MAGIC: 0,
  VERSION: 8,
  HEADER_BYTES: 12,
  TOTAL_BYTES: 16,
  LSN: 24,
  NEXT_SEQUENCE: 32,
  MESSAGE_COUNT: 40,
  EPOCH: 48,
  NEXT_QUEUE_ID: 52,
  QUEUE_COUNT: 56,
  RESERVED: 60,
} as const

const QueueOffset = {
  QUEUE_ID: 0,
  MESSAGE_COUNT: 4,
  MAX_DEPTH: 8,
  MAX_MESSAGE_LENGTH: 12,
  DEFAULT_PRIORITY: 16,
  FLAGS: 17,
  NAME_BYTES: 18,
  DESCRIPTION_BYTES: 19,
  NAME: 20,
} as const

const QueueFlag = { DEFAULT_PERSISTENT: 1, PUT_ENABLED: 2, GET_ENABLED: 4, FIFO: 8 } as const
const QUEUE_FLAGS_ALL = 0x0f
/** Bytes per message over all columns: four f64, four u32, two u8. */
const MESSAGE_COLUMN_BYTES = 4 * 8 + 4 * 4 + 2
const ALIGNMENT_BYTES = 8

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
  return total
}

export function encodeCheckpoint(snapshot: EngineSnapshot, epoch = 0): Uint8Array {
  const totalBytes = checkpointBytes(snapshot)
  const bytes = new Uint8Array(totalBytes)
  const view = new DataView(bytes.buffer)
  const messageCount = snapshot.queues.reduce((sum, queue) => sum + queue.messages.count, 0)
  bytes.set(Buffer.from(CHECKPOINT_MAGIC, 'ascii'), HeaderOffset.MAGIC)
  view.setUint32(HeaderOffset.VERSION, CHECKPOINT_VERSION, true)
  view.setUint32(HeaderOffset.HEADER_BYTES, CHECKPOINT_HEADER_BYTES, true)
  view.setFloat64(HeaderOffset.TOTAL_BYTES, totalBytes, true)
  view.setFloat64(HeaderOffset.LSN, snapshot.lsn, true)
  view.setFloat64(HeaderOffset.NEXT_SEQUENCE, snapshot.nextSequence, true)
  view.setFloat64(HeaderOffset.MESSAGE_COUNT, messageCount, true)
  view.setUint32(HeaderOffset.EPOCH, epoch, true)
  view.setUint32(HeaderOffset.NEXT_QUEUE_ID, snapshot.nextQueueId, true)
  view.setUint32(HeaderOffset.QUEUE_COUNT, snapshot.queues.length, true)
  let offset = encodeQueueManager(bytes, CHECKPOINT_HEADER_BYTES, snapshot.queueManager)
  for (const queue of snapshot.queues) offset = encodeQueue(view, offset, queue)
  if (offset !== totalBytes - CHECKPOINT_TRAILER_BYTES) {
    throw new Error(`checkpoint encoder wrote ${offset} of ${totalBytes} bytes`)
  }
  view.setUint32(totalBytes - 4, crc32c(bytes, 0, totalBytes - 4), true)
  return bytes
}

function encodeQueueManager(
  bytes: Uint8Array,
  start: number,
  attributes: QueueManagerAttributes | undefined,
): number {
  if (attributes === undefined) return start + QMGR_FIXED_BYTES
  const deadLetterQueue = Buffer.from(attributes.deadLetterQueue, 'ascii')
  const description = Buffer.from(attributes.description, 'utf8')
  bytes[start] = 1
  bytes[start + 1] = deadLetterQueue.length
  bytes[start + 2] = description.length
  bytes.set(deadLetterQueue, start + QMGR_FIXED_BYTES)
  bytes.set(description, start + QMGR_FIXED_BYTES + deadLetterQueue.length)
  return start + queueManagerSectionBytes(attributes)
}

function encodeQueue(view: DataView, start: number, queue: QueueSnapshot): number {
  const { attributes, messages } = queue
  view.setUint32(start, queue.queueId, true)
  view.setUint32(start + 4, messages.count, true)
  const bytes = new Uint8Array(view.buffer)
  const attributesEnd = encodeQueueAttributes(bytes, start + QUEUE_V2_FIXED_BYTES, attributes)
  return encodeColumns(view, align8(attributesEnd), messages)
}

function encodeColumns(view: DataView, start: number, messages: MessageColumns): number {
  const bytes = new Uint8Array(view.buffer)
  let offset = start
  offset = writeFloat64Column(view, offset, messages.putLsn, messages.count)
  offset = writeFloat64Column(view, offset, messages.sequence, messages.count)
  offset = writeFloat64Column(view, offset, messages.expiryAtMs, messages.count)
  offset = writeFloat64Column(view, offset, messages.uowId, messages.count)
  offset = writeUint32Column(view, offset, messages.bodyLength, messages.count)
  offset = writeUint32Column(view, offset, messages.backoutCount, messages.count)
  offset = writeUint32Column(view, offset, messages.msgIdHash, messages.count)
  offset = writeUint32Column(view, offset, messages.correlIdHash, messages.count)
  bytes.set(messages.priority.subarray(0, messages.count), offset)
  bytes.set(messages.state.subarray(0, messages.count), offset + messages.count)
  return align8(offset + 2 * messages.count)
}

function writeFloat64Column(view: DataView, offset: number, column: Float64Array, count: number) {
  for (let index = 0; index < count; index++)
    view.setFloat64(offset + index * 8, column[index]!, true)
  return offset + count * 8
}

function writeUint32Column(view: DataView, offset: number, column: Uint32Array, count: number) {
  for (let index = 0; index < count; index++)
    view.setUint32(offset + index * 4, column[index]!, true)
  return offset + count * 4
}

// ---- Decoding ----

function corrupt(field: string, detail: string): never {
  throw new QmqError(ErrorCode.CHECKPOINT_CORRUPT, `checkpoint ${field}: ${detail}`, { field })
}

function expect(condition: boolean, field: string, detail: string): void {
  if (!condition) corrupt(field, detail)
}

const isSafeCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0

export function decodeCheckpoint(bytes: Uint8Array): CheckpointContents {
  expect(bytes.length >= CHECKPOINT_HEADER_BYTES + CHECKPOINT_TRAILER_BYTES, 'length', 'too short')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = Buffer.from(bytes.subarray(0, CHECKPOINT_MAGIC.length)).toString('latin1')
  expect(magic === CHECKPOINT_MAGIC, 'magic', `expected ${CHECKPOINT_MAGIC}`)
  const version = view.getUint32(HeaderOffset.VERSION, true)
  expect(
    version === CHECKPOINT_VERSION || version === CHECKPOINT_VERSION_1,
    'version',
    `${version} is neither ${CHECKPOINT_VERSION} nor ${CHECKPOINT_VERSION_1}`,
  )
  const totalBytes = view.getFloat64(HeaderOffset.TOTAL_BYTES, true)
  expect(totalBytes === bytes.length, 'totalBytes', `${totalBytes}, file has ${bytes.length}`)
  expect(totalBytes % ALIGNMENT_BYTES === 0, 'totalBytes', 'not a multiple of 8')
  const storedChecksum = view.getUint32(totalBytes - 4, true)
  const checksum = crc32c(bytes, 0, totalBytes - 4)
  expect(storedChecksum === checksum, 'checksum', 'CRC32C mismatch')
  expect(
    view.getUint32(HeaderOffset.HEADER_BYTES, true) === CHECKPOINT_HEADER_BYTES,
    'headerBytes',
    'not 64',
  )
  expect(view.getUint32(HeaderOffset.RESERVED, true) === 0, 'reserved', 'not 0')
  expect(view.getUint32(totalBytes - CHECKPOINT_TRAILER_BYTES, true) === 0, 'trailer', 'not 0')
  const header = decodeHeader(view)
  const queues: QueueSnapshot[] = []
  const limit = totalBytes - CHECKPOINT_TRAILER_BYTES
  let offset = CHECKPOINT_HEADER_BYTES
  let queueManager: QueueManagerAttributes | undefined
  if (version === CHECKPOINT_VERSION) {
    const decodedQueueManager = decodeQueueManager(bytes, offset, limit)
    queueManager = decodedQueueManager.attributes
    offset = decodedQueueManager.end
  }
  const decodeSection = version === CHECKPOINT_VERSION ? decodeQueue : decodeQueueVersion1
  let messageCount = 0
  for (let index = 0; index < header.queueCount; index++) {
    const decoded = decodeSection(view, offset, limit, header)
    const previous = queues[queues.length - 1]
    expect(previous === undefined || previous.queueId < decoded.queue.queueId, 'queueId', 'order')
    queues.push(decoded.queue)
    messageCount += decoded.queue.messages.count
    offset = decoded.end
  }
  expect(offset === totalBytes - CHECKPOINT_TRAILER_BYTES, 'totalBytes', 'sections do not fill it')
  expect(messageCount === header.messageCount, 'messageCount', 'does not match the queues')
  return {
    lsn: header.lsn,
    nextQueueId: header.nextQueueId,
    nextSequence: header.nextSequence,
    epoch: header.epoch,
    queues,
    ...(queueManager === undefined ? {} : { queueManager }),
  }
}

function decodeQueueManager(
  bytes: Uint8Array,
  start: number,
  limit: number,
): { readonly attributes: QueueManagerAttributes | undefined; readonly end: number } {
  expect(start + QMGR_FIXED_BYTES <= limit, 'queueManager', 'section runs past the end')
  const present = bytes[start]!
  const queueBytes = bytes[start + 1]!
  const descriptionBytes = bytes[start + 2]!
  expect(present <= 1, 'queueManager', `present is ${present}`)
  const reserved = bytes.subarray(start + 3, start + QMGR_FIXED_BYTES)
  expect(
    reserved.every((value) => value === 0),
    'queueManager',
    'reserved bytes are not zero',
  )
  if (present === 0) {
    expect(queueBytes === 0 && descriptionBytes === 0, 'queueManager', 'absent but has names')
    return { attributes: undefined, end: start + QMGR_FIXED_BYTES }
  }
  const end = start + align8(QMGR_FIXED_BYTES + queueBytes + descriptionBytes)
  expect(end <= limit, 'queueManager', 'section runs past the end')
  const queueAt = start + QMGR_FIXED_BYTES
  const queueName = bytes.subarray(queueAt, queueAt + queueBytes)
  const deadLetterQueue = Buffer.from(queueName).toString('latin1')
  expect(deadLetterQueue === '' || isValidQueueName(deadLetterQueue), 'deadLetterQueue', 'name')
  const descriptionAt = queueAt + queueBytes
  const description = bytes.subarray(descriptionAt, descriptionAt + descriptionBytes)
  expect(descriptionBytes <= MAX_QUEUE_DESCRIPTION_BYTES, 'queueManager', 'description too long')
  expect(isUtf8(description), 'queueManager', 'description is not UTF-8')
  const attributes = { deadLetterQueue, description: Buffer.from(description).toString('utf8') }
  return { attributes: Object.freeze(attributes), end }
}

interface DecodedHeader {
  readonly lsn: number
  readonly nextSequence: number
  readonly messageCount: number
  readonly epoch: number
  readonly nextQueueId: number
  readonly queueCount: number
}

function decodeHeader(view: DataView): DecodedHeader {
  const lsn = view.getFloat64(HeaderOffset.LSN, true)
  expect(lsn === -1 || isSafeCount(lsn), 'lsn', `${lsn} is not -1 or an LSN`)
  const nextSequence = view.getFloat64(HeaderOffset.NEXT_SEQUENCE, true)
  expect(isSafeCount(nextSequence) && nextSequence >= 1, 'nextSequence', `${nextSequence}`)
  const messageCount = view.getFloat64(HeaderOffset.MESSAGE_COUNT, true)
  expect(isSafeCount(messageCount), 'messageCount', `${messageCount}`)
  const nextQueueId = view.getUint32(HeaderOffset.NEXT_QUEUE_ID, true)
  expect(nextQueueId >= 1, 'nextQueueId', 'must be at least 1')
  return {
    lsn,
    nextSequence,
    messageCount,
    epoch: view.getUint32(HeaderOffset.EPOCH, true),
    nextQueueId,
    queueCount: view.getUint32(HeaderOffset.QUEUE_COUNT, true),
  }
}

function decodeQueue(
  view: DataView,
  start: number,
  limit: number,
  header: DecodedHeader,
): { readonly queue: QueueSnapshot; readonly end: number } {
  expect(start + QUEUE_V2_FIXED_BYTES <= limit, 'queue', 'section runs past the end')
  const queueId = view.getUint32(start, true)
  expect(queueId < header.nextQueueId, 'queueId', `${queueId} not below nextQueueId`)
  const count = view.getUint32(start + 4, true)
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  const decoded = decodeQueueAttributes(bytes, start + QUEUE_V2_FIXED_BYTES, limit, corrupt)
  expect(isValidQueueName(decoded.attributes.name), 'name', 'is not a queue name')
  const columnsAt = align8(decoded.end)
  const end = columnsAt + align8(count * MESSAGE_COLUMN_BYTES)
  expect(end <= limit, 'queue', `section of queue ${queueId} runs past the end`)
  const alias = decoded.attributes.targetQueue !== undefined
  expect(!alias || count === 0, 'queue', `alias ${queueId} holds messages`)
  const messages = decodeColumns(view, columnsAt, count, header)
  return { queue: { queueId, attributes: decoded.attributes, messages }, end }
}

/** A queue section of a version-1 checkpoint. */
function decodeQueueVersion1(
  view: DataView,
  start: number,
  limit: number,
  header: DecodedHeader,
): { readonly queue: QueueSnapshot; readonly end: number } {
  expect(start + QueueOffset.NAME <= limit, 'queue', 'section runs past the end')

  const queueId = view.getUint32(start + QueueOffset.QUEUE_ID, true)
  expect(queueId < header.nextQueueId, 'queueId', `${queueId} not below nextQueueId`)
  const count = view.getUint32(start + QueueOffset.MESSAGE_COUNT, true)
  const nameBytes = view.getUint8(start + QueueOffset.NAME_BYTES)
  const descriptionBytes = view.getUint8(start + QueueOffset.DESCRIPTION_BYTES)
  const columnsAt = start + align8(QueueOffset.NAME + nameBytes + descriptionBytes)
  const end = columnsAt + align8(count * MESSAGE_COLUMN_BYTES)
  expect(end <= limit, 'queue', `section of queue ${queueId} runs past the end`)
  const attributes = decodeAttributes(view, start, nameBytes, descriptionBytes)
  const messages = decodeColumns(view, columnsAt, count, header)
  return { queue: { queueId, attributes, messages }, end }
}

function decodeAttributes(
  view: DataView,
  start: number,
  nameBytes: number,
  descriptionBytes: number,
): QueueAttributes {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  const nameAt = start + QueueOffset.NAME
  const name = Buffer.from(bytes.subarray(nameAt, nameAt + nameBytes)).toString('latin1')
  expect(isValidQueueName(name), 'name', `${JSON.stringify(name)} is not a queue name`)
  const descriptionRaw = bytes.subarray(nameAt + nameBytes, nameAt + nameBytes + descriptionBytes)
  expect(descriptionBytes <= MAX_QUEUE_DESCRIPTION_BYTES, 'description', 'too long')
  expect(isUtf8(descriptionRaw), 'description', 'not UTF-8')
  const maxDepth = view.getUint32(start + QueueOffset.MAX_DEPTH, true)
  expect(maxDepth <= MAX_DEPTH_LIMIT, 'maxDepth', `${maxDepth}`)
  const maxMessageLength = view.getUint32(start + QueueOffset.MAX_MESSAGE_LENGTH, true)
  expect(maxMessageLength <= MAX_MESSAGE_BYTES, 'maxMessageLength', `${maxMessageLength}`)
  const defaultPriority = view.getUint8(start + QueueOffset.DEFAULT_PRIORITY)
  expect(defaultPriority < PRIORITY_LEVELS, 'defaultPriority', `${defaultPriority}`)
  const flags = view.getUint8(start + QueueOffset.FLAGS)
  expect((flags & ~QUEUE_FLAGS_ALL) === 0, 'flags', `unknown bits in ${flags}`)
  return Object.freeze({
    name,
    description: Buffer.from(descriptionRaw).toString('utf8'),
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
}

function decodeColumns(
  view: DataView,
  start: number,
  count: number,
  header: DecodedHeader,
): MessageColumns {
  const columns = emptyMessageColumns(count)
  let offset = start
  for (const column of [columns.putLsn, columns.sequence, columns.expiryAtMs, columns.uowId]) {
    for (let index = 0; index < count; index++)
      column[index] = view.getFloat64(offset + index * 8, true)
    offset += count * 8
  }
  const wordColumns = [
    columns.bodyLength,
    columns.backoutCount,
    columns.msgIdHash,
    columns.correlIdHash,
  ]
  for (const column of wordColumns) {
    for (let index = 0; index < count; index++)
      column[index] = view.getUint32(offset + index * 4, true)
    offset += count * 4
  }
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  columns.priority.set(bytes.subarray(offset, offset + count))
  columns.state.set(bytes.subarray(offset + count, offset + 2 * count))
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
