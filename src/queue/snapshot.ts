/**
 * Checkpoint support: a consistent copy of the engine's persistent state, column by column, that
 * src/queue-manager/checkpoint-format.ts writes to disk, and the inverse that loads it before the
 * log tail is replayed. Non-persistent messages are not part of it (they do not survive a
 * restart).
 *
 * A snapshot is taken synchronously, so it is exactly "every record applied so far": `lsn` is
 * the LSN of the last record applied (-1 if none), and recovery continues with records above it.
 * Pending units of work are kept message by message (state + uowId), which is all that is needed
 * to commit or back them out when the tail brings their outcome.
 *
 * The outcome table (outcome-table.ts) is part of it, oldest first, with the messages get
 * outcomes keep: a restart, a member that installed the checkpoint, or a member that later
 * becomes primary still answers a request sent again whose first outcome predates the
 * checkpoint. Outcomes with no record (non-persistent puts, commits of units that journalled
 * nothing) are left out: what they did does not survive a restart either.
 */
import { assert } from '../assert.js'
import { PRIORITY_LEVELS } from '../constants.js'
import type { EngineState } from './engine-state.js'
import type { OutcomeEntry } from './outcome-table.js'
import type { LocalQueue } from './local-queue.js'
import { SlotState } from './message-table.js'
import type { QueueAttributes, QueueManagerAttributes } from './types.js'
import { UnitOfWorkOperation } from './unit-of-work.js'

/** The states a message can have in a snapshot (SlotState values). */
export const SnapshotMessageState = {
  AVAILABLE: SlotState.AVAILABLE,
  PUT_PENDING: SlotState.PUT_PENDING,
  GET_PENDING: SlotState.GET_PENDING,
} as const

/** Persistent messages of one queue, in ascending sequence (arrival order). */
export interface MessageColumns {
  readonly count: number
  readonly putLsn: Float64Array
  readonly sequence: Float64Array
  /** 0 for never. */
  readonly expiryAtMs: Float64Array
  /** 0 outside a unit of work. */
  readonly uowId: Float64Array
  readonly bodyLength: Uint32Array
  readonly backoutCount: Uint32Array
  readonly msgIdHash: Uint32Array
  readonly correlIdHash: Uint32Array
  readonly priority: Uint8Array
  readonly state: Uint8Array
}

/** A queue, or an alias queue (attributes.targetQueue set, no messages). */
export interface QueueSnapshot {
  readonly queueId: number
  readonly attributes: QueueAttributes
  readonly messages: MessageColumns
}

export interface EngineSnapshot {
  /** LSN of the last record applied; -1 if none. */
  readonly lsn: number
  readonly nextQueueId: number
  readonly nextSequence: number
  readonly queues: readonly QueueSnapshot[]
  /** The last QMGR_ALTER applied, if any. */
  readonly queueManager?: QueueManagerAttributes
  /** Outcomes by request identity, oldest first (none in a checkpoint before version 3). */
  readonly outcomes?: readonly OutcomeEntry[]
}

export function emptyMessageColumns(count: number): MessageColumns {
  return {
    count,
    putLsn: new Float64Array(count),
    sequence: new Float64Array(count),
    expiryAtMs: new Float64Array(count),
    uowId: new Float64Array(count),
    bodyLength: new Uint32Array(count),
    backoutCount: new Uint32Array(count),
    msgIdHash: new Uint32Array(count),
    correlIdHash: new Uint32Array(count),
    priority: new Uint8Array(count),
    state: new Uint8Array(count),
  }
}

export function captureSnapshot(state: EngineState): EngineSnapshot {
  const pendingUowIds = pendingUnitOfWorkIds(state)
  const outcomes = [...state.outcomes.list()].filter((entry) => entry.outcome.lsn >= 0)
  const locals = [...state.queuesById.values()].map((queue) => ({
    queueId: queue.queueId,
    attributes: queue.attributes,
    messages: captureMessages(queue, pendingUowIds.get(queue)),
  }))
  const aliases = [...state.aliasesById.values()].map((alias) => ({
    queueId: alias.queueId,
    attributes: alias.attributes,
    messages: emptyMessageColumns(0),
  }))
  return {
    lsn: state.lastAppliedLsn,
    nextQueueId: state.nextQueueId,
    nextSequence: state.nextSequence,
    queues: [...locals, ...aliases].sort((left, right) => left.queueId - right.queueId),
    ...(state.queueManager === undefined ? {} : { queueManager: state.queueManager }),
    ...(outcomes.length === 0 ? {} : { outcomes }),
  }
}

/** uowId of every persistent message held by a journalled unit of work, per queue and slot. */
function pendingUnitOfWorkIds(state: EngineState): Map<LocalQueue, Map<number, number>> {
  const result = new Map<LocalQueue, Map<number, number>>()
  for (const unitOfWork of state.unitsOfWork.values()) {
    unitOfWork.forEach((queue, slot) => {
      if (!queue.table.isPersistent(slot)) return
      let slots = result.get(queue)
      if (slots === undefined) {
        slots = new Map()
        result.set(queue, slots)
      }
      slots.set(slot, unitOfWork.uowId)
    })
  }
  return result
}

function captureMessages(
  queue: LocalQueue,
  uowIds: Map<number, number> | undefined,
): MessageColumns {
  const table = queue.table
  const slots: number[] = []
  for (let slot = 0; slot < table.slotLimit; slot++) {
    if (table.isPersistent(slot) && isLive(table.stateOf(slot))) slots.push(slot)
  }
  slots.sort((left, right) => table.sequence[left]! - table.sequence[right]!)
  const columns = emptyMessageColumns(slots.length)
  slots.forEach((slot, index) => {
    const state = table.stateOf(slot)
    const uowId = uowIds?.get(slot) ?? 0
    assert((state === SlotState.AVAILABLE) === (uowId === 0), 'snapshot: pending iff in a uow')
    columns.putLsn[index] = table.putLsn[slot]!
    columns.sequence[index] = table.sequence[slot]!
    columns.expiryAtMs[index] = table.expiryAtMs[slot]!
    columns.uowId[index] = uowId
    columns.bodyLength[index] = table.bodyLength[slot]!
    columns.backoutCount[index] = table.backoutCount[slot]!
    columns.msgIdHash[index] = table.msgIdHash[slot]!
    columns.correlIdHash[index] = table.correlIdHash[slot]!
    columns.priority[index] = table.priority[slot]!
    columns.state[index] = state
  })
  return columns
}

function isLive(state: SlotState): boolean {
  return (
    state === SlotState.AVAILABLE ||
    state === SlotState.PUT_PENDING ||
    state === SlotState.GET_PENDING
  )
}

/** Loads a snapshot into an engine that has applied nothing yet. */
export function restoreSnapshot(state: EngineState, snapshot: EngineSnapshot): void {
  assert(state.lastAppliedLsn === -1, 'restore: only into an engine that applied nothing')
  assert(state.queuesById.size === 0, 'restore: only into an engine without queues')
  for (const queueSnapshot of snapshot.queues) {
    if (queueSnapshot.attributes.targetQueue !== undefined) {
      assert(queueSnapshot.messages.count === 0, 'restore: an alias holds no messages')
      state.upsertAlias(queueSnapshot.queueId, queueSnapshot.attributes)
      continue
    }
    const queue = state.addQueue(queueSnapshot.queueId, queueSnapshot.attributes)
    const lastSequence = restoreMessages(state, queue, queueSnapshot.messages)
    queue.indexRelocated()
    assert(lastSequence < snapshot.nextSequence, 'restore: next sequence above every message')
  }
  assert(snapshot.nextQueueId >= state.nextQueueId, 'restore: next queue id above every queue')
  state.nextQueueId = snapshot.nextQueueId
  state.queueManager = snapshot.queueManager
  state.nextSequence = snapshot.nextSequence
  state.lastAppliedLsn = snapshot.lsn
  for (const entry of snapshot.outcomes ?? []) {
    assert(entry.outcome.lsn <= snapshot.lsn, 'restore: an outcome of a record applied')
    state.outcomes.record(entry.request, entry.outcome)
    if (entry.message !== undefined) state.outcomes.keepMessage(entry.request, entry.message, true)
  }
}

/** Returns the last sequence restored (0 if none). */
function restoreMessages(state: EngineState, queue: LocalQueue, messages: MessageColumns): number {
  let previousSequence = 0
  for (let index = 0; index < messages.count; index++) {
    const sequence = messages.sequence[index]!
    const priority = messages.priority[index]!
    const messageState = messages.state[index]!
    const uowId = messages.uowId[index]!
    assert(sequence > previousSequence, 'restore: messages in ascending sequence')
    assert(priority < PRIORITY_LEVELS, 'restore: priority 0..9')
    previousSequence = sequence
    const live =
      messageState === SlotState.AVAILABLE ||
      messageState === SlotState.PUT_PENDING ||
      messageState === SlotState.GET_PENDING
    assert(live, 'restore: a message is available, put-pending or get-pending')
    assert((messageState === SlotState.AVAILABLE) === (uowId === 0), 'restore: pending iff uow')
    const slot = queue.insert(
      {
        putLsn: messages.putLsn[index]!,
        sequence,
        expiryAtMs: messages.expiryAtMs[index]!,
        bodyLength: messages.bodyLength[index]!,
        backoutCount: messages.backoutCount[index]!,
        msgIdHash: messages.msgIdHash[index]!,
        correlIdHash: messages.correlIdHash[index]!,
        priority,
        persistent: true,
      },
      messageState,
    )
    if (uowId === 0) continue
    const operation =
      messageState === SlotState.PUT_PENDING ? UnitOfWorkOperation.PUT : UnitOfWorkOperation.GET
    state.unitOfWorkFor(uowId).add(queue, slot, operation)
  }
  return previousSequence
}
