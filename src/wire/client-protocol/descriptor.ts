/**
 * The message descriptor (MQMD) as the client protocol carries it, in one place: the options
 * a PUT is given and the descriptor PUT_OK and MESSAGE return.
 *
 * put options: persistence u8 0..2 (Persistence), priority i8 -1..9 (-1: queue default),
 *   expiry i32 -1 or 1.. (tenths of a second), flags u8 (syncpoint 1), msgId id?, correlId id?,
 *   format ascii16 0..8, replyToQueue ascii16 0..48, replyToQueueManager ascii16 0..48.
 * descriptor: msgId id, correlId id, persistent u8, priority u8 0..9, expiry i32 -1.. (time
 *   left), backoutCount u32, putTimeMs u64, format, replyToQueue, replyToQueueManager as above.
 */
import { MESSAGE_ID_BYTES } from '../../constants.js'
import { loadU32, loadU64 } from '../../codec/layout.js'
import { Reason } from '../../errors.js'
import type { MessageDescriptor, PutOptions } from '../../queue/types.js'
import { Persistence } from '../../queue/types.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import {
  boolean,
  CORREL_ID,
  count,
  FORMAT,
  I32_MAX,
  integer,
  MAX_PRIORITY,
  maxBytesOf,
  MSG_ID,
  OPTIONAL_ID_MAX_BYTES,
  REPLY_TO_QUEUE,
  REPLY_TO_QUEUE_MANAGER,
  SYNCPOINT_BIT,
  type FlagsField,
  type IntegerField,
} from './fields.js'

const PERSISTENCE = integer('persistence', 0, Persistence.AS_QUEUE, Reason.PERSISTENCE_ERROR)
const PUT_PRIORITY = integer('priority', -1, MAX_PRIORITY, Reason.PRIORITY_ERROR)
const PUT_EXPIRY: IntegerField = {
  ...integer('expiry', -1, I32_MAX, Reason.EXPIRY_ERROR),
  excluded: 0,
}
const PUT_FLAGS: FlagsField = { name: 'flags', known: SYNCPOINT_BIT, reason: Reason.OPTIONS_ERROR }

const PERSISTENT = boolean('persistent', Reason.PERSISTENCE_ERROR)
const DESCRIPTOR_PRIORITY = integer('priority', 0, MAX_PRIORITY, Reason.PRIORITY_ERROR)
const DESCRIPTOR_EXPIRY = integer('expiry', -1, I32_MAX, Reason.EXPIRY_ERROR)
const BACKOUT_COUNT = count('backoutCount')
const PUT_TIME_MS = integer('putTimeMs', 0, Number.MAX_SAFE_INTEGER, Reason.MD_ERROR)

/** persistence u8, priority i8, expiry i32, flags u8; then two id? and three ascii16. */
export const PUT_OPTIONS_MAX_BYTES =
  7 + 2 * OPTIONAL_ID_MAX_BYTES + maxBytesOf(FORMAT, REPLY_TO_QUEUE, REPLY_TO_QUEUE_MANAGER)

export function writePutOptions(writer: FrameWriter, options: PutOptions): void {
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

/** persistence u8, priority i8, expiry i32, flags u8: the fixed part of the put options. */
const PUT_OPTIONS_FIXED_BYTES = 7

/** Every option is present after decoding: absent ones arrive as their documented defaults. */
export function readPutOptions(reader: PayloadReader): PutOptions {
  const at = reader.block(PUT_OPTIONS_FIXED_BYTES)
  let persistence: Persistence, priority: number, expiry: number, flags: number
  if (at >= 0) {
    // One bounds check for the fixed fields, then loads, checked in the same order.
    const source = reader.source
    persistence = reader.checked(PERSISTENCE, source[at]!) as Persistence
    priority = reader.checked(PUT_PRIORITY, (source[at + 1]! << 24) >> 24)
    expiry = reader.checked(PUT_EXPIRY, loadU32(source, at + 2) | 0)
    flags = reader.checkedFlags(PUT_FLAGS, source[at + 6]!)
  } else {
    persistence = reader.u8(PERSISTENCE) as Persistence
    priority = reader.i8(PUT_PRIORITY)
    expiry = reader.i32(PUT_EXPIRY)
    flags = reader.flags(PUT_FLAGS)
  }
  const syncpoint = (flags & SYNCPOINT_BIT) !== 0
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
export const DESCRIPTOR_MAX_BYTES =
  2 * MESSAGE_ID_BYTES + 18 + maxBytesOf(FORMAT, REPLY_TO_QUEUE, REPLY_TO_QUEUE_MANAGER)

export function writeDescriptor(writer: FrameWriter, descriptor: MessageDescriptor): void {
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

/** Two ids, persistent u8, priority u8, expiry i32, backoutCount u32, putTimeMs u64. */
const DESCRIPTOR_FIXED_BYTES = 2 * MESSAGE_ID_BYTES + 18

function copyId(source: Uint8Array, at: number): Uint8Array {
  const copied = new Uint8Array(MESSAGE_ID_BYTES)
  for (let index = 0; index < MESSAGE_ID_BYTES; index++) copied[index] = source[at + index]!
  return copied
}

/** The fixed part as one block (one bounds check), then loads checked in field order. */
function readDescriptorBlock(reader: PayloadReader, at: number): MessageDescriptor {
  const source = reader.source
  const fields = at + 2 * MESSAGE_ID_BYTES
  return {
    msgId: copyId(source, at),
    correlId: copyId(source, at + MESSAGE_ID_BYTES),
    persistent: reader.checked(PERSISTENT, source[fields]!) === 1,
    priority: reader.checked(DESCRIPTOR_PRIORITY, source[fields + 1]!),
    expiry: reader.checked(DESCRIPTOR_EXPIRY, loadU32(source, fields + 2) | 0),
    backoutCount: reader.checked(BACKOUT_COUNT, loadU32(source, fields + 6)),
    putTimeMs: reader.checked(PUT_TIME_MS, loadU64(source, fields + 10)),
    format: reader.text(FORMAT),
    replyToQueue: reader.text(REPLY_TO_QUEUE),
    replyToQueueManager: reader.text(REPLY_TO_QUEUE_MANAGER),
  }
}

/** Field by field, on a frame too short for the fixed part: the error names the field. */
function readDescriptorFields(reader: PayloadReader): MessageDescriptor {
  return {
    msgId: reader.fixedId(MSG_ID),
    correlId: reader.fixedId(CORREL_ID),
    persistent: reader.boolean(PERSISTENT),
    priority: reader.u8(DESCRIPTOR_PRIORITY),
    expiry: reader.i32(DESCRIPTOR_EXPIRY),
    backoutCount: reader.u32(BACKOUT_COUNT),
    putTimeMs: reader.u64(PUT_TIME_MS),
    format: reader.text(FORMAT),
    replyToQueue: reader.text(REPLY_TO_QUEUE),
    replyToQueueManager: reader.text(REPLY_TO_QUEUE_MANAGER),
  }
}

export function readDescriptor(reader: PayloadReader): MessageDescriptor {
  reader.scope = 'descriptor.'
  const at = reader.block(DESCRIPTOR_FIXED_BYTES)
  const descriptor = at >= 0 ? readDescriptorBlock(reader, at) : readDescriptorFields(reader)
  reader.scope = ''
  return descriptor
}
