/**
 * Everything the queue engine knows, in one place: queues (by id and by name), units of work
 * with a journal presence, the counters replay must restore, and the body cache. Changed only by
 * record-apply.ts (persistent changes) and by the non-persistent paths of the live operations.
 */
import { assert } from '../assert.js'
import { RECORD_ALIGNMENT_BYTES } from '../constants.js'
import { BodyCache } from './body-cache.js'
import { LocalQueue } from './local-queue.js'
import { OutcomeTable } from './outcome-table.js'
import type { QueueAttributes, QueueManagerAttributes } from './types.js'
import { UnitOfWork } from './unit-of-work.js'

/** An alias queue (DEFINE QALIAS): a name that resolves to a local queue at MQOPEN. */
export interface AliasQueue {
  readonly queueId: number
  attributes: QueueAttributes
}

export class EngineState {
  readonly queuesById = new Map<number, LocalQueue>()
  readonly queuesByName = new Map<string, LocalQueue>()
  /** Alias queues; names are unique across local and alias queues, ids across both too. */
  readonly aliasesById = new Map<number, AliasQueue>()
  readonly aliasesByName = new Map<string, AliasQueue>()
  /** The last QMGR_ALTER applied; undefined before the queue manager's creation wrote one. */
  queueManager: QueueManagerAttributes | undefined
  /** Units of work that have written at least one record, by uowId. */
  readonly unitsOfWork = new Map<number, UnitOfWork>()
  readonly bodyCache: BodyCache
  /** Recent outcomes by request identity (outcome-table.ts). */
  readonly outcomes: OutcomeTable
  /**
   * Identified gets waiting for a message, by outcome key: the same request sent again (its
   * client reconnected) cancels the one left behind, which nobody would receive.
   */
  readonly waitingRequests = new Map<string, AbortController>()
  nextQueueId = 1
  /** Arrival order of messages, persistent or not. */
  nextSequence = 1
  /** LSN of the last record applied; -1 before the first (the log starts at LSN 0). */
  lastAppliedLsn = -1
  /**
   * The live get that is about to apply its GET record names the slot it chose, so apply need
   * not search for it. Replay leaves it at -1 and apply finds the message by put LSN.
   */
  getSlotHint = -1

  constructor(bodyCacheBytes: number, outcomeTableEntries?: number) {
    this.bodyCache = new BodyCache(bodyCacheBytes)
    this.outcomes = new OutcomeTable(outcomeTableEntries)
  }

  queueById(queueId: number): LocalQueue {
    const queue = this.queuesById.get(queueId)
    assert(queue !== undefined, `journal names queue id ${queueId}, which is not defined`)
    return queue
  }

  addQueue(queueId: number, attributes: QueueAttributes): LocalQueue {
    assert(!this.queuesById.has(queueId), 'queue ids are not reused')
    assert(!this.isNameTaken(attributes.name), 'queue names are unique')
    const queue = new LocalQueue(queueId, attributes, this.bodyCache)
    this.queuesById.set(queueId, queue)
    this.queuesByName.set(attributes.name, queue)
    this.nextQueueId = Math.max(this.nextQueueId, queueId + 1)
    return queue
  }

  /** DEFINE (or ALTER) QALIAS: an upsert by queue id. */
  upsertAlias(queueId: number, attributes: QueueAttributes): void {
    assert(attributes.targetQueue !== undefined, 'an alias has a target')
    assert(!this.queuesById.has(queueId), 'alias ids are not local queue ids')
    const existing = this.aliasesById.get(queueId)
    if (existing !== undefined) {
      assert(existing.attributes.name === attributes.name, 'an alias keeps its name')
      existing.attributes = attributes
      return
    }
    assert(!this.isNameTaken(attributes.name), 'queue names are unique')
    const alias = { queueId, attributes }
    this.aliasesById.set(queueId, alias)
    this.aliasesByName.set(attributes.name, alias)
    this.nextQueueId = Math.max(this.nextQueueId, queueId + 1)
  }

  removeAlias(alias: AliasQueue): void {
    this.aliasesById.delete(alias.queueId)
    this.aliasesByName.delete(alias.attributes.name)
  }

  isNameTaken(name: string): boolean {
    return this.queuesByName.has(name) || this.aliasesByName.has(name)
  }

  removeQueue(queue: LocalQueue): void {
    assert(this.queuesById.get(queue.queueId) === queue, 'remove a defined queue')
    this.queuesById.delete(queue.queueId)
    this.queuesByName.delete(queue.name)
    queue.deleted = true
  }

  /** The unit of work `uowId` names; replay opens one the first time it meets an id. */
  unitOfWorkFor(uowId: number): UnitOfWork {
    assert(uowId > 0, 'a unit of work has a positive id')
    let unitOfWork = this.unitsOfWork.get(uowId)
    if (unitOfWork === undefined) {
      unitOfWork = new UnitOfWork(undefined)
      unitOfWork.uowId = uowId
      this.unitsOfWork.set(uowId, unitOfWork)
    }
    return unitOfWork
  }

  /** The uowId a unit of work writing its first record now takes (see unit-of-work.ts). */
  nextUnitOfWorkId(): number {
    assert(this.lastAppliedLsn >= 0, 'a unit of work follows at least one queue definition')
    const uowId = this.lastAppliedLsn + RECORD_ALIGNMENT_BYTES
    assert(!this.unitsOfWork.has(uowId), 'unit of work ids are unique')
    return uowId
  }
}
