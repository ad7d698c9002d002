/**
 * The one function through which persistent state changes: apply a journal record at its LSN.
 * Live operations append a record and apply it in the same synchronous turn; recovery applies
 * the records found on disk in LSN order. Both therefore reach the same state, which is what the
 * replay tests check.
 *
 * Records come from this engine (live) or from a journal that validated their bytes (replay), so
 * a record that does not fit the state (a queue that does not exist, a GET of a message that is
 * not there) is a broken invariant, not an application error: it fails an assertion.
 */
import { assert, unreachable } from '../assert.js'
import { MQError, Reason } from '../errors.js'
import {
  RecordType,
  type JournalRecord,
  type MessageGetRecord,
  type MessagePutRecord,
  type QueueDefineRecord,
  type StoredDescriptor,
} from '../actors/journal/record-types.js'
import { backOutWithRequeue } from './backout-requeue.js'
import type { EngineState } from './engine-state.js'
import type { LocalQueue } from './local-queue.js'
import { hashId } from './message-id.js'
import { applyMessageMove } from './message-relocation.js'
import { SlotState, type MessageColumnsEntry } from './message-table.js'
import { UnitOfWorkOperation } from './unit-of-work.js'

const MILLISECONDS_PER_TENTH = 100

/**
 * `live` is true for a record the engine has just appended (its body is the engine's own copy,
 * worth caching for a quick get) and false for replay, whose body is a view into the reader's
 * buffer, reused for the next segment: never cached, never kept.
 */
export function applyRecord(
  state: EngineState,
  record: JournalRecord,
  lsn: number,
  live = false,
): void {
  assert(Number.isSafeInteger(lsn), 'apply: an LSN is an exact integer')
  assert(lsn > state.lastAppliedLsn, 'apply: records are applied in ascending LSN order')
  switch (record.type) {
    case RecordType.QUEUE_DEFINE:
      applyQueueDefine(state, record)
      break
    case RecordType.QUEUE_DELETE:
      applyQueueDelete(state, record.queueId)
      break
    case RecordType.QMGR_ALTER:
      state.queueManager = record.attributes
      break
    case RecordType.QUEUE_CLEAR:
      state.queueById(record.queueId).clearMessages()
      break
    case RecordType.MESSAGE_PUT:
      applyMessagePut(state, record, lsn, live)
      break
    case RecordType.MESSAGE_GET:
      applyMessageGet(state, record, lsn)
      break
    case RecordType.UOW_COMMIT:
      endUnitOfWork(state, record.uowId).commit()
      if (record.request !== undefined) {
        state.outcomes.record(record.request, { kind: 'commit', lsn })
      }
      break
    case RecordType.UOW_BACKOUT:
      backOutWithRequeue(state, endUnitOfWork(state, record.uowId))
      break
    case RecordType.SEGMENT_SEAL:
    case RecordType.EPOCH_START:
      break
    case RecordType.MESSAGE_MOVE:
      applyMessageMove(state, record, lsn)
      break
    default:
      unreachable(record, 'apply')
  }
  state.getSlotHint = -1
  state.lastAppliedLsn = lsn
}

/** Absolute expiry of a message, 0 for never. */
export function expiryAtMsOf(descriptor: StoredDescriptor): number {
  if (descriptor.expiry === -1) return 0
  return descriptor.putTimeMs + descriptor.expiry * MILLISECONDS_PER_TENTH
}

/** The message-table columns of a message with this descriptor. */
export function messageColumnsOf(
  descriptor: StoredDescriptor,
  putLsn: number,
  bodyLength: number,
  sequence: number,
): MessageColumnsEntry {
  return {
    putLsn,
    sequence,
    expiryAtMs: expiryAtMsOf(descriptor),
    bodyLength,
    backoutCount: descriptor.backoutCount,
    msgIdHash: hashId(descriptor.msgId),
    correlIdHash: hashId(descriptor.correlId),
    priority: descriptor.priority,
    persistent: descriptor.persistent,
  }
}

/** DEFINE and ALTER: an upsert by queue id. */
function applyQueueDefine(state: EngineState, record: QueueDefineRecord): void {
  if (record.attributes.targetQueue !== undefined) {
    state.upsertAlias(record.queueId, record.attributes)
    return
  }
  const queue = state.queuesById.get(record.queueId)
  if (queue === undefined) {
    state.addQueue(record.queueId, record.attributes)
    return
  }
  assert(queue.name === record.attributes.name, 'apply: a queue keeps its name')
  const wasGetEnabled = queue.attributes.getEnabled
  queue.attributes = record.attributes
  if (wasGetEnabled && !record.attributes.getEnabled) {
    queue.waiters.rejectAll(new MQError(Reason.GET_INHIBITED, `GET(DISABLED) on ${queue.name}`))
  }
}

function applyQueueDelete(state: EngineState, queueId: number): void {
  const alias = state.aliasesById.get(queueId)
  if (alias !== undefined) {
    state.removeAlias(alias)
    return
  }
  const queue = state.queueById(queueId)
  assert(queue.uncommitted === 0, 'apply: a deleted queue has no uncommitted messages')
  queue.clearMessages()
  state.removeQueue(queue)
  queue.waiters.rejectAll(new MQError(Reason.Q_DELETED, `queue ${queue.name} was deleted`))
}

function applyMessagePut(
  state: EngineState,
  record: MessagePutRecord,
  lsn: number,
  live: boolean,
): void {
  const queue = state.queueById(record.queueId)
  const descriptor = record.descriptor
  assert(descriptor.persistent, 'apply: only persistent messages are journalled')
  const unitOfWork = record.uowId === 0 ? undefined : state.unitOfWorkFor(record.uowId)
  const columns = messageColumnsOf(descriptor, lsn, record.body.length, state.nextSequence)
  state.nextSequence++
  const slotState = unitOfWork === undefined ? SlotState.AVAILABLE : SlotState.PUT_PENDING
  const slot = queue.insert(columns, slotState)
  if (live) state.bodyCache.add(lsn, record)
  unitOfWork?.add(queue, slot, UnitOfWorkOperation.PUT)
  if (record.request !== undefined) {
    state.outcomes.record(record.request, { kind: 'put', lsn, descriptor })
  }
}

function applyMessageGet(state: EngineState, record: MessageGetRecord, lsn: number): void {
  const queue = state.queueById(record.queueId)
  const slot = hintedSlot(state, queue, record.putLsn) ?? queue.locate(record.putLsn)

  assert(slot >= 0, `apply: GET of put LSN ${record.putLsn}, not available on ${queue.name}`)
  if (record.uowId === 0) {
    if (record.request !== undefined) {
      const table = queue.table
      state.outcomes.record(record.request, {
        kind: 'get',
        lsn,
        queueId: record.queueId,
        putLsn: record.putLsn,
        priority: table.priority[slot]!,
        backoutCount: table.backoutCount[slot]!,
        expiryAtMs: table.expiryAtMs[slot]!,
      })
      // Before the removal drops it from the cache. A replayed or standby get whose body is
      // not cached has its message read back before the next checkpoint (keepGotMessages).
      const message = state.bodyCache.get(record.putLsn)
      if (message !== undefined) state.outcomes.keepMessage(record.request, message, true)
    }
    queue.remove(slot)
    return
  }
  queue.lockForGet(slot)
  state.unitOfWorkFor(record.uowId).add(queue, slot, UnitOfWorkOperation.GET)
}

function hintedSlot(state: EngineState, queue: LocalQueue, putLsn: number): number | undefined {
  const slot = state.getSlotHint
  const table = queue.table
  if (slot < 0 || slot >= table.slotLimit) return undefined
  if (table.putLsn[slot] !== putLsn || !table.isPersistent(slot)) return undefined
  return table.stateOf(slot) === SlotState.AVAILABLE ? slot : undefined
}

function endUnitOfWork(state: EngineState, uowId: number) {
  const unitOfWork = state.unitsOfWork.get(uowId)
  assert(unitOfWork !== undefined, `apply: unit of work ${uowId} is not open`)
  state.unitsOfWork.delete(uowId)
  return unitOfWork
}
