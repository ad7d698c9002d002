/**
 * The queue engine: in-memory queue state with MQ semantics, storage-agnostic. It talks to
 * storage only through a JournalPort and changes persistent state only through apply(record,
 * lsn), live and at recovery alike.
 *
 * Recovery, as a queue manager drives it:
 *   const engine = new QueueEngine({ journal })
 *   engine.restore(snapshotFromCheckpoint)          // optional
 *   for (const [record, lsn] of logTail) engine.apply(record, lsn)
 *   await engine.rollBackIncompleteUnitsOfWork()     // journal running again: appends backouts
 * then applications connect. Checkpoints take snapshot() and keep the journal from oldestLiveLsn().
 */
import { RecordType } from '../actors/journal/record-types.js'
import type { JournalRecord } from '../actors/journal/record-types.js'
import { Connection } from './connection.js'
import { EngineRuntime, type QueueEngineOptions } from './engine-runtime.js'
import { ExpirySweeper } from './expiry-sweeper.js'
import type { LocalQueue } from './local-queue.js'
import { SlotState } from './message-table.js'
import {
  alterQueue,
  clearQueue,
  defineQueue,
  deleteQueue,
  listAliases,
  listQueues,
  queueAttributes,
  queueStatus,
  type DefineQueueOptions,
  type DeleteQueueOptions,
  type QueueChanges,
  type QueueDefinition,
} from './queue-admin.js'
import {
  relocateMessage,
  scanRelocationCandidates,
  type RelocationCandidate,
  type RelocationScan,
} from './message-relocation.js'
import {
  alterQueueManager,
  ensureDefaultObjects,
  queueManagerAttributes,
} from './queue-manager-admin.js'
import { applyRecord } from './record-apply.js'
import { keepGotMessages } from './request-replay.js'
import { captureSnapshot, restoreSnapshot, type EngineSnapshot } from './snapshot.js'
import type { QueueAttributes, QueueManagerAttributes, QueueStatus } from './types.js'

export { Connection, QueueHandle } from './connection.js'
export type { QueueEngineOptions } from './engine-runtime.js'
export type { Timers } from './get-waiter.js'
export type {
  DefineQueueOptions,
  DeleteQueueOptions,
  QueueChanges,
  QueueDefinition,
} from './queue-admin.js'
export type { EngineSnapshot } from './snapshot.js'
export type { RelocationCandidate, RelocationScan } from './message-relocation.js'

/** One queue's figures for operators (QueueEngine.queueActivity). */
export interface QueueActivity {
  readonly name: string
  readonly depth: number
  readonly maxDepth: number
  readonly puts: number
  readonly gets: number
  readonly expired: number
  /** Undefined when the queue is empty. */
  readonly oldestPutTimeMs: number | undefined
}

export class QueueEngine {
  private readonly runtime: EngineRuntime
  private readonly expirySweeper: ExpirySweeper
  /** queueActivity's last read of each queue's oldest put time, by the message's sequence. */
  private readonly oldestPutTimes = new WeakMap<
    LocalQueue,
    { readonly sequence: number; readonly putTimeMs: number }
  >()

  constructor(options: QueueEngineOptions) {
    this.runtime = new EngineRuntime(options)
    this.expirySweeper = new ExpirySweeper(
      this.runtime.state,
      this.runtime.now,
      this.runtime.timers,
    )
  }

  /**
   * Removes every expired message now (end of recovery, before applications connect), then
   * sweeps periodically (expiry-sweeper.ts) until quiesce.
   */
  startExpirySweeper(): void {
    this.expirySweeper.sweepAll()
    this.expirySweeper.start()
  }

  /** One sweeper tick (tests drive it by hand); returns the slots examined. */
  sweepExpired(budget?: number): number {
    return this.expirySweeper.tick(budget)
  }

  /** MQCONN. Fails with 2161 while quiescing and 2059 after a journal failure. */
  connect(): Connection {
    this.runtime.checkUsable()
    return new Connection(this.runtime)
  }

  defineQueue(
    definition: QueueDefinition,
    options: DefineQueueOptions = {},
  ): Promise<QueueAttributes> {
    return defineQueue(this.runtime, definition, options)
  }

  alterQueue(name: string, changes: QueueChanges): Promise<QueueAttributes> {
    return alterQueue(this.runtime, name, changes)
  }

  deleteQueue(name: string, options: DeleteQueueOptions = {}): Promise<void> {
    return deleteQueue(this.runtime, name, options)
  }

  clearQueue(name: string): Promise<void> {
    return clearQueue(this.runtime, name)
  }

  queueAttributes(name: string): QueueAttributes {
    return queueAttributes(this.runtime, name)
  }

  listQueues(pattern = '*'): QueueAttributes[] {
    return listQueues(this.runtime, pattern)
  }

  /** Alias queues (DEFINE QALIAS) whose names match `pattern`, sorted by name. */
  listAliases(pattern = '*'): QueueAttributes[] {
    return listAliases(this.runtime, pattern)
  }

  /** DISPLAY QMGR's stored attributes (DEADQ, DESCR). */
  queueManagerAttributes(): QueueManagerAttributes {
    return queueManagerAttributes(this.runtime)
  }

  /** ALTER QMGR; resolves once the QMGR_ALTER record is durable. */
  alterQueueManager(changes: Partial<QueueManagerAttributes>): Promise<QueueManagerAttributes> {
    return alterQueueManager(this.runtime, changes)
  }

  /**
   * SYSTEM.DEFAULT.LOCAL.QUEUE, the dead-letter queue and the queue manager's attributes, if
   * the log has none yet (queue-manager-admin.ts). Resolves true if it created them.
   */
  ensureDefaultObjects(deadLetterQueue: string): Promise<boolean> {
    return ensureDefaultObjects(this.runtime, deadLetterQueue)
  }

  queueStatus(name: string): QueueStatus {
    return queueStatus(this.runtime, name)
  }

  /**
   * Applies one journal record at its LSN (recovery, or a replica following a log). The record
   * is only read during the call: a body the engine keeps (body cache) is copied if it is a view
   * into a larger buffer, so a reader may reuse its buffer for the next records.
   */
  apply(record: JournalRecord, lsn: number): void {
    applyRecord(this.runtime.state, record, lsn)
  }

  /**
   * End of recovery: backs out (appending UOW_BACKOUT) every unit of work the journal left
   * open, i.e. those not owned by a live connection. Resolves with how many, once durable.
   */
  async rollBackIncompleteUnitsOfWork(): Promise<number> {
    const orphans = [...this.runtime.state.unitsOfWork.values()]
      .filter((unitOfWork) => unitOfWork.owner === undefined)
      .sort((left, right) => left.uowId - right.uowId)
    let lastLsn = -1
    for (const unitOfWork of orphans) {
      const record = { type: RecordType.UOW_BACKOUT, uowId: unitOfWork.uowId } as const
      lastLsn = this.runtime.appendAndApply(record)
    }
    if (lastLsn >= 0) await this.runtime.durable(lastLsn)
    return orphans.length
  }

  /**
   * Units of work with a journal presence, oldest first: what the journal must keep from
   * `uowId` on (a log-space policy may doom the oldest).
   */
  openUnitsOfWork(): { readonly uowId: number; readonly operationCount: number }[] {
    return [...this.runtime.state.unitsOfWork.values()]
      .map((unit) => ({ uowId: unit.uowId, operationCount: unit.operationCount }))
      .sort((left, right) => left.uowId - right.uowId)
  }

  /**
   * The queue manager backs out a unit of work on its own (MQ does so to release log space a
   * long-running one pins). Its connection, if it has one, then fails syncpoint calls with 2003
   * until the application backs out, and reports 2003 WARNING on commit (connection.ts).
   * Resolves false if no such unit of work is open, true once the backout is durable.
   */
  async doomUnitOfWork(uowId: number, because: string): Promise<boolean> {
    this.runtime.checkNotFailed()
    const unitOfWork = this.runtime.state.unitsOfWork.get(uowId)
    if (unitOfWork === undefined) return false
    if (unitOfWork.owner instanceof Connection) {
      await unitOfWork.owner.doom(because)
      return true
    }
    const lsn = this.runtime.appendAndApply({ type: RecordType.UOW_BACKOUT, uowId })
    await this.runtime.durable(lsn)
    return true
  }

  /**
   * The state for a checkpoint. Get outcomes whose message is not kept yet (entered by replay or
   * a standby's apply, which cache no bodies) have it read back first: this checkpoint may move
   * the floor past their PUT records (outcome-table.ts).
   */
  snapshot(): EngineSnapshot {
    keepGotMessages(this.runtime)
    return captureSnapshot(this.runtime.state)
  }

  /** Loads a checkpoint's snapshot; only before anything is applied. */
  restore(snapshot: EngineSnapshot): void {
    restoreSnapshot(this.runtime.state, snapshot)
  }

  /**
   * The smallest put LSN of a persistent message still on a queue (committed or in a unit of
   * work), or Infinity: the journal must keep PUT records from there on. A full table scan,
   * about a millisecond per 100,000 messages; called per checkpoint, not per message.
   */
  oldestLiveLsn(): number {
    let oldest = Infinity
    for (const queue of this.runtime.state.queuesById.values()) {
      const table = queue.table
      for (let slot = 0; slot < table.slotLimit; slot++) {
        const state = table.stateOf(slot)
        if (state === SlotState.FREE || state === SlotState.REMOVED) continue
        if (table.isPersistent(slot)) oldest = Math.min(oldest, table.putLsn[slot]!)
      }
    }
    return oldest
  }

  /**
   * Per-queue activity for metrics and the console: depth, live put/get/expiry counts and the
   * put time of the oldest message (read back like a get would, from cache or the log).
   */
  queueActivity(): QueueActivity[] {
    const activity: QueueActivity[] = []
    for (const queue of this.runtime.state.queuesById.values()) {
      const oldest = queue.oldestSlot()
      const oldestPutTimeMs = oldest === -1 ? undefined : this.oldestPutTimeOf(queue, oldest)
      activity.push({
        name: queue.name,
        depth: queue.depth,
        maxDepth: queue.attributes.maxDepth,
        puts: queue.putCount,
        gets: queue.getCount,
        expired: queue.expiredCount,
        oldestPutTimeMs,
      })
    }
    return activity
  }

  /**
   * The put time of a queue's oldest message, read back (from the cache or the log) only when
   * that message changed since the last call: the console samples every second. Undefined when
   * it cannot be read back (a failed journal): status must not fail.
   */
  private oldestPutTimeOf(queue: LocalQueue, slot: number): number | undefined {
    const sequence = queue.table.sequence[slot]!
    const known = this.oldestPutTimes.get(queue)
    if (known !== undefined && known.sequence === sequence) return known.putTimeMs
    try {
      const putTimeMs = this.runtime.readStored(queue, slot).descriptor.putTimeMs
      this.oldestPutTimes.set(queue, { sequence, putTimeMs })
      return putTimeMs
    } catch {
      return undefined
    }
  }

  /** Copy-forward compaction: the messages below `belowLsn` (message-relocation.ts). */
  relocationCandidates(belowLsn: number): RelocationScan {
    return scanRelocationCandidates(this.runtime.state, belowLsn)
  }

  /** Rewrites one candidate at the log end (MESSAGE_MOVE); its LSN, or undefined if it left. */
  relocate(candidate: RelocationCandidate): number | undefined {
    return relocateMessage(this.runtime, candidate)
  }

  /** New calls fail with 2161 and waiting gets are woken with it; commit and backout still work. */
  quiesce(): void {
    this.expirySweeper.stop()
    this.runtime.quiesce()
  }

  get lastAppliedLsn(): number {
    return this.runtime.state.lastAppliedLsn
  }

  /** True once a journal failure stopped the engine (every call then fails with 2059). */
  get failed(): boolean {
    return this.runtime.failed
  }
}
