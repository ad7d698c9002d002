/**
 * A queue's attributes and status as QUEUE_INFO carries them, in one place.
 *
 * queue attributes: name ascii16 1..48, description text16 0..64, maxDepth u32 0..999,999,999,
 *   maxMessageLength u32 0..MAX_MESSAGE_BYTES, flags u8 (defaultPersistent 1, putEnabled 2,
 *   getEnabled 4), defaultPriority u8 0..9, deliverySequence u8 (0 PRIORITY, 1 FIFO).
 * queue status: name ascii16 1..48, currentDepth, openInputCount, openOutputCount,
 *   uncommittedCount u32 each.
 */
import { assert } from '../../assert.js'
import {
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
} from '../../constants.js'
import { Reason } from '../../errors.js'
import type { DeliverySequence, QueueAttributes, QueueStatus } from '../../queue/types.js'
import type { FrameWriter } from './field-writer.js'
import type { PayloadReader } from './field-reader.js'
import {
  ascii16,
  count,
  integer,
  MAX_PRIORITY,
  maxBytesOf,
  text16,
  type FlagsField,
} from './fields.js'
import type { QueueInfoFrame } from './frames.js'
import { Opcode } from './opcodes.js'

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

export const QUEUE_INFO_MAX_BYTES =
  maxBytesOf(ATTRIBUTE_NAME, DESCRIPTION, ATTRIBUTE_NAME) + 11 + 16

export function writeQueueInfo(writer: FrameWriter, message: QueueInfoFrame): void {
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

export function readQueueInfo(reader: PayloadReader): QueueInfoFrame {
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
