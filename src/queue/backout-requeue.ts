/**
 * Backout with MQ's poison-message handling (BOTHRESH, BOQNAME), done by the queue manager.
 *
 * In IBM MQ the queue manager only counts backouts; it is the JMS/XMS client (and some
 * frameworks) that, on getting a message whose BackoutCount has reached the queue's BOTHRESH,
 * puts it to BOQNAME (or, failing that, the dead-letter queue) instead of delivering it. Here the
 * queue manager does it itself, at the backout that makes BackoutCount reach BOTHRESH, for every
 * client: the message never comes back to the application that keeps failing on it.
 *
 * The move is part of applying the backout (UOW_BACKOUT record, or the in-memory backout of a
 * unit of work that wrote nothing): it is a deterministic function of the state at that record
 * (attributes, queue existence and depth), so it is atomic with the backout and durable with it,
 * replay and replicas make the same move, and no record of its own is written. The message keeps
 * its PUT record (putLsn, body in the log), MsgId, CorrelId and BackoutCount, and joins the
 * target at the back of its priority (a new arrival sequence), as a requeue would. Nothing is
 * prepended (MQ's dead-letter header, MQDLH, is not added).
 *
 * Target: BOQNAME if it names a local queue (or an alias of one) that accepts the message (PUT
 * enabled, below MAXDEPTH, within MAXMSGL); else the queue manager's DEADQ under the same rules;
 * else the message stays where it is, as a JMS client leaves it when both puts fail.
 */
import type { EngineState } from './engine-state.js'
import type { LocalQueue } from './local-queue.js'
import { SlotState } from './message-table.js'
import { UnitOfWorkOperation, type UnitOfWork } from './unit-of-work.js'

/** Backs `unitOfWork` out, then moves what crossed its queue's BOTHRESH. */
export function backOutWithRequeue(state: EngineState, unitOfWork: UnitOfWork): void {
  const restored: { queue: LocalQueue; slot: number }[] = []
  unitOfWork.forEach((queue, slot, operation) => {
    if (operation === UnitOfWorkOperation.GET) restored.push({ queue, slot })
  })
  unitOfWork.backout()
  for (const { queue, slot } of restored) {
    const threshold = queue.attributes.backoutThreshold ?? 0
    if (queue.deleted || threshold === 0) continue
    if (queue.table.stateOf(slot) !== SlotState.AVAILABLE) continue
    if (queue.table.backoutCount[slot]! < threshold) continue
    const target = requeueTarget(state, queue, slot)
    if (target !== undefined) moveMessage(state, queue, slot, target)
  }
}

function requeueTarget(state: EngineState, source: LocalQueue, slot: number) {
  const length = source.table.bodyLength[slot]!
  const candidates = [
    source.attributes.backoutRequeueQueue ?? '',
    state.queueManager?.deadLetterQueue ?? '',
  ]
  for (const name of candidates) {
    const target = resolveLocal(state, name)
    if (target === undefined || target === source) continue
    if (!target.attributes.putEnabled || target.depth >= target.attributes.maxDepth) continue
    if (length > target.attributes.maxMessageLength) continue
    return target
  }
  return undefined
}

function resolveLocal(state: EngineState, name: string): LocalQueue | undefined {
  if (name === '') return undefined
  const local = state.queuesByName.get(name)
  if (local !== undefined) return local
  const alias = state.aliasesByName.get(name)
  return alias === undefined ? undefined : state.queuesByName.get(alias.attributes.targetQueue!)
}

function moveMessage(state: EngineState, source: LocalQueue, slot: number, target: LocalQueue) {
  const table = source.table
  const persistent = table.isPersistent(slot)
  const stored = persistent ? undefined : source.nonPersistent.get(slot)
  const entry = {
    putLsn: table.putLsn[slot]!,
    sequence: state.nextSequence,
    expiryAtMs: table.expiryAtMs[slot]!,
    bodyLength: table.bodyLength[slot]!,
    backoutCount: table.backoutCount[slot]!,
    msgIdHash: table.msgIdHash[slot]!,
    correlIdHash: table.correlIdHash[slot]!,
    priority: table.priority[slot]!,
    persistent,
  }
  state.nextSequence++
  source.remove(slot)
  target.insert(entry, SlotState.AVAILABLE, stored)
}
