/**
 * An open queue handle on a queue manager (MQ's hobj). Calls go through the owning connection,
 * which checks the connection first (2018 after close, 2009 once broken) and waits while it
 * reconnects; a handle closed with close() then fails every call with 2019 HOBJ_ERROR.
 *
 * After a reconnect the connection opens the queue again and this handle carries on under its
 * new server handle. A browse cursor does not survive that: 'next' restarts from the front.
 *
 * Calls in flight when the connection broke (it reconnects, so they failed 2549 in the session):
 *   put / destructive get outside syncpoint ── sent again with the same request identity; the
 *       queue manager answers with the first one's outcome if it had one (the same MsgId, the
 *       same message: stored once, delivered once) and does it now if not. A GET keeps what is
 *       left of its wait. The application never sees 2549 for these.
 *   browse ── sent again (it changes nothing)
 *   put / get under syncpoint ── the unit of work died with the connection: 2003 BACKED_OUT,
 *       as every later call in that unit until backout() (commit() reports it as a WARNING)
 *   close ── counts as done (the handle died with the old connection)
 */
import { Buffer } from 'node:buffer'
import { CompCode, MQError, Reason } from '../errors.js'
import type {
  GetOptions,
  GotMessage,
  MessageDescriptor,
  OpenOptions,
  PutOptions,
  RequestIdentity,
} from '../queue/types.js'
import { GET_WAIT_UNLIMITED_MS, Opcode, type MessageOfType } from '../wire/client-protocol.js'
import { hasReason } from './failures.js'
import type { RequestMessage } from './session.js'

/** What a queue handle needs from its connection. */
export interface QueueOwner {
  /** The largest body the queue manager takes (HELLO_OK), checked before sending. */
  maxMessageBytes(): number
  /** True when broken connections are re-established (calls in flight then fail 2549). */
  reconnects(): boolean
  /** Throws 2018 or 2009 when the connection cannot take calls. */
  ensureUsable(): void
  /**
   * Sends what `build` returns once the connection can take it (after a reconnect, if one is
   * under way: so `build` reads the handle then, not now).
   */
  send<T extends Opcode>(
    build: () => RequestMessage,
    expected: T,
    signal?: AbortSignal,
  ): Promise<MessageOfType<T>>
  /** Marks the unit of work in use; throws 2003 if a reconnect backed it out. */
  beginSyncpointCall(): void
  /**
   * A syncpoint put or get succeeded: the queue manager holds a unit of work for this
   * connection, so its COMMIT is named (a resent one can then tell committed from backed out).
   */
  syncpointWorkDone(): void
  /**
   * A new request identity (client id, next sequence number), or undefined when the connection
   * does not reconnect (nothing would ever be sent again).
   */
  nextRequest(): RequestIdentity | undefined
  queueClosed(queue: RemoteQueue): void
}

/** A body that holds on to less than half of its buffer is copied out of it (a socket chunk). */
function ownedBody(body: Uint8Array): Buffer {
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return body.byteLength * 2 < body.buffer.byteLength ? Buffer.from(view) : view
}

/** GetOptions.waitMs on the wire: -1 or Infinity wait without limit (MQWI_UNLIMITED). */
export function wireWaitMs(waitMs: number | undefined): number {
  if (waitMs === undefined) return 0
  if (waitMs === -1 || waitMs === Number.POSITIVE_INFINITY) return GET_WAIT_UNLIMITED_MS
  if (!Number.isInteger(waitMs) || waitMs < 0) {
    const detail = `waitMs is ${waitMs}, expected a whole number of ms, -1 or Infinity`
    throw new MQError(Reason.WAIT_INTERVAL_ERROR, detail, CompCode.FAILED)
  }
  return Math.min(waitMs, GET_WAIT_UNLIMITED_MS)
}

export class RemoteQueue {
  private closed = false

  /** @internal Made by QueueManagerConnection.open. */
  constructor(
    private readonly owner: QueueOwner,
    readonly name: string,
    private handle: number,
    /** As opened, so that a reconnect can open the queue the same way. */
    readonly openOptions: OpenOptions,
  ) {}

  /** Puts one message. A string body is sent as UTF-8 with format 'MQSTR' unless one is given. */
  async put(body: Uint8Array | string, options: PutOptions = {}): Promise<MessageDescriptor> {
    this.ensureOpen()
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    const format = options.format ?? (typeof body === 'string' ? 'MQSTR' : undefined)
    const limit = this.owner.maxMessageBytes()
    if (bytes.byteLength > limit) {
      const detail = `the body is ${bytes.byteLength} bytes, the queue manager takes ${limit}`
      throw new MQError(Reason.MSG_TOO_BIG_FOR_Q_MGR, detail, CompCode.FAILED)
    }
    const syncpoint = options.syncpoint === true
    if (syncpoint) this.owner.beginSyncpointCall()
    const request = syncpoint ? undefined : this.owner.nextRequest()
    const putOptions: PutOptions = { ...options, format, request }
    const build = (): RequestMessage => ({
      type: Opcode.PUT,
      handle: this.handle,
      options: putOptions,
      body: bytes,
    })
    for (;;) {
      try {
        const reply = await this.owner.send(build, Opcode.PUT_OK)
        if (syncpoint) this.owner.syncpointWorkDone()
        return reply.descriptor
      } catch (error) {
        this.afterInterruption(error, syncpoint, request !== undefined)
      }
    }
  }

  /**
   * Gets (or browses) one message, waiting up to `waitMs` (0 by default; -1 or Infinity: no
   * limit); none → 2033. On abort of `signal` the GET is cancelled at the queue manager and
   * this rejects with the signal's reason; a message the queue manager had already taken off
   * the queue when the CANCEL arrived is returned instead, since it cannot be put back.
   */
  async get(options: GetOptions = {}): Promise<GotMessage> {
    this.ensureOpen()
    let waitMs = wireWaitMs(options.waitMs)
    const unlimited = waitMs === GET_WAIT_UNLIMITED_MS
    const deadlineMs = performance.now() + waitMs
    const syncpoint = options.syncpoint === true
    if (syncpoint) this.owner.beginSyncpointCall()
    // Browsing changes nothing: sending it again needs no identity.
    const request = syncpoint || options.browse !== undefined ? undefined : this.owner.nextRequest()
    for (;;) {
      try {
        const got = await this.getOnce(options, waitMs, request)
        if (syncpoint) this.owner.syncpointWorkDone()
        return got
      } catch (error) {
        this.afterInterruption(error, syncpoint, true)
        if (!unlimited) waitMs = Math.max(0, Math.round(deadlineMs - performance.now()))
      }
    }
  }

  /**
   * Gets messages until none arrives within `waitMs` (2033 ends the iteration), or forever if
   * waitMs is -1 or Infinity. Leaving a for-await loop (break, return, throw) stops cleanly: a
   * GET is only sent when the loop asks for the next message. A browse starting at 'first'
   * continues with 'next'. To stop an iteration that is waiting, abort `signal`: it throws.
   */
  async *messages(options: GetOptions = {}): AsyncIterableIterator<GotMessage> {
    let getOptions = options
    for (;;) {
      let message: GotMessage
      try {
        message = await this.get(getOptions)
      } catch (error) {
        if (hasReason(error, Reason.NO_MSG_AVAILABLE)) return
        throw error
      }
      if (getOptions.browse === 'first') getOptions = { ...getOptions, browse: 'next' }
      yield message
    }
  }

  /**
   * Closes the handle (MQCLOSE); later calls on it fail 2019. If the connection breaks and is
   * re-established meanwhile, the handle died with the old connection: that counts as closed.
   */
  async close(): Promise<void> {
    this.ensureOpen()
    this.closed = true
    const build = (): RequestMessage => ({ type: Opcode.CLOSE_HANDLE, handle: this.handle })
    try {
      await this.owner.send(build, Opcode.OK)
    } catch (error) {
      if (!(this.owner.reconnects() && hasReason(error, Reason.CALL_INTERRUPTED))) throw error
    } finally {
      // Only now: a reconnect before the CLOSE_HANDLE is sent must reopen the queue first.
      this.owner.queueClosed(this)
    }
  }

  /** @internal The handle the queue manager gave when the queue was opened again. */
  reinstate(handle: number): void {
    this.handle = handle
  }

  /** @internal */
  get isOpen(): boolean {
    return !this.closed
  }

  private async getOnce(
    options: GetOptions,
    waitMs: number,
    request: RequestIdentity | undefined,
  ): Promise<GotMessage> {
    const build = (): RequestMessage => ({
      type: Opcode.GET,
      handle: this.handle,
      options: {
        waitMs,
        syncpoint: options.syncpoint,
        browse: options.browse,
        msgId: options.msgId,
        correlId: options.correlId,
        request,
      },
    })
    const reply = await this.owner.send(build, Opcode.MESSAGE, options.signal)
    return { descriptor: reply.descriptor, body: ownedBody(reply.body) }
  }

  /**
   * A call interrupted by a reconnect (2549): returns when it is to be sent again (see the
   * header), throws 2003 under syncpoint, and rethrows anything else.
   */
  private afterInterruption(error: unknown, syncpoint: boolean, resendable: boolean): void {
    if (!this.owner.reconnects() || !hasReason(error, Reason.CALL_INTERRUPTED)) throw error
    if (syncpoint) {
      const detail = 'the unit of work was backed out when the connection broke'
      throw new MQError(Reason.BACKED_OUT, detail, CompCode.FAILED, { cause: error })
    }
    if (!resendable) throw error
    this.ensureOpen()
  }

  private ensureOpen(): void {
    this.owner.ensureUsable()
    if (!this.closed) return
    const detail = `queue ${this.name} has been closed`
    throw new MQError(Reason.HOBJ_ERROR, detail, CompCode.FAILED)
  }
}
