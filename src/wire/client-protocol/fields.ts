/**
 * Field specifications: one table drives both the encoder's validation and the decoder's. A
 * field names itself (for errors such as 'PUT.priority'), bounds its values and carries the
 * MQRC a server answers when a client sends a bad one. Fields used by one message family live
 * with that family; the ones here are shared.
 */
import {
  FORMAT_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MESSAGE_ID_BYTES,
  PRIORITY_LEVELS,
} from '../../constants.js'
import { Reason } from '../../errors.js'

export const U16_MAX = 0xffff
export const U32_MAX = 0xffff_ffff
export const I32_MAX = 0x7fff_ffff
export const MAX_PRIORITY = PRIORITY_LEVELS - 1

export interface IntegerField {
  readonly name: string
  readonly min: number
  readonly max: number
  /** A value inside [min, max] that is still invalid (PUT expiry 0). */
  readonly excluded?: number
  readonly reason: number
}
export interface FlagsField {
  readonly name: string
  readonly known: number
  readonly reason: number
}
/** Text and byte strings: a u16 or u32 byte count, then the bytes. */
export interface LengthField {
  readonly name: string
  readonly prefixBytes: 2 | 4
  readonly minBytes: number
  readonly maxBytes: number
  readonly reason: number
  /** Printable ASCII only (MQ names, formats); otherwise any well-formed UTF-8. */
  readonly ascii?: boolean
}
export interface IdField {
  readonly name: string
  readonly reason: number
}

export const integer = (name: string, min: number, max: number, reason: number): IntegerField => ({
  name,
  min,
  max,
  reason,
})
export const text16 = (
  name: string,
  maxBytes: number,
  reason: number,
  minBytes = 0,
): LengthField => ({ name, prefixBytes: 2, minBytes, maxBytes, reason })
export const ascii16 = (
  name: string,
  maxBytes: number,
  reason: number,
  minBytes = 0,
): LengthField => ({ ...text16(name, maxBytes, reason, minBytes), ascii: true })
export const boolean = (name: string, reason: number): IntegerField => integer(name, 0, 1, reason)
export const count = (name: string): IntegerField =>
  integer(name, 0, U32_MAX, Reason.UNEXPECTED_ERROR)
/** The most bytes the given length-prefixed fields can take together, prefixes included. */
export const maxBytesOf = (...fields: LengthField[]): number =>
  fields.reduce((sum, field) => sum + field.prefixBytes + field.maxBytes, 0)
export const OPTIONAL_ID_MAX_BYTES = 1 + MESSAGE_ID_BYTES

export const REQUEST_ID = integer('requestId', 0, U32_MAX, Reason.UNEXPECTED_ERROR)
export const HANDLE = integer('handle', 1, U32_MAX, Reason.HOBJ_ERROR)
export const QUEUE_NAME = ascii16('queueName', MAX_QUEUE_NAME_BYTES, Reason.UNKNOWN_OBJECT_NAME, 1)
export const SYNCPOINT_BIT = 1
export const MSG_ID: IdField = { name: 'msgId', reason: Reason.MSG_ID_ERROR }
// Answered MD_ERROR since version 1 (the catalogue has since gained CORREL_ID_ERROR 2207 and
// FORMAT_ERROR 2110); moving to those changes what servers answer, so it is a change of its own.
export const CORREL_ID: IdField = { name: 'correlId', reason: Reason.MD_ERROR }
export const FORMAT = ascii16('format', FORMAT_BYTES, Reason.MD_ERROR)
export const REPLY_TO_QUEUE = ascii16('replyToQueue', MAX_QUEUE_NAME_BYTES, Reason.MD_ERROR)
export const REPLY_TO_QUEUE_MANAGER = ascii16(
  'replyToQueueManager',
  MAX_QUEUE_MANAGER_NAME_BYTES,
  Reason.MD_ERROR,
)
export const BODY: LengthField = {
  name: 'body',
  prefixBytes: 4,
  minBytes: 0,
  maxBytes: MAX_MESSAGE_BYTES,
  reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
}

export function isIntegerIn(field: IntegerField, value: number): boolean {
  if (!Number.isInteger(value)) return false
  if (value < field.min) return false
  if (value > field.max) return false
  return value !== field.excluded
}

export function describeRange(field: IntegerField): string {
  const excluded = field.excluded === undefined ? '' : ` except ${field.excluded}`
  return `${field.min}..${field.max}${excluded}`
}
