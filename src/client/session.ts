/**
 * One conversation with a queue manager over one TCP connection, from HELLO to its end. The
 * connection (queue-manager-connection.ts) owns a session at a time and replaces it when it
 * reconnects; everything here dies with the socket.
 *
 *   handshaking ──HELLO_OK──> established ──socket closed, GOODBYE received, fatal frame,
 *        │                        │         heartbeats missed, goodbye() done──> ended
 *        └──ERROR / closed / abort─┴──────────────────────────────────────────────^
 *
 * Requests are pipelined: each takes a request id from the RequestTable, is encoded at once
 * (an invalid one fails its own call with the field's MQRC and is never sent) and is answered
 * by whichever frame comes back with its id, in any order. A GET given an AbortSignal is
 * cancelled with CANCEL naming its id; the server then answers the GET (ERROR 2033, or the
 * MESSAGE it had already taken) before the CANCEL's OK, so the GET's entry is only ever removed
 * by its own reply and no request is left dangling. When the session ends, every request still
 * in flight fails with the owner's choice of error (2009, or 2549 when it will reconnect).
 *
 * A queue manager that quiesces answers waiting GETs 2161 and then says GOODBYE. When the owner
 * will reconnect (`resumesGets`), such an answer to a GET outside syncpoint is held until the
 * session ends and then fails as interrupted (2549) like any call in flight, so that the GET is
 * sent again to the queue manager the connection moves to instead of failing the application.
 */
import { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'
import { assert } from '../assert.js'
import { CLIENT_MAX_IN_FLIGHT_REQUESTS, CLIENT_SEND_WINDOW } from '../constants.js'
import { CompCode, MQError, Reason } from '../errors.js'
import {
  AuthMechanism,
  CREDENTIALS_SEPARATOR,
  CLIENT_PROTOCOL_VERSION,
  encodeFrame,
  isFrameError,
  Opcode,
  opcodeName,
  type ClientMessage,
  type FrameError,
  type HelloOkFrame,
  type MessageOfType,
} from '../wire/client-protocol.js'
import { LivenessTimer } from '../runtime/liveness-timer.js'
import { abortable } from './cancellation.js'
import { formatConnectionName, type ConnectionAddress } from './connection-name.js'
import { connectionBroken, errorFromErrorFrame, errorFromFrameError } from './failures.js'
import type { ClientTlsOptions } from './connect-options.js'
import { dialAddress, FrameSocket } from './frame-socket.js'
import { RequestTable } from './request-table.js'

type WithoutRequestId<M> = M extends unknown ? Omit<M, 'requestId'> : never
/** A frame to send as a request: the session gives it its id. */
export type RequestMessage = WithoutRequestId<ClientMessage>

export interface SessionOptions {
  /** Empty: any queue manager. */
  readonly queueManager: string
  readonly clientName: string
  /** Offered in HELLO; the server's answer is what is used. 0: no heartbeats. */
  readonly heartbeatMs: number
  /** What a request still in flight fails with when an established session ends. */
  readonly inFlightError: (cause: MQError) => MQError
  /** Hold quiescing answers to GETs outside syncpoint until the end (see the header). */
  readonly resumesGets: boolean
  /** TLS options when the connection is to be encrypted. */
  readonly tls?: ClientTlsOptions
  /** Sent in HELLO as USER_PASSWORD credentials. */
  readonly credentials?: { readonly userId: string; readonly password: string }
}

/** What the handshake settled. */
export interface SessionParameters {
  readonly address: ConnectionAddress
  readonly version: number
  readonly queueManager: string
  readonly heartbeatMs: number
  readonly maxMessageBytes: number
  readonly connectionId: Uint8Array
}

interface PendingRequest {
  readonly requestId: number
  readonly opcode: Opcode
  readonly expected: Opcode
  /** A GET outside syncpoint: nothing is lost by sending it again elsewhere. */
  readonly resumable: boolean
  resolve(reply: ClientMessage): void
  reject(error: unknown): void
  /** Set once cancelled: what the request fails with if the server delivers nothing. */
  cancellation?: { readonly reason: unknown }
  /** Stops watching the request's AbortSignal. */
  detach?: () => void
  /** The encoded request while it waits for room in the send window; undefined once sent. */
  held?: Buffer
}

type SessionState = 'handshaking' | 'established' | 'ended'

const NO_CREDENTIALS = new Uint8Array(0)

function helloCredentials(credentials: SessionOptions['credentials']): {
  authMechanism: AuthMechanism
  credentials: Uint8Array
} {
  if (credentials === undefined) {
    return { authMechanism: AuthMechanism.NONE, credentials: NO_CREDENTIALS }
  }
  const text = `${credentials.userId}${CREDENTIALS_SEPARATOR}${credentials.password}`
  return { authMechanism: AuthMechanism.USER_PASSWORD, credentials: Buffer.from(text, 'utf8') }
}
/** Answers meaning "this queue manager is going away", not "this request is wrong". */
const QUIESCING_REASONS: ReadonlySet<number> = new Set([
  Reason.Q_MGR_QUIESCING,
  Reason.Q_MGR_STOPPING,
])

export class Session {
  /** Settles when the session ends: undefined after goodbye(), else why it ended. */
  readonly ended: Promise<MQError | undefined>
  /** Called synchronously as the session ends, before `ended` settles. */
  onEnded: ((cause: MQError | undefined) => void) | undefined
  private resolveEnded!: (cause: MQError | undefined) => void
  private readonly requests = new RequestTable<PendingRequest>()
  /**
   * Requests waiting for room in the send window, in call order; they leave in that order.
   * (Reply bytes need no budget here: the server takes a message for a GET only when its
   * connection has byte credit for it, and credit never stops it reading, server/reply-credit.)
   */
  private heldRequests: PendingRequest[] = []
  /** Index of the first held request still to send (the array is compacted when it drains). */
  private heldStart = 0
  /** Requests on the wire: sent, not yet answered. */
  private sentCount = 0
  private readonly socket: FrameSocket
  private state: SessionState = 'handshaking'
  private settled: SessionParameters | undefined
  private heartbeat: LivenessTimer | undefined
  private goodbyeSent = false
  /** An ERROR answering no request: the likely reason for a close that follows it. */
  private unsolicitedError: MQError | undefined
  private idleWaiters: (() => void)[] = []
  /** GETs answered "quiescing", failed as interrupted when the session ends (see header). */
  private interruptedGets: PendingRequest[] = []

  private constructor(
    socket: Socket,
    private readonly address: ConnectionAddress,
    private readonly options: SessionOptions,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve
    })
    this.socket = new FrameSocket(socket, {
      // Once per chunk, not per frame: a clock read per reply showed in the pipelined profile.
      heard: () => this.heartbeat?.heard(),
      message: (message) => this.receive(message),
      fault: (fault) => this.fault(fault),
      closed: (error) => this.socketClosed(error),
    })
  }

  /** Dials `address` and exchanges HELLO; rejects with the signal's reason on abort. */
  static async open(
    address: ConnectionAddress,
    options: SessionOptions,
    signal: AbortSignal,
  ): Promise<Session> {
    const socket = await dialAddress(address, signal, options.tls)
    const session = new Session(socket, address, options)
    try {
      await session.handshake(signal)
      return session
    } catch (error) {
      session.end(connectionBroken('the handshake failed', error))
      throw error
    }
  }

  get parameters(): SessionParameters {
    assert(this.settled !== undefined, 'session: parameters exist once established')
    return this.settled
  }

  get isEnded(): boolean {
    return this.state === 'ended'
  }

  /** Sends `message` and resolves with the reply of type `expected`; ERROR rejects. */
  request<T extends Opcode>(
    message: RequestMessage,
    expected: T,
    signal?: AbortSignal,
  ): Promise<MessageOfType<T>> {
    return new Promise((resolve, reject) => {
      if (this.state === 'ended') return reject(connectionBroken('the session has ended'))
      if (signal?.aborted === true) return reject(signal.reason)
      if (this.requests.size >= CLIENT_MAX_IN_FLIGHT_REQUESTS) {
        const detail = `${CLIENT_MAX_IN_FLIGHT_REQUESTS} requests are already in flight`
        return reject(new MQError(Reason.RESOURCE_PROBLEM, detail, CompCode.FAILED))
      }
      const requestId = this.requests.allocateId()
      let frame: Buffer
      try {
        frame = encodeFrame({ ...message, requestId } as ClientMessage)
      } catch (error) {
        return reject(isFrameError(error) ? errorFromFrameError(error) : error)
      }
      const pending: PendingRequest = {
        requestId,
        opcode: message.type,
        expected,
        resumable: message.type === Opcode.GET && message.options.syncpoint !== true,
        resolve: resolve as (reply: ClientMessage) => void,
        reject,
      }
      this.requests.add(requestId, pending)
      if (signal !== undefined) this.watchAbort(pending, signal)
      // CANCEL skips the line: it must reach the server while its GET is still waiting there.
      if (message.type !== Opcode.CANCEL && this.mustHold()) this.hold(pending, frame)
      else this.transmit(pending, frame)
    })
  }

  /** Cancels every GET still waiting; each fails with `reason` unless a message comes. */
  cancelWaitingGets(reason: unknown): void {
    const waiting = [...this.requests.values()].filter((pending) => pending.opcode === Opcode.GET)
    for (const pending of waiting) this.cancel(pending, reason)
  }

  /** Resolves once no request is in flight (at once if none is, or the session has ended). */
  whenIdle(): Promise<void> {
    if (this.requests.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Sends GOODBYE, half-closes, and resolves when the server has closed its side. */
  async goodbye(): Promise<void> {
    if (this.state === 'ended') return
    this.goodbyeSent = true
    this.socket.send(encodeFrame({ type: Opcode.GOODBYE, requestId: 0, reason: 0 }))
    this.socket.end()
    await this.ended
  }

  /** Ends the session now, failing whatever is in flight. */
  destroy(cause: MQError): void {
    this.end(cause)
  }

  private async handshake(signal: AbortSignal): Promise<void> {
    const hello: RequestMessage = {
      type: Opcode.HELLO,
      minVersion: 1,
      maxVersion: CLIENT_PROTOCOL_VERSION,
      queueManager: this.options.queueManager,
      clientName: this.options.clientName,
      heartbeatMs: this.options.heartbeatMs,
      ...helloCredentials(this.options.credentials),
    }
    const reply = await abortable(this.request(hello, Opcode.HELLO_OK), signal)
    this.settled = this.checkHelloOk(reply)
    this.state = 'established'
    if (reply.heartbeatMs > 0) {
      this.heartbeat = new LivenessTimer(reply.heartbeatMs, {
        sendPing: () => this.sendPing(),
        declareDead: (silenceMs) => {
          const silence = Math.round(silenceMs)
          const detail = `silent for ${silence} ms, heartbeat interval ${reply.heartbeatMs} ms`
          this.end(connectionBroken(`${formatConnectionName(this.address)}: ${detail}`))
        },
      })
      this.heartbeat.start()
    }
  }

  private checkHelloOk(reply: HelloOkFrame): SessionParameters {
    const name = formatConnectionName(this.address)
    if (reply.version < 1 || reply.version > CLIENT_PROTOCOL_VERSION) {
      const detail = `${name} chose protocol version ${reply.version}, this client speaks 1..${CLIENT_PROTOCOL_VERSION}`
      throw new MQError(Reason.UNEXPECTED_ERROR, detail, CompCode.FAILED)
    }
    const wanted = this.options.queueManager
    if (wanted !== '' && reply.queueManager !== wanted) {
      const detail = `asked for queue manager ${wanted}, ${name} is ${reply.queueManager}`
      throw new MQError(Reason.Q_MGR_NAME_ERROR, detail, CompCode.FAILED)
    }
    return {
      address: this.address,
      version: reply.version,
      queueManager: reply.queueManager,
      heartbeatMs: reply.heartbeatMs,
      maxMessageBytes: reply.maxMessageBytes,
      connectionId: reply.connectionId,
    }
  }

  private watchAbort(pending: PendingRequest, signal: AbortSignal): void {
    assert(pending.opcode === Opcode.GET, 'session: only a GET can be cancelled')
    const onAbort = (): void => this.cancel(pending, signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    pending.detach = () => signal.removeEventListener('abort', onAbort)
  }

  private transmit(pending: PendingRequest, frame: Buffer): void {
    this.sentCount++
    this.socket.send(frame)
  }

  /** Requests leave in call order: a request waits while the window is full or others wait. */
  private mustHold(): boolean {
    return this.heldStart < this.heldRequests.length || this.sentCount >= CLIENT_SEND_WINDOW
  }

  private hold(pending: PendingRequest, frame: Buffer): void {
    pending.held = frame
    this.heldRequests.push(pending)
  }

  /** A reply freed room in the window: send held requests, oldest first. */
  private completed(pending: PendingRequest): void {
    if (pending.held === undefined) {
      this.sentCount--
      assert(this.sentCount >= 0, 'session: send counts balance')
    }
    if (this.heldStart < this.heldRequests.length) this.sendHeld()
  }

  private sendHeld(): void {
    const held = this.heldRequests
    while (this.heldStart < held.length && this.sentCount < CLIENT_SEND_WINDOW) {
      const next = held[this.heldStart++]!
      // Cancelled while held (or ended): already answered, nothing to send.
      if (next.held === undefined || this.requests.get(next.requestId) !== next) continue
      const frame = next.held
      next.held = undefined
      this.transmit(next, frame)
    }
    if (this.heldStart === held.length) {
      this.heldRequests = []
      this.heldStart = 0
    }
  }

  private cancel(pending: PendingRequest, reason: unknown): void {
    if (pending.cancellation !== undefined || this.state !== 'established') return
    if (this.requests.get(pending.requestId) !== pending) return
    if (pending.held !== undefined) {
      // Never sent: nothing can have been taken off a queue, so it just fails here.
      pending.held = undefined
      this.requests.take(pending.requestId)
      pending.detach?.()
      pending.reject(reason)
      this.notifyIfIdle()
      return
    }
    pending.cancellation = { reason }
    const cancel: RequestMessage = { type: Opcode.CANCEL, targetRequestId: pending.requestId }
    // The OK (or ERROR, had the GET been answered first) adds nothing the GET's own reply does
    // not say; it is awaited only so that close() drains it before GOODBYE.
    this.request(cancel, Opcode.OK).catch(() => undefined)
  }

  private sendPing(): void {
    this.socket.send(encodeFrame({ type: Opcode.PING, requestId: this.requests.allocateId() }))
  }

  private receive(message: ClientMessage): void {
    switch (message.type) {
      case Opcode.PING:
        this.socket.send(encodeFrame({ type: Opcode.PONG, requestId: message.requestId }))
        return
      case Opcode.PONG:
        return
      case Opcode.GOODBYE:
        this.end(goodbyeCause(this.address, message.reason))
        return
      case Opcode.ERROR:
        if (message.requestId === 0) {
          this.unsolicitedError = errorFromErrorFrame(message)
          return
        }
        break
      default:
        break
    }
    this.settle(message)
  }

  private settle(reply: ClientMessage): void {
    const pending = this.requests.take(reply.requestId)
    // A reply naming no request in flight has nobody to tell; it is skipped like a bad frame.
    if (pending === undefined) return
    pending.detach?.()
    this.completed(pending)
    if (reply.type === Opcode.ERROR) {
      const error = errorFromErrorFrame(reply)
      const cancelled = pending.cancellation !== undefined
      const nothingTaken = error.reason === Reason.NO_MSG_AVAILABLE
      if (this.holdsUntilEnd(pending, error)) this.interruptedGets.push(pending)
      else pending.reject(cancelled && nothingTaken ? pending.cancellation?.reason : error)
    } else if (reply.type === pending.expected) {
      pending.resolve(reply)
    } else {
      const detail = `${opcodeName(reply.type)} answered ${opcodeName(pending.opcode)}, expected ${opcodeName(pending.expected)}`
      pending.reject(new MQError(Reason.UNEXPECTED_ERROR, detail, CompCode.FAILED))
    }
    this.notifyIfIdle()
  }

  private holdsUntilEnd(pending: PendingRequest, error: MQError): boolean {
    if (!this.options.resumesGets || !pending.resumable) return false
    return pending.cancellation === undefined && QUIESCING_REASONS.has(error.reason)
  }

  private fault(fault: FrameError): void {
    if (fault.fatal) {
      this.end(connectionBroken('the queue manager sent an unreadable frame', fault))
      return
    }
    const pending = this.requests.take(fault.requestId)
    if (pending === undefined) return
    pending.detach?.()
    this.completed(pending)
    const detail = `unreadable reply to ${opcodeName(pending.opcode)}: ${fault.message}`
    pending.reject(new MQError(Reason.UNEXPECTED_ERROR, detail, CompCode.FAILED, { cause: fault }))
    this.notifyIfIdle()
  }

  private socketClosed(error: Error | undefined): void {
    if (this.goodbyeSent) {
      this.end(undefined)
      return
    }
    const name = formatConnectionName(this.address)
    const cause = this.unsolicitedError ?? error
    this.end(connectionBroken(`${name} closed the connection`, cause))
  }

  private end(cause: MQError | undefined): void {
    if (this.state === 'ended') return
    const established = this.state === 'established'
    this.state = 'ended'
    this.heartbeat?.stop()
    this.socket.destroy()
    const failure =
      cause ?? connectionBroken('the connection was closed with this request in flight')
    const interrupted = [...this.interruptedGets, ...this.requests.takeAll()]
    this.interruptedGets = []
    for (const pending of interrupted) {
      pending.detach?.()
      if (pending.cancellation !== undefined) pending.reject(pending.cancellation.reason)
      else pending.reject(established ? this.options.inFlightError(failure) : failure)
    }
    this.notifyIfIdle()
    this.onEnded?.(cause)
    this.resolveEnded(cause)
  }

  private notifyIfIdle(): void {
    if (this.requests.size > 0 || this.idleWaiters.length === 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function goodbyeCause(address: ConnectionAddress, reason: number): MQError {
  const name = formatConnectionName(address)
  if (reason === 0) return connectionBroken(`${name} said GOODBYE`)
  return new MQError(reason, `${name} ended the connection`, CompCode.FAILED)
}
