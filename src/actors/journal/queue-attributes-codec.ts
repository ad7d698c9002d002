/**
 * The byte layout of a queue definition, shared by the QUEUE_DEFINE record (journal-record.ts,
 * record format version 2) and the checkpoint's queue sections (checkpoint-format.ts, version 2),
 * so the two formats cannot drift apart. Little-endian; the block is 20 bytes, then the names.
 *
 * | offset | width | field                   | range                                        |
 * |--------|-------|-------------------------|----------------------------------------------|
 * |      0 | u32   | maxDepth                | 0..MAX_DEPTH_LIMIT                           |
 * |      4 | u32   | maxMessageLength        | 0..MAX_MESSAGE_BYTES                         |
 * |      8 | u32   | backoutThreshold        | 0..MAX_DEPTH_LIMIT (BOTHRESH, 0 = never)     |
 * |     12 | u8    | defaultPriority         | 0..9                                         |
 * |     13 | u8    | flags                   | bit 0 DEFPSIST, 1 PUT, 2 GET, 3 FIFO         |
 * |     14 | u8    | n: name length          | 1..48                                        |
 * |     15 | u8    | d: description length   | 0..64                                        |
 * |     16 | u8    | b: BOQNAME length       | 0..48                                        |
 * |     17 | u8    | t: TARGET length        | 0..48; non-zero exactly for a QALIAS         |
 * |     18 | u16   | reserved                | 0                                            |
 * |     20 | n     | name                    | an MQ object name (ASCII)                    |
 * |   20+n | d     | description             | well-formed UTF-8                            |
 * | 20+n+d | b     | backoutRequeueQueue     | an MQ object name or empty                   |
 * |  ...+b | t     | targetQueue             | an MQ object name or empty                   |
 *
 * The queue manager's attributes (DEADQ, DESCR) are a fixed part (lengths) that differs between
 * the QMGR_ALTER record and the checkpoint's queue-manager section, followed by the same names,
 * written and read here by writeQueueManagerNames / readQueueManagerNames for both.
 *
 * The client protocol's QUEUE_INFO carries a queue's attributes in another layout (length-
 * prefixed texts first, no BOTHRESH/BOQNAME/TARGET; src/wire/client-protocol/queue-info.ts): the
 * bytes on the wire and on disk were fixed before they met, and both are kept as they are.
 *
 * Encoding input is asserted (the engine validated it); decoding reports the first bad field
 * through the reader's failure, which throws the caller's error (RECORD_INVALID or
 * CHECKPOINT_CORRUPT).
 */
import { Buffer } from 'node:buffer'
import { assert } from '../../assert.js'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
  PRIORITY_LEVELS,
} from '../../constants.js'
import type { LayoutReader, LayoutWriter } from '../../codec/layout.js'
import type { QueueAttributes, QueueManagerAttributes } from './record-types.js'
import { descriptionBytes, readAscii, readUtf8, writeAscii, writeUtf8 } from './stored-text.js'

export const QUEUE_ATTRIBUTES_FIXED_BYTES = 20
const RESERVED_BYTES = 2

const Flag = { DEFAULT_PERSISTENT: 1, PUT_ENABLED: 2, GET_ENABLED: 4, FIFO: 8 } as const
const FLAGS_ALL = 0x0f

/** Bytes writeQueueAttributes writes. */
export function queueAttributesBytes(attributes: QueueAttributes): number {
  return (
    QUEUE_ATTRIBUTES_FIXED_BYTES +
    attributes.name.length +
    Buffer.byteLength(attributes.description, 'utf8') +
    (attributes.backoutRequeueQueue ?? '').length +
    (attributes.targetQueue ?? '').length
  )
}

function assertAttributes(attributes: QueueAttributes): void {
  const { name, maxDepth, maxMessageLength, defaultPriority } = attributes
  const backoutThreshold = attributes.backoutThreshold ?? 0
  assert(name.length >= 1, 'queue attributes: a name')
  for (const each of [name, attributes.backoutRequeueQueue ?? '', attributes.targetQueue ?? '']) {
    assert(each.length <= MAX_QUEUE_NAME_BYTES, 'queue attributes: object name length')
  }
  assert(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= MAX_DEPTH_LIMIT, 'MAXDEPTH')
  assert(Number.isInteger(maxMessageLength) && maxMessageLength >= 0, 'MAXMSGL')
  assert(maxMessageLength <= MAX_MESSAGE_BYTES, 'queue attributes: MAXMSGL')
  assert(Number.isInteger(backoutThreshold) && backoutThreshold >= 0, 'BOTHRESH')
  assert(backoutThreshold <= MAX_DEPTH_LIMIT, 'queue attributes: BOTHRESH')
  assert(Number.isInteger(defaultPriority) && defaultPriority >= 0, 'DEFPRTY')
  assert(defaultPriority < PRIORITY_LEVELS, 'queue attributes: DEFPRTY')
  const sequence = attributes.deliverySequence
  assert(sequence === 'PRIORITY' || sequence === 'FIFO', 'queue attributes: MSGDLVSQ')
}

/** Writes the block at the writer's cursor. */
export function writeQueueAttributes(
  writer: LayoutWriter<Uint8Array>,
  attributes: QueueAttributes,
): void {
  assertAttributes(attributes)
  const { name, description } = attributes
  const backoutQueue = attributes.backoutRequeueQueue ?? ''
  const targetQueue = attributes.targetQueue ?? ''
  const description8 = descriptionBytes(description, MAX_QUEUE_DESCRIPTION_BYTES, 'queue')
  writer.u32(attributes.maxDepth, 'maxDepth')
  writer.u32(attributes.maxMessageLength, 'maxMessageLength')
  writer.u32(attributes.backoutThreshold ?? 0, 'backoutThreshold')
  writer.u8(attributes.defaultPriority, 'defaultPriority')
  const flags =
    (attributes.defaultPersistent ? Flag.DEFAULT_PERSISTENT : 0) |
    (attributes.putEnabled ? Flag.PUT_ENABLED : 0) |
    (attributes.getEnabled ? Flag.GET_ENABLED : 0) |
    (attributes.deliverySequence === 'FIFO' ? Flag.FIFO : 0)
  writer.u8(flags, 'flags')
  writer.u8(name.length, 'name')
  writer.u8(description8, 'description')
  writer.u8(backoutQueue.length, 'backoutQueue')
  writer.u8(targetQueue.length, 'target')
  writer.zeros(RESERVED_BYTES, 'reserved')
  writeAscii(writer, name, 'queue attributes: name')
  writeUtf8(writer, description, description8, 'description')
  writeAscii(writer, backoutQueue, 'queue attributes: BOQNAME')
  writeAscii(writer, targetQueue, 'queue attributes: TARGET')
}

/**
 * Reads a block at the reader's cursor, which must hold it before the reader's end. Every
 * field is checked; the reader's failure gets the first bad one.
 */
export function readQueueAttributes(reader: LayoutReader<Uint8Array>): QueueAttributes {
  if (reader.remainingBytes < QUEUE_ATTRIBUTES_FIXED_BYTES) {
    reader.invalid('attributes', 'shorter than their fixed part')
  }
  const maxDepth = reader.u32('maxDepth')
  const maxMessageLength = reader.u32('maxMessageLength')
  const backoutThreshold = reader.u32('backoutThreshold')
  const defaultPriority = reader.u8('defaultPriority')
  const flags = reader.u8('flags')
  const nameLength = reader.u8('name')
  const descriptionLength = reader.u8('description')
  const backoutLength = reader.u8('backoutQueue')
  const targetLength = reader.u8('target')
  const reservedZero = reader.zeros(RESERVED_BYTES, 'reserved')
  if (nameLength < 1) reader.invalid('name', 'is empty')
  if (nameLength > MAX_QUEUE_NAME_BYTES) reader.invalid('name', `length ${nameLength} above 48`)
  if (backoutLength > MAX_QUEUE_NAME_BYTES) reader.invalid('backoutQueue', `${backoutLength}`)
  if (targetLength > MAX_QUEUE_NAME_BYTES) reader.invalid('target', `length ${targetLength}`)
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    reader.invalid('description', `length ${descriptionLength} above 64`)
  }
  const namesBytes = nameLength + descriptionLength + backoutLength + targetLength
  if (namesBytes > reader.remainingBytes) reader.invalid('attributes', 'names run past the end')
  if (!reservedZero) reader.invalid('reserved', 'is not zero')
  if (maxDepth > MAX_DEPTH_LIMIT) reader.invalid('maxDepth', `${maxDepth} above the limit`)
  if (maxMessageLength > MAX_MESSAGE_BYTES) {
    reader.invalid('maxMessageLength', `${maxMessageLength} above ${MAX_MESSAGE_BYTES}`)
  }
  if (backoutThreshold > MAX_DEPTH_LIMIT) reader.invalid('backoutThreshold', `${backoutThreshold}`)
  if (defaultPriority >= PRIORITY_LEVELS) reader.invalid('defaultPriority', `${defaultPriority}`)
  if ((flags & ~FLAGS_ALL) !== 0) reader.invalid('flags', `unknown bits in ${flags}`)
  const name = readAscii(reader, nameLength, 'name')
  const description = readUtf8(reader, descriptionLength, 'description')
  const backoutRequeueQueue = readAscii(reader, backoutLength, 'backoutQueue')
  const targetQueue = readAscii(reader, targetLength, 'target')
  const attributes: QueueAttributes = {
    name,
    description,
    maxDepth,
    maxMessageLength,
    defaultPersistent: (flags & Flag.DEFAULT_PERSISTENT) !== 0,
    defaultPriority,
    putEnabled: (flags & Flag.PUT_ENABLED) !== 0,
    getEnabled: (flags & Flag.GET_ENABLED) !== 0,
    deliverySequence: (flags & Flag.FIFO) !== 0 ? 'FIFO' : 'PRIORITY',
    backoutThreshold,
    backoutRequeueQueue,
    ...(targetLength > 0 ? { targetQueue } : {}),
  }
  return Object.freeze(attributes)
}

/** The two lengths the formats put in their fixed parts, ahead of writeQueueManagerNames. */
export function queueManagerNameLengths(attributes: QueueManagerAttributes): {
  readonly deadLetterQueue: number
  readonly description: number
} {
  assert(attributes.deadLetterQueue.length <= MAX_QUEUE_NAME_BYTES, 'DEADQ: object name length')
  const description = descriptionBytes(
    attributes.description,
    MAX_QUEUE_DESCRIPTION_BYTES,
    'queue manager',
  )
  return { deadLetterQueue: attributes.deadLetterQueue.length, description }
}

/** DEADQ then DESCR, no counts (the format's fixed part has them). */
export function writeQueueManagerNames(
  writer: LayoutWriter<Uint8Array>,
  attributes: QueueManagerAttributes,
  descriptionLength: number,
): void {
  writeAscii(writer, attributes.deadLetterQueue, 'DEADQ')
  writeUtf8(writer, attributes.description, descriptionLength, 'description')
}

/** DEADQ and DESCR of the given lengths, each checked against its bound and its text rule. */
export function readQueueManagerNames(
  reader: LayoutReader<Uint8Array>,
  deadLetterQueueLength: number,
  descriptionLength: number,
): QueueManagerAttributes {
  if (deadLetterQueueLength > MAX_QUEUE_NAME_BYTES) {
    reader.invalid('deadLetterQueue', `length ${deadLetterQueueLength}`)
  }
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    reader.invalid('description', `length ${descriptionLength}`)
  }
  const deadLetterQueue = readAscii(reader, deadLetterQueueLength, 'deadLetterQueue')
  const description = readUtf8(reader, descriptionLength, 'description')
  return Object.freeze({ deadLetterQueue, description })
}
