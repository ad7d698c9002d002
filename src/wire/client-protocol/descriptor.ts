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

/** Every option is present after decoding: absent ones arrive as their documented defaults. */
export function readPutOptions(reader: PayloadReader): PutOptions {
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

export function readDescriptor(reader: PayloadReader): MessageDescriptor {
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
