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
 * Encoding input is asserted (the engine validated it); decoding reports the first bad field
 * through the caller's `fail`, which throws the caller's error (RECORD_INVALID or
 * CHECKPOINT_CORRUPT).
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { assert } from '../../assert.js'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
  PRIORITY_LEVELS,
} from '../../constants.js'
import type { QueueAttributes } from './record-types.js'

const Offset = {
  MAX_DEPTH: 0,
  MAX_MESSAGE_LENGTH: 4,
  BACKOUT_THRESHOLD: 8,
  DEFAULT_PRIORITY: 12,
  FLAGS: 13,
  NAME_LENGTH: 14,
  DESCRIPTION_LENGTH: 15,
  BACKOUT_QUEUE_LENGTH: 16,
  TARGET_LENGTH: 17,
  RESERVED: 18,
  NAME: 20,
} as const
export const QUEUE_ATTRIBUTES_FIXED_BYTES = Offset.NAME

const Flag = { DEFAULT_PERSISTENT: 1, PUT_ENABLED: 2, GET_ENABLED: 4, FIFO: 8 } as const
const FLAGS_ALL = 0x0f
/** The journal takes any printable ASCII name; the engine checks MQ name rules before. */
const OBJECT_NAME = /^[\x20-\x7e]*$/
/** Lone surrogates would be written as U+FFFD and read back as a different string. */
const LONE_SURROGATE = /\p{Cs}/u

export type AttributeFailure = (field: string, detail: string) => never

/** Bytes encodeQueueAttributes writes. */
export function queueAttributesBytes(attributes: QueueAttributes): number {
  return (
    Offset.NAME +
    attributes.name.length +
    Buffer.byteLength(attributes.description, 'utf8') +
    (attributes.backoutRequeueQueue ?? '').length +
    (attributes.targetQueue ?? '').length
  )
}

function writeUint32(target: Uint8Array, at: number, value: number): void {
  target[at] = value
  target[at + 1] = value >>> 8
  target[at + 2] = value >>> 16
  target[at + 3] = value >>> 24
}

function readUint32(source: Uint8Array, at: number): number {
  return (
    (source[at]! | (source[at + 1]! << 8) | (source[at + 2]! << 16) | (source[at + 3]! << 24)) >>> 0
  )
}

function writeName(target: Uint8Array, at: number, name: string, what: string): number {
  assert(name.length <= MAX_QUEUE_NAME_BYTES && OBJECT_NAME.test(name), `${what}: object name`)
  for (let index = 0; index < name.length; index++) target[at + index] = name.charCodeAt(index)
  return at + name.length
}

/** Writes the block at target[at] and returns the offset after it. */
export function encodeQueueAttributes(
  target: Uint8Array,
  at: number,
  attributes: QueueAttributes,
): number {
  const { name, description, maxDepth, maxMessageLength, defaultPriority } = attributes
  const backoutThreshold = attributes.backoutThreshold ?? 0
  const backoutQueue = attributes.backoutRequeueQueue ?? ''
  const targetQueue = attributes.targetQueue ?? ''
  const descriptionBytes = Buffer.byteLength(description, 'utf8')
  assert(name.length >= 1, 'queue attributes: a name')
  assert(descriptionBytes <= MAX_QUEUE_DESCRIPTION_BYTES, 'queue attributes: description')
  assert(!LONE_SURROGATE.test(description), 'queue attributes: description has a lone surrogate')
  assert(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= MAX_DEPTH_LIMIT, 'MAXDEPTH')
  assert(Number.isInteger(maxMessageLength) && maxMessageLength >= 0, 'MAXMSGL')
  assert(maxMessageLength <= MAX_MESSAGE_BYTES, 'queue attributes: MAXMSGL')
  assert(Number.isInteger(backoutThreshold) && backoutThreshold >= 0, 'BOTHRESH')
  assert(backoutThreshold <= MAX_DEPTH_LIMIT, 'queue attributes: BOTHRESH')
  assert(Number.isInteger(defaultPriority) && defaultPriority >= 0, 'DEFPRTY')
  assert(defaultPriority < PRIORITY_LEVELS, 'queue attributes: DEFPRTY')
  const sequence = attributes.deliverySequence
  assert(sequence === 'PRIORITY' || sequence === 'FIFO', 'queue attributes: MSGDLVSQ')
  writeUint32(target, at + Offset.MAX_DEPTH, maxDepth)
  writeUint32(target, at + Offset.MAX_MESSAGE_LENGTH, maxMessageLength)
  writeUint32(target, at + Offset.BACKOUT_THRESHOLD, backoutThreshold)
  target[at + Offset.DEFAULT_PRIORITY] = defaultPriority
  target[at + Offset.FLAGS] =
    (attributes.defaultPersistent ? Flag.DEFAULT_PERSISTENT : 0) |
    (attributes.putEnabled ? Flag.PUT_ENABLED : 0) |
    (attributes.getEnabled ? Flag.GET_ENABLED : 0) |
    (sequence === 'FIFO' ? Flag.FIFO : 0)
  target[at + Offset.NAME_LENGTH] = name.length
  target[at + Offset.DESCRIPTION_LENGTH] = descriptionBytes
  target[at + Offset.BACKOUT_QUEUE_LENGTH] = backoutQueue.length
  target[at + Offset.TARGET_LENGTH] = targetQueue.length
  target[at + Offset.RESERVED] = 0
  target[at + Offset.RESERVED + 1] = 0
  const descriptionAt = writeName(target, at + Offset.NAME, name, 'queue attributes: name')
  const written = new TextEncoder().encodeInto(
    description,
    target.subarray(descriptionAt, descriptionAt + descriptionBytes),
  ).written
  assert(written === descriptionBytes, 'queue attributes: description encoding')
  const backoutAt = descriptionAt + descriptionBytes
  const targetAt = writeName(target, backoutAt, backoutQueue, 'queue attributes: BOQNAME')
  return writeName(target, targetAt, targetQueue, 'queue attributes: TARGET')
}

function readName(
  source: Uint8Array,
  at: number,
  length: number,
  field: string,
  fail: AttributeFailure,
): string {
  if (length > MAX_QUEUE_NAME_BYTES) fail(field, `length ${length} above ${MAX_QUEUE_NAME_BYTES}`)
  const name = Buffer.from(source.buffer, source.byteOffset + at, length).toString('latin1')
  if (!OBJECT_NAME.test(name)) fail(field, `${JSON.stringify(name)} is not an MQ object name`)
  return name
}

/**
 * Reads a block from source[at, end): the attributes and the offset after them. Every field is
 * checked; `fail` is called for the first bad one.
 */
export function decodeQueueAttributes(
  source: Uint8Array,
  at: number,
  end: number,
  fail: AttributeFailure,
): { readonly attributes: QueueAttributes; readonly end: number } {
  if (at + Offset.NAME > end) fail('attributes', 'shorter than their fixed part')
  const nameLength = source[at + Offset.NAME_LENGTH]!
  const descriptionLength = source[at + Offset.DESCRIPTION_LENGTH]!
  const backoutLength = source[at + Offset.BACKOUT_QUEUE_LENGTH]!
  const targetLength = source[at + Offset.TARGET_LENGTH]!
  if (nameLength < 1) fail('name', 'is empty')
  if (nameLength > MAX_QUEUE_NAME_BYTES) fail('name', `length ${nameLength} above 48`)
  if (backoutLength > MAX_QUEUE_NAME_BYTES) fail('backoutQueue', `length ${backoutLength}`)
  if (targetLength > MAX_QUEUE_NAME_BYTES) fail('target', `length ${targetLength} above 48`)
  if (descriptionLength > MAX_QUEUE_DESCRIPTION_BYTES) {
    fail('description', `length ${descriptionLength} above ${MAX_QUEUE_DESCRIPTION_BYTES}`)
  }
  const blockEnd = at + Offset.NAME + nameLength + descriptionLength + backoutLength + targetLength
  if (blockEnd > end) fail('attributes', 'names run past the end')
  if (source[at + Offset.RESERVED] !== 0 || source[at + Offset.RESERVED + 1] !== 0) {
    fail('reserved', 'is not zero')
  }
  const maxDepth = readUint32(source, at + Offset.MAX_DEPTH)
  if (maxDepth > MAX_DEPTH_LIMIT) fail('maxDepth', `${maxDepth} above ${MAX_DEPTH_LIMIT}`)
  const maxMessageLength = readUint32(source, at + Offset.MAX_MESSAGE_LENGTH)
  if (maxMessageLength > MAX_MESSAGE_BYTES) {
    fail('maxMessageLength', `${maxMessageLength} above ${MAX_MESSAGE_BYTES}`)
  }
  const backoutThreshold = readUint32(source, at + Offset.BACKOUT_THRESHOLD)
  if (backoutThreshold > MAX_DEPTH_LIMIT) fail('backoutThreshold', `${backoutThreshold}`)
  const defaultPriority = source[at + Offset.DEFAULT_PRIORITY]!
  if (defaultPriority >= PRIORITY_LEVELS) fail('defaultPriority', `${defaultPriority}`)
  const flags = source[at + Offset.FLAGS]!
  if ((flags & ~FLAGS_ALL) !== 0) fail('flags', `unknown bits in ${flags}`)
  const nameAt = at + Offset.NAME
  const name = readName(source, nameAt, nameLength, 'name', fail)
  const descriptionAt = nameAt + nameLength
  const description = source.subarray(descriptionAt, descriptionAt + descriptionLength)
  if (!isUtf8(description)) fail('description', 'is not well-formed UTF-8')
  const backoutAt = descriptionAt + descriptionLength
  const backoutRequeueQueue = readName(source, backoutAt, backoutLength, 'backoutQueue', fail)
  const targetQueue = readName(source, backoutAt + backoutLength, targetLength, 'target', fail)
  const attributes: QueueAttributes = {
    name,
    description: Buffer.from(description).toString('utf8'),
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
  return { attributes: Object.freeze(attributes), end: blockEnd }
}
