/**
 * MQPUT: validate the descriptor and options the way MQ does, then either journal the message
 * (persistent: PUT record, apply, wait for durability) or keep it in memory (non-persistent).
 *
 * Checks, in order: the handle (2019, 2018, 2052, 2039); the descriptor (2047 persistence, 2050
 * priority, 2013 expiry, 2026 identifiers, format and reply-to names); size (2031 above the
 * queue-manager limit, 2030 above MAXMSGL); 2051 PUT(DISABLED); 2053 depth at MAXDEPTH (depth
 * counts uncommitted puts and locked gets, as CURDEPTH does); 2024 syncpoint limit.
 *
 * A put outside syncpoint that names its request (options.request) and whose identity is in the
 * outcome table was done before: it returns that put's descriptor and stores nothing
 * (request-replay.ts). Otherwise the identity goes into the PUT record (or, non-persistent,
 * straight into the table), so that a resend finds it, on this node or a new primary.
 */
import {
  FORMAT_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_QUEUE_MANAGER_NAME_BYTES,
  MAX_QUEUE_NAME_BYTES,
  MESSAGE_ID_BYTES,
  PRIORITY_LEVELS,
} from '../constants.js'
import { MQError, Reason } from '../errors.js'
import {
  RecordType,
  type MessagePutRecord,
  type StoredDescriptor,
} from '../actors/journal/record-types.js'
import type { HandleAccess as QueueHandle } from './handle-access.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { EngineState } from './engine-state.js'
import type { LocalQueue } from './local-queue.js'
import { isNoneId } from './message-id.js'
import { SlotState } from './message-table.js'
import type { PutOutcome } from './outcome-table.js'
import { messageColumnsOf } from './record-apply.js'
import { knownOutcome, replayPut } from './request-replay.js'
import { Persistence, type MessageDescriptor, type PutOptions } from './types.js'
import { UnitOfWorkOperation, type UnitOfWork } from './unit-of-work.js'

/** Largest MQ expiry: the field is an MQLONG, tenths of a second. */
const EXPIRY_MAX_TENTHS = 0x7fff_ffff
const EXPIRY_UNLIMITED = -1
const PRIORITY_AS_QUEUE = -1
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

export async function putMessage(
  runtime: EngineRuntime,
  handle: QueueHandle,
  body: Uint8Array,
  options: PutOptions,
): Promise<MessageDescriptor> {
  runtime.checkUsable()
  const queue = handle.queueFor('output')
  const request = options.syncpoint === true ? undefined : options.request
  const known = knownOutcome(runtime, request, 'put')
  if (known !== undefined) return replayPut(runtime, known)
  const descriptor = prepareDescriptor(runtime, queue, options)
  checkBody(queue, body)
  if (!queue.attributes.putEnabled || handle.alias?.attributes.putEnabled === false) {
    const name = queue.attributes.putEnabled ? handle.alias!.attributes.name : queue.name
    throw new MQError(Reason.PUT_INHIBITED, `PUT(DISABLED) on ${name}`)
  }
  if (queue.depth >= queue.attributes.maxDepth) {
    throw new MQError(Reason.Q_FULL, `${queue.name} is at MAXDEPTH(${queue.attributes.maxDepth})`)
  }
  const unitOfWork = options.syncpoint === true ? handle.connection.unitOfWorkWithRoom() : undefined
  // A copy: the caller may reuse its buffer while the message is queued. Buffer.allocUnsafe
  // takes small copies from a pooled slab instead of one ArrayBuffer per message.
  const content = Buffer.allocUnsafe(body.length)
  content.set(body)
  queue.putCount++
  if (!descriptor.persistent) {
    putNonPersistent(runtime.state, queue, { descriptor, body: content }, unitOfWork)
    if (request !== undefined) runtime.state.outcomes.record(request, putOutcome(descriptor))
    return describePut(descriptor)
  }
  const record: MessagePutRecord = {
    type: RecordType.MESSAGE_PUT,
    queueId: queue.queueId,
    uowId: runtime.uowIdFor(unitOfWork),
    descriptor,
    body: content,
    ...(request === undefined ? {} : { request }),
  }
  const lsn = runtime.appendAndApply(record, unitOfWork)
  await runtime.durable(lsn)
  return describePut(descriptor)
}

function putOutcome(descriptor: StoredDescriptor): PutOutcome {
  return { kind: 'put', lsn: -1, descriptor }
}

/** Non-persistent messages never touch the journal: same structures, local identity. */
function putNonPersistent(
  state: EngineState,
  queue: LocalQueue,
  stored: { readonly descriptor: StoredDescriptor; readonly body: Uint8Array },
  unitOfWork: UnitOfWork | undefined,
): void {
  // The put-LSN column of a non-persistent message is the last LSN applied: it keeps the
  // column non-decreasing in arrival order (see message-table.ts).
  const putKey = Math.max(state.lastAppliedLsn, 0)
  const columns = messageColumnsOf(
    stored.descriptor,
    putKey,
    stored.body.length,
    state.nextSequence,
  )
  state.nextSequence++
  const slotState = unitOfWork === undefined ? SlotState.AVAILABLE : SlotState.PUT_PENDING
  const slot = queue.insert(columns, slotState, stored)
  unitOfWork?.add(queue, slot, UnitOfWorkOperation.PUT)
}

function prepareDescriptor(
  runtime: EngineRuntime,
  queue: LocalQueue,
  options: PutOptions,
): StoredDescriptor {
  const defaults = queue.attributes
  return {
    persistent: persistenceOf(options.persistence, defaults.defaultPersistent),
    priority: priorityOf(options.priority, defaults.defaultPriority),
    expiry: expiryOf(options.expiry),
    msgId: messageIdOf(runtime, options.msgId),
    correlId: identifierOf(options.correlId, 'CorrelId') ?? new Uint8Array(MESSAGE_ID_BYTES),
    format: formatOf(options.format),
    replyToQueue: asciiField(options.replyToQueue, MAX_QUEUE_NAME_BYTES, 'ReplyToQ'),
    replyToQueueManager: asciiField(
      options.replyToQueueManager,
      MAX_QUEUE_MANAGER_NAME_BYTES,
      'ReplyToQMgr',
    ),
    putTimeMs: runtime.now(),
    backoutCount: 0,
  }
}

function persistenceOf(persistence: number | undefined, queueDefault: boolean): boolean {
  if (persistence === undefined || persistence === Persistence.AS_QUEUE) return queueDefault
  if (persistence === Persistence.PERSISTENT) return true
  if (persistence === Persistence.NOT_PERSISTENT) return false
  throw new MQError(Reason.PERSISTENCE_ERROR, `Persistence ${persistence} is not 0, 1 or 2`)
}

function priorityOf(priority: number | undefined, queueDefault: number): number {
  if (priority === undefined || priority === PRIORITY_AS_QUEUE) return queueDefault
  if (Number.isInteger(priority) && priority >= 0 && priority < PRIORITY_LEVELS) return priority
  throw new MQError(Reason.PRIORITY_ERROR, `Priority ${priority} is not -1 or 0..9`)
}

function expiryOf(expiry: number | undefined): number {
  if (expiry === undefined || expiry === EXPIRY_UNLIMITED) return EXPIRY_UNLIMITED
  if (Number.isInteger(expiry) && expiry > 0 && expiry <= EXPIRY_MAX_TENTHS) return expiry
  throw new MQError(Reason.EXPIRY_ERROR, `Expiry ${expiry} is not -1 or a positive MQLONG`)
}

function messageIdOf(runtime: EngineRuntime, msgId: Uint8Array | undefined): Uint8Array {
  const given = identifierOf(msgId, 'MsgId')
  return given === undefined || isNoneId(given) ? runtime.messageIds.next() : given
}

/** A copy of a 24-byte identifier, or undefined when absent. */
function identifierOf(id: Uint8Array | undefined, field: string): Uint8Array | undefined {
  if (id === undefined) return undefined
  if (!(id instanceof Uint8Array) || id.length !== MESSAGE_ID_BYTES) {
    throw new MQError(Reason.MD_ERROR, `${field} must be ${MESSAGE_ID_BYTES} bytes`)
  }
  return new Uint8Array(id)
}

/** MQ's Format is blank-padded: trailing spaces are not significant and are not kept. */
function formatOf(format: string | undefined): string {
  return asciiField(format, FORMAT_BYTES, 'Format').replace(/ +$/, '')
}

function asciiField(value: string | undefined, maxLength: number, field: string): string {
  if (value === undefined) return ''
  if (typeof value !== 'string' || value.length > maxLength || !PRINTABLE_ASCII.test(value)) {
    throw new MQError(Reason.MD_ERROR, `${field} must be at most ${maxLength} printable ASCII`)
  }
  return value
}

function checkBody(queue: LocalQueue, body: Uint8Array): void {
  if (!(body instanceof Uint8Array)) {
    throw new MQError(Reason.BUFFER_LENGTH_ERROR, 'the message body must be a Uint8Array')
  }
  if (body.length > MAX_MESSAGE_BYTES) {
    throw new MQError(
      Reason.MSG_TOO_BIG_FOR_Q_MGR,
      `${body.length} bytes is above the queue manager's ${MAX_MESSAGE_BYTES}`,
    )
  }
  if (body.length > queue.attributes.maxMessageLength) {
    throw new MQError(
      Reason.MSG_TOO_BIG_FOR_Q,
      `${body.length} bytes is above MAXMSGL(${queue.attributes.maxMessageLength}) of ${queue.name}`,
    )
  }
}

/** What put returns: the descriptor as stored, with identifiers the caller may keep or change. */
function describePut(descriptor: StoredDescriptor): MessageDescriptor {
  return {
    ...descriptor,
    msgId: new Uint8Array(descriptor.msgId),
    correlId: new Uint8Array(descriptor.correlId),
  }
}
