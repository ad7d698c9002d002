/**
 * Local queue definitions: MQ's defaults (DEFINE QLOCAL, rdqm.md section 7), name rules and
 * attribute ranges. Every DEFINE and ALTER goes through resolveAttributes, so an attribute set
 * that reaches the journal is always valid.
 */
import { Buffer } from 'node:buffer'
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_DEPTH_LIMIT,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_DESCRIPTION_BYTES,
  MAX_QUEUE_NAME_BYTES,
  PRIORITY_LEVELS,
} from '../constants.js'
import { MQError, Reason } from '../errors.js'
import type { QueueAttributes } from './types.js'

export type QueueSettings = Omit<QueueAttributes, 'name' | 'targetQueue'>

/** What DEFINE QLOCAL gives every attribute not named (MQ's SYSTEM.DEFAULT.LOCAL.QUEUE). */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = Object.freeze({
  description: '',
  maxDepth: DEFAULT_MAX_DEPTH,
  maxMessageLength: DEFAULT_MAX_MESSAGE_BYTES,
  defaultPersistent: false,
  defaultPriority: 0,
  putEnabled: true,
  getEnabled: true,
  deliverySequence: 'PRIORITY',
  backoutThreshold: 0,
  backoutRequeueQueue: '',
})

/** The queue whose attributes are the defaults of DEFINE QLOCAL without LIKE (as in MQ). */
export const DEFAULT_LOCAL_QUEUE_NAME = 'SYSTEM.DEFAULT.LOCAL.QUEUE'
/** The dead-letter queue a new queue manager gets (its DEADQ) unless told otherwise. */
export const DEFAULT_DEAD_LETTER_QUEUE_NAME = 'SYSTEM.DEAD.LETTER.QUEUE'

/** MQ object names: A-Z a-z 0-9 . / _ % and at most 48 characters. */
const QUEUE_NAME_PATTERN = /^[A-Za-z0-9./_%]+$/

export function isValidQueueName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_QUEUE_NAME_BYTES &&
    QUEUE_NAME_PATTERN.test(name)
  )
}

export function checkQueueName(name: unknown): asserts name is string {
  if (isValidQueueName(name)) return
  throw new MQError(
    Reason.OBJECT_NAME_ERROR,
    `queue name ${JSON.stringify(name)} is not valid (1-${MAX_QUEUE_NAME_BYTES} of A-Z a-z 0-9 . / _ %)`,
  )
}

/**
 * The attributes `base` becomes with `changes` applied, validated. Keys of `changes` that are
 * undefined leave the base value; `name` in `changes` is ignored (a queue is never renamed).
 */
export function resolveAttributes(
  name: string,
  base: QueueSettings,
  changes: Partial<QueueAttributes>,
): QueueAttributes {
  const pick = <Key extends keyof QueueSettings>(key: Key): QueueSettings[Key] =>
    changes[key] === undefined ? base[key] : (changes[key] as QueueSettings[Key])
  const attributes: QueueAttributes = {
    name,
    description: pick('description'),
    maxDepth: pick('maxDepth'),
    maxMessageLength: pick('maxMessageLength'),
    defaultPersistent: pick('defaultPersistent'),
    defaultPriority: pick('defaultPriority'),
    putEnabled: pick('putEnabled'),
    getEnabled: pick('getEnabled'),
    deliverySequence: pick('deliverySequence'),
    backoutThreshold: pick('backoutThreshold'),
    backoutRequeueQueue: pick('backoutRequeueQueue'),
  }
  checkSettings(attributes)
  return Object.freeze(attributes)
}

function checkSettings(attributes: QueueAttributes): void {
  const { description, maxDepth, maxMessageLength, defaultPriority } = attributes
  if (typeof description !== 'string') invalid('DESCR', description, 'a string')
  if (Buffer.byteLength(description, 'utf8') > MAX_QUEUE_DESCRIPTION_BYTES) {
    invalid('DESCR', description, `at most ${MAX_QUEUE_DESCRIPTION_BYTES} bytes of UTF-8`)
  }
  if (!isIntegerIn(maxDepth, 0, MAX_DEPTH_LIMIT)) {
    invalid('MAXDEPTH', maxDepth, `an integer 0..${MAX_DEPTH_LIMIT}`)
  }
  if (!isIntegerIn(maxMessageLength, 0, MAX_MESSAGE_BYTES)) {
    invalid('MAXMSGL', maxMessageLength, `an integer 0..${MAX_MESSAGE_BYTES}`)
  }
  if (!isIntegerIn(defaultPriority, 0, PRIORITY_LEVELS - 1)) {
    invalid('DEFPRTY', defaultPriority, `an integer 0..${PRIORITY_LEVELS - 1}`)
  }
  if (!isIntegerIn(attributes.backoutThreshold, 0, MAX_DEPTH_LIMIT)) {
    invalid('BOTHRESH', attributes.backoutThreshold, `an integer 0..${MAX_DEPTH_LIMIT}`)
  }
  const backoutQueue = attributes.backoutRequeueQueue
  if (backoutQueue !== '' && !isValidQueueName(backoutQueue)) {
    invalid('BOQNAME', backoutQueue, 'a queue name or blank')
  }
  checkBoolean('DEFPSIST', attributes.defaultPersistent)
  checkBoolean('PUT', attributes.putEnabled)
  checkBoolean('GET', attributes.getEnabled)
  const sequence: unknown = attributes.deliverySequence
  if (sequence !== 'PRIORITY' && sequence !== 'FIFO')
    invalid('MSGDLVSQ', sequence, 'PRIORITY or FIFO')
}

function checkBoolean(attribute: string, value: unknown): void {
  if (typeof value !== 'boolean') invalid(attribute, value, 'a boolean')
}

function isIntegerIn(value: unknown, minimum: number, maximum: number): boolean {
  return Number.isInteger(value) && (value as number) >= minimum && (value as number) <= maximum
}

/**
 * An alias definition: name, description, PUT, GET and TARGET (a valid queue name; whether it
 * exists is checked at MQOPEN, as in MQ). The other attributes are the defaults, unused.
 */
export function resolveAliasAttributes(
  name: string,
  base: QueueAttributes | undefined,
  changes: Partial<QueueAttributes>,
): QueueAttributes {
  const targetQueue = changes.targetQueue ?? base?.targetQueue
  if (targetQueue === undefined || !isValidQueueName(targetQueue)) {
    invalid('TARGET', targetQueue ?? '', 'a queue name')
  }
  const attributes = resolveAttributes(name, base ?? DEFAULT_QUEUE_SETTINGS, {
    description: changes.description,
    putEnabled: changes.putEnabled,
    getEnabled: changes.getEnabled,
  })
  return Object.freeze({ ...attributes, targetQueue })
}

function invalid(attribute: string, value: unknown, expected: string): never {
  throw new MQError(
    Reason.CF_ATTR_VALUE_ERROR,
    `${attribute}(${JSON.stringify(value)}) is not valid: expected ${expected}`,
  )
}

/**
 * A generic name with `*` matching any run of characters (MQSC allows a trailing `*`; any
 * position is accepted here). Everything else matches itself, case-sensitively as MQ names do.
 */
export function queueNameMatcher(pattern: string): (name: string) => boolean {
  if (pattern === '*') return () => true
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  const expression = new RegExp(`^${source}$`)
  return (name) => expression.test(name)
}
