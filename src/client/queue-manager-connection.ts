/**
 * A connection to a queue manager (MQ's hconn): the application's handle on a Session (one TCP
 * conversation, session.ts), which it replaces when it reconnects. Any number of calls may be
 * in flight at once on one connection (pipelined, answered in any order).
 *
 *  connect() ── addresses in order ──> connected ──close()──> closing ──drained, GOODBYE──> closed
 *   │ every address failed                │   waiting GETs are cancelled (2202), other calls
 *   ▼                                     │   answered (at most CLIENT_CLOSE_TIMEOUT_MS), then
 *  rejects 2059 (or 2058, 2543...)        │   `closed` settles with undefined
 *                                         │
 *                 session ended: socket closed or failed, GOODBYE from the queue manager,
 *                 an unreadable frame, heartbeats unanswered (src/runtime/liveness.ts)
 *                    ┌────────────────────┴────────────────────┐
 *                    │ no `reconnect` option                   │ `reconnect` option
 *                    ▼                                         ▼
 *                 broken <── timed out, or a handle ──── reconnecting ──list dialled, queues
 *   calls in flight: 2009, with cause       could not be       │      opened again──> connected
 *   later calls: 2009 (2548 after a         reopened: 2548     │   event 2545 RECONNECTED
 *     failed reconnect)                                        │
 *   `closed` settles with the cause        calls in flight: puts and destructive gets outside
 *                                          syncpoint are sent again with the same request
 *                                          identity (the queue manager answers with the first
 *                                          outcome: stored once, delivered once), browses and
 *                                          opens/queries again; under syncpoint 2003; a named
 *                                          commit is sent again (OK if it committed, else 2003
 *                                          WARNING), a backout succeeds (backed out either way);
 *                                          admin 2549 CALL_INTERRUPTED (outcome unknown), as a
 *                                          commit of a unit with no successful call; new calls
 *                                          wait; the unit of work is backed
 *                                          out (next syncpoint call 2003, commit 2003 WARNING);
 *                                          event 2544 RECONNECTING
 *
 *  close() works from every state and ends in closed; calls after close() fail 2018. A second
 *  close() returns the first one's promise.
 *
 *  Request identity: a connection that reconnects draws a random client id once (16 bytes,
 *  kept across its reconnects) and numbers its puts and destructive gets outside syncpoint
 *  and its commits of units of work that did something, 1, 2, 3...; each carries its identity
 *  (client-protocol REQUEST_IDENTITY) every time it is sent, so the queue manager's outcome
 *  table (src/queue/outcome-table.ts) can recognise it.
 */
import { randomBytes } from 'node:crypto'
import { assert } from '../assert.js'
import { CLIENT_CLOSE_TIMEOUT_MS, REQUEST_CLIENT_ID_BYTES } from '../constants.js'
import { CompCode, MQError, Reason } from '../errors.js'
import type { OpenOptions, QueueAttributes, QueueStatus, RequestIdentity } from '../queue/types.js'
import { Opcode, type MessageOfType } from '../wire/client-protocol.js'
import { abortable, withinTimeout } from './cancellation.js'
import {
  resolveConnectOptions,
  type ConnectOptions,
  type ResolvedConnectOptions,
} from './connect-options.js'
import { dialFirst, type DialPlan } from './dialer.js'
import { connectionBroken, connectionClosed, describeError, hasReason } from './failures.js'
import { reconnectLoop } from './reconnect.js'
import { RemoteQueue, type QueueOwner } from './remote-queue.js'
import type { RequestMessage, Session } from './session.js'

type ConnectionState = 'connected' | 'reconnecting' | 'closing' | 'closed' | 'broken'
/** 'backedOut': a reconnect lost the unit of work; the application has not yet been told. */
type UnitOfWorkState = 'none' | 'active' | 'backedOut'
type Reconnect = NonNullable<ResolvedConnectOptions['reconnect']>

/** MQ leaves open options to the caller; a client mostly puts and gets, so both by default. */
const DEFAULT_OPEN_OPTIONS: OpenOptions = { input: true, output: true }

/** Connects to the first queue manager of `options.connName` that completes the handshake. */
export async function connect(options: ConnectOptions): Promise<QueueManagerConnection> {
  const resolved = resolveConnectOptions(options)
  const reconnects = resolved.reconnect !== undefined
  const plan: DialPlan = {
    addresses: resolved.addresses,
    connectTimeoutMs: resolved.connectTimeoutMs,
    session: {
      queueManager: resolved.queueManager,
      clientName: resolved.clientName,
      heartbeatMs: resolved.heartbeatMs,
      inFlightError: (cause) =>
        reconnects
          ? new MQError(
              Reason.CALL_INTERRUPTED,
              'the connection broke with this call in flight; its outcome is unknown',
              CompCode.FAILED,
              { cause },
            )
          : connectionBroken('the connection broke with this call in flight', cause),
      resumesGets: reconnects,
      tls: resolved.tls,
      credentials: resolved.credentials,
    },
  }
  const session = await dialFirst(plan, options.signal)
  return new QueueManagerConnection(session, plan, resolved.reconnect)
}

export class QueueManagerConnection {
  /** Settles when the connection ends: undefined after close(), else what ended it. */
  readonly closed: Promise<MQError | undefined>
  private resolveClosed!: (cause: MQError | undefined) => void
  private state: ConnectionState = 'connected'
  private session: Session
  private reconnection: Promise<Session> | undefined
  private reconnectAbort: AbortController | undefined
  private closing: Promise<void> | undefined
  private brokenBy: MQError | undefined
  private unitOfWork: UnitOfWorkState = 'none'
  /** A syncpoint call of the open unit of work succeeded (its COMMIT is then named). */
  private unitHasWork = false
  private readonly queues = new Set<RemoteQueue>()
  private readonly owner: QueueOwner
  /** This connection's request identity: its client id, and the last sequence number given. */
  private readonly clientId = new Uint8Array(randomBytes(REQUEST_CLIENT_ID_BYTES))
  private lastSequence = 0

  /** @internal Use connect(). */
  constructor(
    session: Session,
    private readonly plan: DialPlan,
    private readonly reconnect: Reconnect | undefined,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
    this.session = session
    this.adopt(session)
    this.owner = {
      maxMessageBytes: () => this.maxMessageBytes,
      reconnects: () => this.reconnect !== undefined,
      ensureUsable: () => this.ensureUsable(),
      send: (build, expected, signal) => this.send(build, expected, signal),
      beginSyncpointCall: () => this.beginSyncpointCall(),
      syncpointWorkDone: () => {
        if (this.unitOfWork === 'active') this.unitHasWork = true
      },
      nextRequest: () => this.nextRequest(),
      queueClosed: (queue) => this.queues.delete(queue),
    }
  }

  /** The queue manager's own name, from the handshake (after a reconnect: the new one). */
  get queueManagerName(): string {
    return this.session.parameters.queueManager
  }

  get connectionId(): Uint8Array {
    return this.session.parameters.connectionId
  }

  /** The largest message body the queue manager accepts; larger puts fail 2031 unsent. */
  get maxMessageBytes(): number {
    return this.session.parameters.maxMessageBytes
  }

  /** Opens a queue (MQOPEN); default options: input and output. */
  async open(queueName: string, options: OpenOptions = DEFAULT_OPEN_OPTIONS): Promise<RemoteQueue> {
    this.ensureUsable()
    if (options.input !== true && options.output !== true && options.browse !== true) {
      const detail = 'open needs at least one of input, output and browse'
      throw new MQError(Reason.OPTIONS_ERROR, detail, CompCode.FAILED)
    }
    const openOptions: OpenOptions = { ...options }
    const build = (): RequestMessage => ({ type: Opcode.OPEN, queueName, options: openOptions })
    const reply = await this.sendAgainIfInterrupted(build, Opcode.OPEN_OK)
    const queue = new RemoteQueue(this.owner, queueName, reply.handle, openOptions)
    this.queues.add(queue)
    return queue
  }

  /** Commits the unit of work (MQCMIT); 2003 WARNING if a reconnect had backed it out. */
  async commit(): Promise<void> {
    this.ensureUsable()
    if (this.unitOfWork === 'backedOut') {
      this.unitOfWork = 'none'
      const detail = 'the unit of work was backed out when the connection was re-established'
      throw new MQError(Reason.BACKED_OUT, detail, CompCode.WARNING)
    }
    const request = this.unitHasWork ? this.nextRequest() : undefined
    this.unitOfWork = 'none'
    this.unitHasWork = false
    if (request === undefined) {
      await this.send(() => ({ type: Opcode.COMMIT }), Opcode.OK)
      return
    }
    // Named: interrupted by a reconnect, it is sent again and answered with what the first did
    // (committed: OK; backed out with the old connection: 2003 WARNING from the queue manager).
    const build = (): RequestMessage => ({ type: Opcode.COMMIT, request })
    await this.sendAgainIfInterrupted(build, Opcode.OK)
  }

  /**
   * Backs the unit of work out (MQBACK). Interrupted by a reconnect, it needs no answer: the
   * unit is backed out either way (by this BACKOUT, or with the connection it belonged to).
   */
  async backout(): Promise<void> {
    this.ensureUsable()
    this.unitOfWork = 'none'
    this.unitHasWork = false
    try {
      await this.send(() => ({ type: Opcode.BACKOUT }), Opcode.OK)
    } catch (error) {
      if (this.reconnect === undefined || !hasReason(error, Reason.CALL_INTERRUPTED)) throw error
    }
  }

  /** Runs MQSC commands, one per line. */
  async admin(mqsc: string): Promise<{ lines: string[]; failedCount: number }> {
    this.ensureUsable()
    const reply = await this.send(
      () => ({ type: Opcode.ADMIN, command: mqsc }),
      Opcode.ADMIN_RESULT,
    )
    return { lines: [...reply.lines], failedCount: reply.failedCount }
  }

  async query(queueName: string): Promise<{ attributes: QueueAttributes; status: QueueStatus }> {
    this.ensureUsable()
    const build = (): RequestMessage => ({ type: Opcode.QUERY, queueName })
    const reply = await this.sendAgainIfInterrupted(build, Opcode.QUEUE_INFO)
    return { attributes: reply.attributes, status: reply.status }
  }

  /** Ends the connection in order (see the header); resolves once it is closed. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    const previous = this.state
    this.state = 'closing'
    if (previous === 'reconnecting') this.reconnectAbort?.abort(connectionClosed())
    if (previous === 'connected') await this.drainAndSayGoodbye(this.session)
    this.state = 'closed'
    // After a break `closed` has already settled with its cause; this then changes nothing.
    this.resolveClosed(undefined)
  }

  private async drainAndSayGoodbye(session: Session): Promise<void> {
    const quiescing = new MQError(
      Reason.CONNECTION_QUIESCING,
      'the connection is closing',
      CompCode.FAILED,
    )
    session.cancelWaitingGets(quiescing)
    const drained = await withinTimeout(session.whenIdle(), CLIENT_CLOSE_TIMEOUT_MS)
    if (drained && (await withinTimeout(session.goodbye(), CLIENT_CLOSE_TIMEOUT_MS))) return
    session.destroy(connectionBroken(`close() gave up after ${CLIENT_CLOSE_TIMEOUT_MS} ms`))
  }

  private send<T extends Opcode>(
    build: () => RequestMessage,
    expected: T,
    signal?: AbortSignal,
  ): Promise<MessageOfType<T>> {
    if (this.state === 'connected') return this.session.request(build(), expected, signal)
    if (this.state === 'reconnecting') {
      assert(this.reconnection !== undefined, 'connection: reconnecting has a dial loop')
      const reconnected = abortable(this.reconnection, signal)
      return reconnected.then(() => this.send(build, expected, signal))
    }
    return Promise.reject(this.unusable())
  }

  /**
   * For requests that change nothing a reconnect keeps (an OPEN's handle died with the old
   * connection; a QUERY reads): interrupted, they are simply sent again.
   */
  private async sendAgainIfInterrupted<T extends Opcode>(
    build: () => RequestMessage,
    expected: T,
  ): Promise<MessageOfType<T>> {
    for (;;) {
      try {
        return await this.send(build, expected)
      } catch (error) {
        if (this.reconnect === undefined || !hasReason(error, Reason.CALL_INTERRUPTED)) throw error
      }
    }
  }

  private ensureUsable(): void {
    if (this.state === 'connected' || this.state === 'reconnecting') return
    throw this.unusable()
  }

  private unusable(): MQError {
    if (this.state !== 'broken' || this.brokenBy === undefined) return connectionClosed()
    const reason = hasReason(this.brokenBy, Reason.RECONNECT_FAILED)
      ? Reason.RECONNECT_FAILED
      : Reason.CONNECTION_BROKEN
    return new MQError(reason, 'the connection broke earlier', CompCode.FAILED, {
      cause: this.brokenBy,
    })
  }

  private nextRequest(): RequestIdentity | undefined {
    if (this.reconnect === undefined) return undefined
    this.lastSequence += 1
    return { client: this.clientId, sequence: this.lastSequence }
  }

  private beginSyncpointCall(): void {
    if (this.unitOfWork === 'backedOut') {
      const detail = 'the unit of work was backed out by a reconnect; call backout() first'
      throw new MQError(Reason.BACKED_OUT, detail, CompCode.FAILED)
    }
    this.unitOfWork = 'active'
  }

  private adopt(session: Session): void {
    session.onEnded = (cause) => this.sessionEnded(session, cause)
  }

  private sessionEnded(session: Session, cause: MQError | undefined): void {
    // While closing, close() itself finishes the job; an old session's end is old news.
    if (session !== this.session || this.state !== 'connected') return
    if (this.unitOfWork === 'active') this.unitOfWork = 'backedOut'
    this.unitHasWork = false
    const breakCause = cause ?? connectionBroken('the session ended')
    if (this.reconnect === undefined) {
      this.state = 'broken'
      this.brokenBy = breakCause
      this.resolveClosed(breakCause)
      return
    }
    this.startReconnecting(this.reconnect, breakCause)
  }

  private startReconnecting(reconnect: Reconnect, cause: MQError): void {
    this.state = 'reconnecting'
    const controller = new AbortController()
    this.reconnectAbort = controller
    const detail = `reconnecting after: ${cause.message}`
    this.emit(new MQError(Reason.RECONNECTING, detail, CompCode.WARNING, { cause }))
    const attempt = (signal: AbortSignal): Promise<Session> => this.dialAndReinstate(signal)
    const reconnection = reconnectLoop(attempt, reconnect.timeoutMs, controller.signal)
    this.reconnection = reconnection
    reconnection.then(
      (session) => this.reconnected(session),
      (error: unknown) => this.reconnectFailed(error),
    )
  }

  private reconnected(session: Session): void {
    if (this.state !== 'reconnecting') {
      void session.goodbye() // close() came first
      return
    }
    this.session = session
    this.adopt(session)
    this.state = 'connected'
    this.reconnection = undefined
    const name = this.session.parameters.queueManager
    this.emit(new MQError(Reason.RECONNECTED, `reconnected to ${name}`, CompCode.WARNING))
    if (session.isEnded) this.sessionEnded(session, connectionBroken('ended as it was adopted'))
  }

  private reconnectFailed(error: unknown): void {
    if (this.state !== 'reconnecting') return // close() aborted the loop
    const failure = hasReason(error, Reason.RECONNECT_FAILED)
      ? error
      : new MQError(Reason.RECONNECT_FAILED, describeError(error), CompCode.FAILED, {
          cause: error,
        })
    this.reconnection = undefined
    this.state = 'broken'
    this.brokenBy = failure
    this.resolveClosed(failure)
    this.emit(failure)
  }

  /** One reconnect attempt: a session from the list, then every open queue opened again. */
  private async dialAndReinstate(signal: AbortSignal): Promise<Session> {
    const session = await dialFirst(this.plan, signal)
    const queues = [...this.queues]
    const openings = queues.map((queue) =>
      session.request(
        { type: Opcode.OPEN, queueName: queue.name, options: queue.openOptions },
        Opcode.OPEN_OK,
      ),
    )
    const results = await Promise.allSettled(openings)
    const failed = results.find((result) => result.status === 'rejected')
    if (failed === undefined) {
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') queues[index]?.reinstate(result.value.handle)
      })
      return session
    }
    // A broken new session is one more failed attempt; a queue that cannot be opened ends it.
    const ended = session.isEnded
    session.destroy(connectionBroken('could not open the queues again'))
    if (ended) throw failed.reason
    const detail = `a queue could not be opened again: ${describeError(failed.reason)}`
    throw new MQError(Reason.RECONNECT_FAILED, detail, CompCode.FAILED, { cause: failed.reason })
  }

  private emit(event: MQError): void {
    const onEvent = this.reconnect?.onEvent
    if (onEvent === undefined) return
    try {
      onEvent(event)
    } catch (error) {
      // A failing handler must not derail the state machine; it surfaces as EventEmitter's do.
      queueMicrotask(() => {
        throw error
      })
    }
  }
}
