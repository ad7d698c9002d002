/**
 * What live operations share: the state, the journal, the injected clock, timers and random
 * source, and the engine's condition (running, quiescing, failed).
 *
 * Live write path: appendAndApply (append the record, then apply it in the same synchronous
 * turn, so state always equals "every appended record"), then `await durable(lsn)` before the
 * caller's promise resolves. A journal failure (append throws or waitDurable rejects) fails the
 * call with 2102 RESOURCE_PROBLEM (cause attached) and puts the engine in the failed state: every
 * later call fails with 2059 Q_MGR_NOT_AVAILABLE and waiters are woken with it. In-memory state
 * may then be ahead of the disk, so only a restart (recovery from the journal) is trustworthy.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto'
import { assert, AssertionError } from '../assert.js'
import { BODY_CACHE_BYTES, MAX_UNCOMMITTED_MESSAGES } from '../constants.js'
import { CompCode, isMQError, MQError, Reason } from '../errors.js'
import { RecordType, type JournalRecord } from '../actors/journal/record-types.js'
import { EngineState } from './engine-state.js'
import { SYSTEM_TIMERS, type Timers } from './get-waiter.js'
import type { JournalPort } from './journal-port.js'
import type { LocalQueue, StoredMessage } from './local-queue.js'
import { MessageIdGenerator } from './message-id.js'
import { applyRecord } from './record-apply.js'
import type { UnitOfWork } from './unit-of-work.js'

export interface QueueEngineOptions {
  readonly journal: JournalPort
  /** Part of generated MsgIds (MQ puts the queue-manager name there). */
  readonly queueManagerName?: string
  /** Wall clock in milliseconds since the epoch: put times and expiry. */
  readonly now?: () => number
  /** Get-wait timers. */
  readonly timers?: Timers
  readonly randomBytes?: (count: number) => Uint8Array
  /** Default BODY_CACHE_BYTES. */
  readonly bodyCacheBytes?: number
  /** Operations per unit of work before 2024 (MAXUMSGS); default MAX_UNCOMMITTED_MESSAGES. */
  readonly maxUncommittedMessages?: number
  /** Bound of the outcome table (outcome-table.ts); default OUTCOME_TABLE_MAX_ENTRIES. */
  readonly outcomeTableEntries?: number
}

const DEFAULT_QUEUE_MANAGER_NAME = 'QUORUMMQ'

export class EngineRuntime {
  readonly state: EngineState
  readonly journal: JournalPort
  readonly now: () => number
  readonly timers: Timers
  readonly messageIds: MessageIdGenerator
  readonly maxUncommittedMessages: number
  private quiescing = false
  private failure: { readonly cause: unknown } | undefined

  constructor(options: QueueEngineOptions) {
    const maxUncommitted = options.maxUncommittedMessages ?? MAX_UNCOMMITTED_MESSAGES
    assert(Number.isInteger(maxUncommitted) && maxUncommitted > 0, 'engine: MAXUMSGS > 0')
    this.state = new EngineState(
      options.bodyCacheBytes ?? BODY_CACHE_BYTES,
      options.outcomeTableEntries,
    )
    this.journal = options.journal
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? SYSTEM_TIMERS
    this.maxUncommittedMessages = maxUncommitted
    this.messageIds = new MessageIdGenerator(
      options.queueManagerName ?? DEFAULT_QUEUE_MANAGER_NAME,
      options.randomBytes ?? ((count) => cryptoRandomBytes(count)),
    )
  }

  get failed(): boolean {
    return this.failure !== undefined
  }

  get isQuiescing(): boolean {
    return this.quiescing
  }

  /** For calls that start new work: fails when failed (2059) or quiescing (2161). */
  checkUsable(): void {
    this.checkNotFailed()
    if (this.quiescing) {
      throw new MQError(Reason.Q_MGR_QUIESCING, 'the queue manager is quiescing')
    }
  }

  /** For calls that finish work (commit, backout): allowed while quiescing. */
  checkNotFailed(): void {
    if (this.failure === undefined) return
    throw new MQError(
      Reason.Q_MGR_NOT_AVAILABLE,
      'the journal failed; the queue manager must restart',
      CompCode.FAILED,
      { cause: this.failure.cause },
    )
  }

  /** The uowId the next record of `unitOfWork` carries (0 outside a unit of work). */
  uowIdFor(unitOfWork: UnitOfWork | undefined): number {
    if (unitOfWork === undefined) return 0
    return unitOfWork.journalled ? unitOfWork.uowId : this.state.nextUnitOfWorkId()
  }

  /**
   * Appends `record` and applies it in the same turn. A unit of work writing its first record
   * is registered under the record's uowId first, so apply adds to it instead of opening a new
   * one. `getSlotHint` is the slot a GET record removes, when the caller already knows it.
   */
  appendAndApply(record: JournalRecord, unitOfWork?: UnitOfWork, getSlotHint = -1): number {
    let lsn: number
    try {
      lsn = this.journal.append(record)
    } catch (cause) {
      // The journal refusing this one record (an MQError, e.g. 2031 for a record larger than a
      // segment) appended nothing and leaves it healthy; anything else means it failed.
      if (isMQError(cause)) throw cause
      throw this.fail(cause)
    }
    if (unitOfWork !== undefined && !unitOfWork.journalled) {
      assert('uowId' in record && record.uowId > 0, 'a unit of work record carries its id')
      assert(record.uowId <= lsn, 'a uowId is at most the LSN of its first record')
      unitOfWork.uowId = record.uowId
      this.state.unitsOfWork.set(record.uowId, unitOfWork)
    }
    this.state.getSlotHint = getSlotHint
    applyRecord(this.state, record, lsn, true)
    return lsn
  }

  async durable(lsn: number): Promise<void> {
    try {
      await this.journal.waitDurable(lsn)
    } catch (cause) {
      throw this.fail(cause)
    }
  }

  /**
   * Enters the failed state (once) and returns the error for the call that met the failure. An
   * assertion failure is a bug, not a journal failure: it is rethrown as it is.
   */
  fail(cause: unknown): MQError {
    if (cause instanceof AssertionError) throw cause
    if (this.failure === undefined) {
      this.failure = { cause }
      const unavailable = new MQError(
        Reason.Q_MGR_NOT_AVAILABLE,
        'the journal failed',
        CompCode.FAILED,
        { cause },
      )
      for (const queue of this.state.queuesById.values()) queue.waiters.rejectAll(unavailable)
    }
    return new MQError(Reason.RESOURCE_PROBLEM, 'the journal failed', CompCode.FAILED, { cause })
  }

  quiesce(): void {
    this.quiescing = true
    const quiescing = new MQError(Reason.Q_MGR_QUIESCING, 'the queue manager is quiescing')
    for (const queue of this.state.queuesById.values()) queue.waiters.rejectAll(quiescing)
  }

  /**
   * Descriptor and body of a message: non-persistent ones from memory, persistent ones from the
   * body cache or, failing that, read back from the journal by put LSN.
   */
  readStored(queue: LocalQueue, slot: number): StoredMessage {
    const table = queue.table
    if (!table.isPersistent(slot)) {
      const stored = queue.nonPersistent.get(slot)
      assert(stored !== undefined, 'a non-persistent message keeps its content')
      return stored
    }
    const putLsn = table.putLsn[slot]!
    const cached = this.state.bodyCache.get(putLsn)
    if (cached !== undefined) return cached
    let record
    try {
      record = this.journal.readPut(putLsn)
    } catch (cause) {
      const message = `message at put LSN ${putLsn} could not be read from the journal`
      throw new MQError(Reason.RESOURCE_PROBLEM, message, CompCode.FAILED, { cause })
    }
    assert(record.type === RecordType.MESSAGE_PUT, 'readPut returns a PUT record')
    // A message moved by a backout requeue keeps the PUT record of the queue it was put to.
    assert(record.descriptor.persistent, 'the PUT record read back is of a persistent message')
    return record
  }
}
