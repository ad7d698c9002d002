/**
 * Connections (MQCONN) and queue handles (MQOPEN). A connection holds at most one unit of work,
 * opened by its first syncpoint operation and ended by commit, backout or close. Closing a
 * connection (a client that vanished) closes its handles and backs out its unit of work.
 *
 * A doomed unit of work (MQ's MQRC_BACKED_OUT): the queue manager backed it out on its own, e.g.
 * to release log space it pinned (engine.doomUnitOfWork). The connection remembers it until the
 * application ends the unit of work, as MQ does: a syncpoint put or get fails with 2003
 * (FAILED, the application must back out), MQCMIT reports 2003 (WARNING: it was backed out),
 * MQBACK succeeds; either ends the doom. Operations outside syncpoint are not affected.
 *
 * Handles fail with 2019 (HOBJ_ERROR) once closed, 2018 (HCONN_ERROR) once their connection is
 * closed, 2052 (Q_DELETED) if their queue was deleted, and 2037/2039/2036 when used for input,
 * output or browse without having been opened for it.
 */
import { CompCode, MQError, Reason } from '../errors.js'
import { RecordType, type RequestIdentity } from '../actors/journal/record-types.js'
import { backOutWithRequeue } from './backout-requeue.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { ConnectionAccess, HandleAccess, HandlePurpose } from './handle-access.js'
import type { DeliveryPosition, LocalQueue } from './local-queue.js'
import { getMessage } from './message-get.js'
import { putMessage } from './message-put.js'
import { knownOutcome } from './request-replay.js'
import { isValidQueueName } from './queue-attributes.js'
import type {
  GetOptions,
  GotMessage,
  MessageDescriptor,
  OpenOptions,
  PutOptions,
  QueueAttributes,
} from './types.js'
import { UnitOfWork } from './unit-of-work.js'

export type { HandlePurpose } from './handle-access.js'

export class Connection implements ConnectionAccess {
  private unitOfWork: UnitOfWork | undefined
  /** Why the queue manager backed out this connection's unit of work, until MQCMIT/MQBACK. */
  private doomedBecause: string | undefined
  private readonly handles = new Set<QueueHandle>()
  private closed = false

  constructor(private readonly runtime: EngineRuntime) {}

  get isClosed(): boolean {
    return this.closed
  }

  /** Operations of the open unit of work (0 when none is open). */
  get uncommittedOperationCount(): number {
    return this.unitOfWork?.operationCount ?? 0
  }

  open(queueName: string, options: OpenOptions = {}): QueueHandle {
    this.checkOpen()
    this.runtime.checkUsable()
    const purposes = {
      input: options.input === true,
      output: options.output === true,
      browse: options.browse === true,
    }
    if (!purposes.input && !purposes.output && !purposes.browse) {
      throw new MQError(Reason.OPTIONS_ERROR, 'open for at least one of input, output, browse')
    }
    const state = this.runtime.state
    // An alias resolves to its target at MQOPEN, as in MQ (2085 if the target does not exist).
    const alias = state.aliasesByName.get(queueName)
    const resolvedName = alias?.attributes.targetQueue ?? queueName
    const queue = isValidQueueName(queueName) ? state.queuesByName.get(resolvedName) : undefined
    if (queue === undefined) {
      throw new MQError(
        Reason.UNKNOWN_OBJECT_NAME,
        `queue ${JSON.stringify(queueName)} is not defined`,
      )
    }
    const handle = new QueueHandle(this.runtime, this, queue, purposes, alias)
    this.handles.add(handle)
    return handle
  }

  /** True while the unit of work is doomed (see the file comment). */
  get isUnitOfWorkDoomed(): boolean {
    return this.doomedBecause !== undefined
  }

  /**
   * MQCMIT: resolves once the commit is durable (at once if nothing was journalled). A doomed
   * unit of work was already backed out: 2003 with CompCode WARNING, and the doom ends.
   *
   * `request` names the COMMIT (a reconnecting client names it when its unit of work did
   * something). A name the outcome table knows is a COMMIT sent again after a reconnect: it
   * committed, answered once durable. An unknown name on a connection with no unit of work is a
   * COMMIT sent again whose unit died with the old connection (backed out, never committed):
   * 2003 WARNING, as for a doomed unit.
   */
  async commit(request?: RequestIdentity): Promise<void> {
    this.checkOpen()
    const known = knownOutcome(this.runtime, request, 'commit')
    if (known !== undefined) {
      if (known.lsn >= 0) await this.runtime.durable(known.lsn)
      return
    }
    const doomedBecause = this.doomedBecause
    if (doomedBecause !== undefined) {
      this.doomedBecause = undefined
      throw new MQError(Reason.BACKED_OUT, doomedBecause, CompCode.WARNING)
    }
    if (request !== undefined && this.unitOfWork === undefined) {
      const detail = 'the unit of work was backed out: its connection ended before it committed'
      throw new MQError(Reason.BACKED_OUT, detail, CompCode.WARNING)
    }
    this.runtime.checkNotFailed()
    await this.settle(true, request)
  }

  /** MQBACK: puts removed, gotten messages restored with BackoutCount + 1; ends a doom. */
  async backout(): Promise<void> {
    this.checkOpen()
    this.doomedBecause = undefined
    await this.endUnitOfWork(false)
  }

  /**
   * The queue manager backs out the open unit of work on its own (engine.doomUnitOfWork):
   * written and applied now, reported to the application at its next syncpoint call.
   * Resolves once the backout is durable.
   */
  async doom(because: string): Promise<void> {
    if (this.closed || this.unitOfWork === undefined) return
    this.doomedBecause = because
    await this.settle(false)
  }

  /** MQDISC: closes every handle and backs out the open unit of work. */
  async close(): Promise<void> {
    if (this.closed) return
    for (const handle of [...this.handles]) handle.close()
    this.closed = true
    // After a journal failure nothing can be written; recovery backs the unit of work out.
    if (this.runtime.failed) return
    await this.settle(false)
  }

  /** The open unit of work, opened if needed; 2024 once it holds MAXUMSGS operations. */
  unitOfWorkWithRoom(): UnitOfWork {
    if (this.doomedBecause !== undefined) {
      const detail = `${this.doomedBecause}; back out (MQBACK) before new syncpoint work`
      throw new MQError(Reason.BACKED_OUT, detail, CompCode.FAILED)
    }
    this.unitOfWork ??= new UnitOfWork(this)
    if (this.unitOfWork.operationCount >= this.runtime.maxUncommittedMessages) {
      throw new MQError(
        Reason.SYNCPOINT_LIMIT_REACHED,
        `a unit of work holds at most ${this.runtime.maxUncommittedMessages} messages`,
      )
    }
    return this.unitOfWork
  }

  checkOpen(): void {
    if (this.closed) throw new MQError(Reason.HCONN_ERROR, 'the connection is closed')
  }

  forgetHandle(handle: QueueHandle): void {
    this.handles.delete(handle)
  }

  private async endUnitOfWork(commit: boolean): Promise<void> {
    this.checkOpen()
    this.runtime.checkNotFailed()
    await this.settle(commit)
  }

  private async settle(commit: boolean, request?: RequestIdentity): Promise<void> {
    const unitOfWork = this.unitOfWork
    this.unitOfWork = undefined
    if (unitOfWork === undefined) return
    if (!unitOfWork.journalled) {
      // Only non-persistent operations (or none): nothing on disk to settle.
      if (commit) unitOfWork.commit()
      else backOutWithRequeue(this.runtime.state, unitOfWork)
      // Known to this node only, as a non-persistent put's outcome (outcome-table.ts).
      if (commit && request !== undefined) {
        this.runtime.state.outcomes.record(request, { kind: 'commit', lsn: -1 })
      }
      return
    }
    const uowId = unitOfWork.uowId
    const named = request === undefined ? {} : { request }
    const lsn = commit
      ? this.runtime.appendAndApply({ type: RecordType.UOW_COMMIT, uowId, ...named })
      : this.runtime.appendAndApply({ type: RecordType.UOW_BACKOUT, uowId })
    await this.runtime.durable(lsn)
  }
}

export class QueueHandle implements HandleAccess {
  /** Where browse 'next' continues: the last message browsed, in delivery order. */
  browseCursor: DeliveryPosition | undefined
  private closed = false

  constructor(
    private readonly runtime: EngineRuntime,
    readonly connection: Connection,
    private readonly queue: LocalQueue,
    readonly purposes: {
      readonly input: boolean
      readonly output: boolean
      readonly browse: boolean
    },
    /** The alias opened, if any: its PUT(DISABLED) and GET(DISABLED) apply as well. */
    readonly alias: { readonly attributes: QueueAttributes } | undefined = undefined,
  ) {
    if (purposes.input) queue.openInputCount++
    if (purposes.output) queue.openOutputCount++
    if (purposes.browse) queue.openBrowseCount++
  }

  get queueName(): string {
    return this.queue.name
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** MQPUT; resolves with the descriptor as stored once a persistent message is durable. */
  put(body: Uint8Array, options: PutOptions = {}): Promise<MessageDescriptor> {
    return putMessage(this.runtime, this, body, options)
  }

  /** MQGET (destructive, or browse with `options.browse`). */
  get(options: GetOptions = {}): Promise<GotMessage> {
    return getMessage(this.runtime, this, options)
  }

  /** MQCLOSE: a get waiting on this handle fails with 2019; the unit of work is unaffected. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.purposes.input) this.queue.openInputCount--
    if (this.purposes.output) this.queue.openOutputCount--
    if (this.purposes.browse) this.queue.openBrowseCount--
    this.queue.waiters.rejectOwnedBy(this, new MQError(Reason.HOBJ_ERROR, 'the handle was closed'))
    this.connection.forgetHandle(this)
  }

  /** The queue, if this handle may use it for `purpose` now. */
  queueFor(purpose: HandlePurpose): LocalQueue {
    if (this.closed) throw new MQError(Reason.HOBJ_ERROR, 'the handle is closed')
    this.connection.checkOpen()
    if (this.queue.deleted)
      throw new MQError(Reason.Q_DELETED, `queue ${this.queue.name} was deleted`)
    if (!this.purposes[purpose]) {
      const reason = {
        input: Reason.NOT_OPEN_FOR_INPUT,
        output: Reason.NOT_OPEN_FOR_OUTPUT,
        browse: Reason.NOT_OPEN_FOR_BROWSE,
      }[purpose]
      throw new MQError(reason, `the handle was not opened for ${purpose}`)
    }
    return this.queue
  }
}
