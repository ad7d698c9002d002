/**
 * One client connection: its socket, frame parser, handshake, engine connection (MQCONN), handle
 * table, requests in flight, heartbeat, and flow control in both directions.
 *
 *   socket 'data' -> FrameParser -> drain(): dispatch in arrival order, at most
 *                                   SERVER_FRAMES_PER_TURN per turn
 *      HELLO ------> handshake.ts -> HELLO_OK (engine connection opened) or ERROR + close
 *      requests ---> client-requests.ts (engine call made now, reply when its promise settles)
 *   replies -------> Outbox (encoded) -> one corked write per turn (outbox.ts)
 *
 * Ordering. Frames are dispatched strictly in arrival order and each engine call is made
 * synchronously at dispatch, which applies it (client-requests.ts), but the session does not
 * await a reply before dispatching the next frame. So a COMMIT after a PUT commits that PUT,
 * while a GET waiting for a message holds up nothing. Replies go out in completion order.
 * ADMIN is the exception: an MQSC script is not applied synchronously (the admin function is
 * asynchronous and may define, alter or delete queues), so it is a barrier: nothing after it
 * on the connection is dispatched until its reply is queued. A DEFINE followed, pipelined, by
 * an OPEN and PUT of the new queue therefore finds the queue.
 *
 * Flow control: reading stops (socket.pause) while any of these holds, and resumes once the
 * parser has handed out every buffered frame and none holds:
 *
 * | block  | condition                                            | resumed by                   |
 * |--------|------------------------------------------------------|------------------------------|
 * | output | reply bytes queued >= SERVER_OUTPUT_HIGH_WATER_BYTES | a flush or 'drain' below it  |
 * | window | SERVER_MAX_REQUESTS_IN_FLIGHT requests being served  | a request completing         |
 * | admin  | an ADMIN being served (the barrier above)            | its reply being queued       |
 * | turn   | SERVER_FRAMES_PER_TURN frames dispatched this turn   | the next turn (setImmediate) |
 *
 * A client that does not read therefore stops being read and holds up no one else. Byte credit
 * (reply-credit.ts) bounds what its GETs take: a GET takes a message only if the reply's real
 * size fits in SERVER_MAX_REPLY_BYTES_OUTSTANDING beside the replies already held; otherwise the
 * message stays queued and the GET is parked here, then issued to the engine again (oldest
 * first, with what is left of its wait) once replies have drained. Credit never stops reading,
 * so PINGs and CANCELs (which end a parked GET too) always get through, and small messages
 * pipeline up to the request window.
 *
 * Closing, one path for every cause; the engine connection is closed (MQDISC: handles closed,
 * unit of work backed out) before the session counts as closed:
 *
 * | cause                                 | waiting GETs    | other requests | then          |
 * |---------------------------------------|-----------------|----------------|---------------|
 * | client GOODBYE, or end of its stream  | answered 2033   | finished       | end           |
 * | server close, graceful                | answered 2161   | finished       | GOODBYE, end  |
 * | server close, not graceful            | answered 2161   | abandoned      | GOODBYE, drop |
 * | protocol violation, no HELLO in time  | answered 2009   | abandoned      | ERROR, end    |
 * | socket closed or failed, silent peer  | nobody to answer| abandoned      | (gone)        |
 */
import type { Buffer } from 'node:buffer'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { assert, unreachable } from '../assert.js'
import {
  SERVER_CLOSE_GRACE_MS,
  SERVER_FRAMES_PER_TURN,
  SERVER_HANDSHAKE_TIMEOUT_MS,
  SERVER_MAX_REPLY_BYTES_OUTSTANDING,
  SERVER_MAX_REQUESTS_IN_FLIGHT,
  SERVER_OUTPUT_HIGH_WATER_BYTES,
  SERVER_PRE_AUTH_MAX_BYTES,
} from '../constants.js'
import { MQError, Reason } from '../errors.js'
import type { Logger } from '../log.js'
import type { Connection, QueueEngine } from '../queue/engine.js'
import type { MessageDescriptor } from '../queue/types.js'
import { LivenessTimer } from '../runtime/liveness-timer.js'
import { FrameParser } from '../wire/client-frame-parser.js'
import {
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  encodeFrame,
  isFrameError,
  type AdminFrame,
  type ClientMessage,
  type FrameError,
  type GetFrame,
  type HelloFrame,
  type MessageFrame,
  type PutFrame,
} from '../wire/client-protocol.js'
import type { AdminFunction } from './admin-result.js'
import { ClientRequests } from './client-requests.js'
import { errorFrame, errorReply } from './error-reply.js'
import { HandleTable } from './handle-table.js'
import type { ServerIoCounters } from './io-counters.js'
import { answerHello, credentialsOf, type HandshakeOutcome } from './handshake.js'
import { Outbox, type FlushScheduler } from './outbox.js'
import { ReplyCredit } from './reply-credit.js'
import { WaitingGets, type WaitingGet } from './waiting-gets.js'
import type { ObjectType, Permission } from '../security/authority.js'
import type { ClientGuard, PeerCertificate, Principal } from '../security/client-guard.js'

type AcceptedHello = Extract<HandshakeOutcome, { accepted: true }>

/** What the server needs of a queue manager: its name, its engine, and MQCONN. */
export interface ServedQueueManager {
  readonly name: string
  readonly engine: QueueEngine
  connect(): Connection
}

export interface SessionServices {
  readonly queueManager: ServedQueueManager
  readonly admin: AdminFunction | undefined
  /** The server's heartbeat offer (0: none). */
  readonly heartbeatMs: number
  readonly scheduler: FlushScheduler
  readonly counters: ServerIoCounters
  /** Authentication and authority (src/security/); absent: every client may do everything. */
  readonly guard?: ClientGuard
}

/** What the listener knows of one connection before its HELLO: who, from where, with what. */
export interface SessionEdge {
  readonly address: string
  /** The client's certificate when it came over TLS and sent one. */
  readonly certificate: PeerCertificate | undefined
  /** Called once HELLO is answered (or never, if the socket closes first). */
  readonly authenticated: () => void
}

const NO_EDGE: SessionEdge = { address: '?', certificate: undefined, authenticated: () => {} }

type SessionState = 'handshake' | 'open' | 'closing' | 'closed'
type ReadBlock = 'none' | 'output' | 'window' | 'admin' | 'auth' | 'turn'

/** A GET being served, from dispatch to its reply, across refusals of credit. */
interface ServedGet {
  readonly frame: GetFrame
  readonly waiting: WaitingGet | undefined
  /** performance.now() when its wait runs out (Infinity: unlimited, or no wait at all). */
  readonly deadlineMs: number
  /** While parked: stops watching the wait's AbortSignal. */
  detach?: () => void
}

interface ClosePlan {
  /** Sent first when set: a server quiescing says 2161. */
  readonly goodbyeReason?: number
  /** The answer of GETs still waiting for a message. */
  readonly waitReason: MQError
  /** Finish requests in flight (bounded by SERVER_CLOSE_GRACE_MS) before backing out. */
  readonly finishRequests: boolean
  /** How long an ended socket may take to flush and close before it is destroyed. */
  readonly lingerMs: number
}

export class ClientSession {
  /** Resolves once the socket is closed and the engine connection released. */
  readonly closed: Promise<void>
  private state: SessionState = 'handshake'
  private readBlock: ReadBlock = 'none'
  private readonly parser = new FrameParser({ from: 'client' })
  private readonly outbox: Outbox
  private readonly handles = new HandleTable()
  private readonly waitingGets = new WaitingGets()
  private connection: Connection | undefined
  private requests: ClientRequests | undefined
  private heartbeat: LivenessTimer | undefined
  private handshakeTimer: NodeJS.Timeout | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  private drainImmediate: NodeJS.Immediate | undefined
  private inFlightCount = 0
  /** An ADMIN is being served: later frames wait for its reply (ordering barrier). */
  private adminInFlight = false
  private readonly credit: ReplyCredit
  /** GETs refused credit, oldest first, waiting for replies to drain (see the header). */
  private parkedGets: ServedGet[] = []
  private pingCount = 0
  private idleWaiters: (() => void)[] = []
  private released: Promise<void> | undefined
  private resolveClosed!: () => void
  /** HELLO has arrived (its answer may still be pending on the password check). */
  private helloReceived = false
  private authenticating = false
  private principal: Principal | undefined

  constructor(
    private readonly socket: Socket,
    private readonly services: SessionServices,
    private readonly logger: Logger,
    private readonly edge: SessionEdge = NO_EDGE,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
    this.outbox = new Outbox(socket, services, () => this.afterOutput())
    this.credit = new ReplyCredit(
      SERVER_MAX_REPLY_BYTES_OUTSTANDING,
      () => this.bufferedOutputBytes,
    )
  }

  /** Reply bytes not yet taken by the kernel: queued in the socket and in the outbox. */
  get bufferedOutputBytes(): number {
    return this.socket.writableLength + this.outbox.pendingBytes
  }

  get isPausedForOutput(): boolean {
    return this.readBlock === 'output'
  }

  get requestsInFlight(): number {
    return this.inFlightCount
  }

  /** Byte credit in use: reply bytes queued plus those reserved by GETs that took a message. */
  get outstandingReplyBytes(): number {
    return this.credit.heldBytes
  }

  /** Times a GET was refused a message for want of byte credit (and parked). */
  get creditRefusalCount(): number {
    return this.credit.refusalCount
  }

  start(): void {
    this.socket.setNoDelay(true)
    this.socket.on('data', (chunk: Buffer) => this.receiveBytes(chunk))
    this.socket.on('end', () => this.receiveEnd())
    this.socket.on('drain', () => this.afterOutput())
    this.socket.on('error', (error) => this.logger.debug({ err: error }, 'socket error'))
    this.socket.on('close', () => void this.finishClosed())
    this.handshakeTimer = setTimeout(() => this.handshakeTimedOut(), SERVER_HANDSHAKE_TIMEOUT_MS)
    this.handshakeTimer.unref()
  }

  /** The server is closing: GOODBYE 2161, then a close with or without finishing requests. */
  shutdown(graceful: boolean): Promise<void> {
    const waitReason = new MQError(Reason.Q_MGR_QUIESCING, 'the server is closing')
    return this.close({
      goodbyeReason: Reason.Q_MGR_QUIESCING,
      waitReason,
      finishRequests: graceful,
      lingerMs: graceful ? SERVER_CLOSE_GRACE_MS : 0,
    })
  }

  // ---- Reading and dispatch ----

  private receiveBytes(chunk: Buffer): void {
    // Once closing, input is read and dropped, so the peer's close ends in FIN rather than RST.
    if (!this.isReading()) return
    const counters = this.services.counters
    counters.socketReads++
    counters.bytesRead += chunk.length
    this.heartbeat?.heard()
    this.parser.push(chunk)
    if (!this.helloReceived && this.parser.bufferedBytes > SERVER_PRE_AUTH_MAX_BYTES) {
      // A HELLO is at most ~8.5 KiB: more before it is an attack or a broken client.
      const message = `more than ${SERVER_PRE_AUTH_MAX_BYTES} bytes before HELLO`
      this.send(errorFrame(0, Reason.CONNECTION_BROKEN, message))
      this.abort('too many bytes before HELLO')
      return
    }
    this.drain()
  }

  /** Dispatches buffered frames until the parser needs bytes or a flow-control block holds. */
  private drain(): void {
    for (let dispatched = 0; this.isReading(); dispatched++) {
      const block = this.blockFor(dispatched)
      if (block !== 'none') {
        this.pauseReading(block)
        return
      }
      const item = this.parser.next()
      if (item === undefined) {
        this.resumeReading()
        return
      }
      this.services.counters.framesDispatched++
      this.receive(item)
    }
  }

  private isReading(): boolean {
    return this.state === 'handshake' || this.state === 'open'
  }

  private blockFor(dispatchedThisTurn: number): ReadBlock {
    if (this.bufferedOutputBytes >= SERVER_OUTPUT_HIGH_WATER_BYTES) return 'output'
    if (this.inFlightCount >= SERVER_MAX_REQUESTS_IN_FLIGHT) return 'window'
    if (this.adminInFlight) return 'admin'
    if (this.authenticating) return 'auth'
    if (dispatchedThisTurn >= SERVER_FRAMES_PER_TURN) return 'turn'
    return 'none'
  }

  private pauseReading(block: ReadBlock): void {
    this.readBlock = block
    this.socket.pause()
    if (block === 'turn') {
      this.services.counters.turnYields++
      this.scheduleDrain()
    }
  }

  private resumeReading(): void {
    this.readBlock = 'none'
    if (this.socket.isPaused()) this.socket.resume()
  }

  private scheduleDrain(): void {
    if (this.drainImmediate !== undefined || !this.isReading()) return
    this.drainImmediate = setImmediate(() => {
      this.drainImmediate = undefined
      this.drain()
    })
  }

  /** After a flush or a socket 'drain': resume a connection held for output once below. */
  private afterOutput(): void {
    if (this.parkedGets.length > 0) this.issueParkedGets()
    if (this.readBlock !== 'output') return
    // The client is taking bytes: it is alive even if it has nothing to say.
    this.heartbeat?.heard()
    if (this.bufferedOutputBytes < SERVER_OUTPUT_HIGH_WATER_BYTES) this.scheduleDrain()
  }

  private receive(item: ClientMessage | FrameError): void {
    if (isFrameError(item)) {
      this.receiveFault(item)
    } else if (this.state === 'handshake') {
      this.receiveFirstFrame(item)
    } else {
      this.receiveRequest(item)
    }
  }

  private receiveFault(fault: FrameError): void {
    if (fault.fatal) {
      // The stream can no longer be split into frames: no request id can be trusted.
      this.send(errorFrame(0, fault.reason, fault.message))
      this.abort('unframeable bytes', fault)
    } else if (this.state === 'handshake') {
      this.send(errorFrame(fault.requestId, fault.reason, fault.message))
      this.abort('bad HELLO', fault)
    } else {
      this.send(errorFrame(fault.requestId, fault.reason, fault.message))
    }
  }

  // ---- Handshake ----

  private receiveFirstFrame(frame: ClientMessage): void {
    if (frame.type !== Opcode.HELLO) {
      const message = `the first frame must be HELLO, not opcode 0x${frame.type.toString(16)}`
      this.send(errorFrame(frame.requestId, Reason.HCONN_ERROR, message))
      this.abort('request before HELLO')
      return
    }
    this.receiveHello(frame)
  }

  private receiveHello(hello: HelloFrame): void {
    this.helloReceived = true
    const { queueManager, heartbeatMs, guard } = this.services
    const outcome = answerHello(hello, { queueManagerName: queueManager.name, heartbeatMs })
    if (!outcome.accepted) {
      this.send(outcome.reply)
      this.abort('HELLO refused', outcome.reply)
      return
    }
    if (guard === undefined) {
      this.connect(hello, outcome)
      return
    }
    // Nothing after HELLO is read until the answer: no request runs unauthenticated.
    this.authenticating = true
    void this.authenticate(guard, hello, outcome)
  }

  private async authenticate(
    guard: ClientGuard,
    hello: HelloFrame,
    outcome: AcceptedHello,
  ): Promise<void> {
    const decided = await guard.authenticate({
      address: this.edge.address,
      credentials: credentialsOf(hello),
      certificate: this.edge.certificate,
    })
    this.authenticating = false
    if (this.state !== 'handshake') return
    if (!decided.accepted) {
      this.send(errorFrame(hello.requestId, Reason.NOT_AUTHORIZED, decided.why))
      this.abort('authentication failed')
      return
    }
    this.principal = decided.principal
    this.connect(hello, outcome)
    this.scheduleDrain()
  }

  /** Throws 2035 when the authenticated user lacks a permission; see src/security/. */
  private authorize(objectType: ObjectType, name: string, needed: readonly Permission[]): void {
    const { guard, queueManager } = this.services
    const principal = this.principal
    if (guard === undefined || principal === undefined) return
    const objectName = objectType === 'qmgr' ? queueManager.name : name
    const refusal = guard.authorize(principal, objectType, objectName, needed)
    if (refusal === undefined) return
    this.logger.info({ user: principal.user, objectName, needed }, refusal)
    throw new MQError(Reason.NOT_AUTHORIZED, refusal)
  }

  private connect(hello: HelloFrame, outcome: AcceptedHello): void {
    const { queueManager, admin } = this.services
    this.edge.authenticated()
    let connection: Connection
    try {
      connection = queueManager.connect()
    } catch (error) {
      this.send(errorReply(hello.requestId, error, this.logger))
      this.abort('MQCONN refused', error)
      return
    }
    this.connection = connection
    this.requests = new ClientRequests({
      engine: queueManager.engine,
      connection,
      handles: this.handles,
      admin,
      authorize: (objectType, name, needed) => this.authorize(objectType, name, needed),
    })
    clearTimeout(this.handshakeTimer)
    this.state = 'open'
    this.send(outcome.reply)
    if (outcome.heartbeatMs > 0) this.startHeartbeat(outcome.heartbeatMs)
    const { clientName, minVersion, maxVersion } = hello
    const negotiatedMs = outcome.heartbeatMs
    const user = this.principal?.user
    // Debug: a busy server accepts thousands of these; failures are logged at info.
    this.logger.debug(
      { clientName, user, minVersion, maxVersion, negotiatedMs },
      'client connected',
    )
  }

  private startHeartbeat(intervalMs: number): void {
    this.heartbeat = new LivenessTimer(intervalMs, {
      // Held for the window or the turn, the socket is unread by our choice, not the client's.
      isListening: () => this.readBlock === 'none' || this.readBlock === 'output',
      sendPing: () => this.send({ type: Opcode.PING, requestId: this.nextPingId() }),
      declareDead: (silenceMs) => {
        this.logger.info({ silenceMs }, 'client silent past its heartbeat: closing')
        this.socket.destroy()
      },
    })
    this.heartbeat.start()
  }

  /** PING is a request (it must carry a non-zero id); ids of our PINGs are ours to pick. */
  private nextPingId(): number {
    this.pingCount = this.pingCount === 0xffff_ffff ? 1 : this.pingCount + 1
    return this.pingCount
  }

  private handshakeTimedOut(): void {
    if (this.state !== 'handshake') return
    const message = `no HELLO within ${SERVER_HANDSHAKE_TIMEOUT_MS} ms`
    this.send(errorFrame(0, Reason.CONNECTION_BROKEN, message))
    this.abort('handshake timed out')
  }

  // ---- Requests ----

  private receiveRequest(frame: ClientMessage): void {
    const requests = this.requests
    if (requests === undefined) return
    const { requestId } = frame
    switch (frame.type) {
      case Opcode.PING:
        this.send({ type: Opcode.PONG, requestId })
        return
      case Opcode.PONG:
        return // its bytes already told the heartbeat the client is alive
      case Opcode.GOODBYE:
        this.logger.debug({ reason: frame.reason }, 'client said goodbye')
        void this.closeOrderly()
        return
      case Opcode.HELLO:
        this.send(errorFrame(requestId, Reason.ALREADY_CONNECTED, 'HELLO was already answered'))
        return
      case Opcode.CANCEL:
        this.cancel(requestId, frame.targetRequestId)
        return
      case Opcode.GET:
        this.startGet(frame)
        return
      case Opcode.OPEN:
        return this.serve(requestId, () => requests.open(frame))
      case Opcode.CLOSE_HANDLE:
        return this.serve(requestId, () => requests.closeHandle(frame))
      case Opcode.PUT:
        this.servePut(requests, frame)
        return
      case Opcode.COMMIT:
        return this.serve(requestId, () => requests.commit(requestId, frame.request))
      case Opcode.BACKOUT:
        return this.serve(requestId, () => requests.backout(requestId))
      case Opcode.QUERY:
        return this.serve(requestId, () => requests.query(frame))
      case Opcode.ADMIN:
        this.startAdmin(requests, frame)
        return
      case Opcode.OK:
      case Opcode.HELLO_OK:
      case Opcode.OPEN_OK:
      case Opcode.PUT_OK:
      case Opcode.MESSAGE:
      case Opcode.ADMIN_RESULT:
      case Opcode.QUEUE_INFO:
      case Opcode.ERROR: {
        // The parser refuses server-only opcodes from a client; kept so the switch is total.
        const message = `opcode 0x${frame.type.toString(16)} is sent by the server only`
        this.send(errorFrame(requestId, Reason.UNEXPECTED_ERROR, message))
        return
      }
      default:
        return unreachable(frame, 'client frame')
    }
  }

  /** Runs one request now; a synchronous reply is queued at once, a promise is tracked. */
  private serve(requestId: number, run: () => ClientMessage | Promise<ClientMessage>): void {
    let outcome: ClientMessage | Promise<ClientMessage>
    try {
      outcome = run()
    } catch (error) {
      this.send(errorReply(requestId, error, this.logger))
      return
    }
    if (outcome instanceof Promise) void this.track(requestId, outcome, undefined)
    else this.send(outcome)
  }

  /**
   * The hot path: one reaction on the engine's promise makes and queues the reply. (Through
   * serve and track a put cost two more promises and an async frame, with their microtasks.)
   */
  private servePut(requests: ClientRequests, frame: PutFrame): void {
    const { requestId } = frame
    let stored: Promise<MessageDescriptor>
    try {
      stored = requests.put(frame)
    } catch (error) {
      this.send(errorReply(requestId, error, this.logger))
      return
    }
    this.inFlightCount++
    stored.then(
      (descriptor) => this.answer({ type: Opcode.PUT_OK, requestId, descriptor }),
      (error: unknown) => this.answer(errorReply(requestId, error, this.logger)),
    )
  }

  /** Queues the reply of a request counted in flight, and counts it settled. */
  private answer(reply: ClientMessage): void {
    this.send(reply)
    this.requestSettled()
  }

  private startGet(frame: GetFrame): void {
    const waitMs = frame.options.waitMs ?? 0
    const limited = waitMs > 0 && waitMs !== GET_WAIT_UNLIMITED_MS
    const get: ServedGet = {
      frame,
      waiting: waitMs > 0 ? this.waitingGets.open(frame.requestId) : undefined,
      deadlineMs: limited ? performance.now() + waitMs : Infinity,
    }
    this.inFlightCount++
    // Behind parked GETs, or with no credit left, the engine would only be refused.
    if (this.parkedGets.length > 0 || !this.credit.hasRoom) this.park(get)
    else if (!this.issueGet(get)) this.park(get)
  }

  /**
   * Hands a GET to the engine with a credit reservation. False when the engine chose a message
   * at once and credit refused it: the caller parks the GET. A GET refused later (it waited,
   * then a message came) parks itself.
   */
  private issueGet(get: ServedGet): boolean {
    const requests = this.requests
    assert(requests !== undefined, 'session: GETs are served once open')
    const reservation = this.credit.reservation()
    let reply: Promise<MessageFrame>
    try {
      reply = requests.get(get.frame, {
        signal: get.waiting?.signal,
        reserve: reservation.reserve,
        waitMs: remainingWaitMs(get),
      })
    } catch (error) {
      this.answerGet(get, errorReply(get.frame.requestId, error, this.logger))
      return true
    }
    if (reservation.refused) {
      reply.catch(() => undefined) // the refusal, handled by the caller
      return false
    }
    reply.then(
      (message) => {
        reservation.release() // its bytes now count as queued output
        this.answerGet(get, message)
      },
      (error: unknown) => {
        reservation.release()
        if (reservation.refused) this.park(get)
        else this.answerGet(get, errorReply(get.frame.requestId, error, this.logger))
      },
    )
    return true
  }

  private answerGet(get: ServedGet, reply: ClientMessage): void {
    this.send(reply)
    get.waiting?.answered()
    this.requestSettled()
  }

  private park(get: ServedGet, place: 'first' | 'last' = 'last'): void {
    const signal = get.waiting?.signal
    if (signal?.aborted === true) {
      this.answerGet(get, errorReply(get.frame.requestId, signal.reason, this.logger))
      return
    }
    if (signal !== undefined) {
      const onAbort = (): void => {
        this.parkedGets = this.parkedGets.filter((parked) => parked !== get)
        this.answerGet(get, errorReply(get.frame.requestId, signal.reason, this.logger))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      get.detach = () => signal.removeEventListener('abort', onAbort)
    }
    if (place === 'first') this.parkedGets.unshift(get)
    else this.parkedGets.push(get)
  }

  /** Replies drained: parked GETs go to the engine again, oldest first, while credit lasts. */
  private issueParkedGets(): void {
    while (this.parkedGets.length > 0 && this.credit.hasRoom && this.state === 'open') {
      const get = this.parkedGets[0]!
      get.detach?.()
      get.detach = undefined
      this.parkedGets.shift()
      if (!this.issueGet(get)) {
        this.park(get, 'first')
        return
      }
    }
  }

  /** Closing: parked GETs are answered with `reason` (those with a wait already were, by abort). */
  private answerParkedGets(reason: MQError): void {
    const parked = this.parkedGets
    this.parkedGets = []
    for (const get of parked) {
      get.detach?.()
      this.answerGet(get, errorReply(get.frame.requestId, reason, this.logger))
    }
  }

  /** Serves an ADMIN as a barrier: reading resumes once its reply (or ERROR) is queued. */
  private startAdmin(requests: ClientRequests, frame: AdminFrame): void {
    this.adminInFlight = true
    const reply = Promise.resolve()
      .then(() => requests.admin(frame))
      .finally(() => {
        this.adminInFlight = false
        if (this.readBlock === 'admin') this.scheduleDrain()
      })
    void this.track(frame.requestId, reply, undefined)
  }

  private cancel(requestId: number, targetRequestId: number): void {
    const reason = new MQError(Reason.NO_MSG_AVAILABLE, 'the wait was cancelled')
    const answered = this.waitingGets.cancel(targetRequestId, reason)
    const reply = answered.then(() => ({ type: Opcode.OK, requestId }) as const)
    void this.track(requestId, reply, undefined)
  }

  /** Counts the request in flight until its reply (or ERROR) is queued. */
  private async track(
    requestId: number,
    reply: Promise<ClientMessage>,
    waiting: WaitingGet | undefined,
  ): Promise<void> {
    this.inFlightCount++
    try {
      this.send(await reply)
    } catch (error) {
      this.send(errorReply(requestId, error, this.logger))
    } finally {
      waiting?.answered()
      this.requestSettled()
    }
  }

  private requestSettled(): void {
    this.inFlightCount--
    if (this.inFlightCount === 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const wake of waiters) wake()
    }
    if (this.readBlock === 'window') this.scheduleDrain()
  }

  /** Queues a reply; one that cannot be encoded becomes an ERROR 2195 (and a log line). */
  private send(message: ClientMessage): void {
    if (this.state === 'closed' || !this.socket.writable) return
    let frame: Buffer
    try {
      frame = encodeFrame(message)
    } catch (error) {
      frame = encodeFrame(errorReply(message.requestId, error, this.logger))
    }
    this.outbox.enqueue(frame)
  }

  // ---- Closing ----

  private receiveEnd(): void {
    // The client will send nothing more; it may still read the answers to what it sent.
    if (this.state === 'handshake') this.abort('stream ended before HELLO')
    else void this.closeOrderly()
  }

  private closeOrderly(): Promise<void> {
    return this.close({
      waitReason: new MQError(Reason.NO_MSG_AVAILABLE, 'the client is leaving'),
      finishRequests: true,
      lingerMs: SERVER_CLOSE_GRACE_MS,
    })
  }

  private abort(why: string, detail?: unknown): void {
    this.logger.info({ why, detail }, 'closing the connection')
    void this.close({
      waitReason: new MQError(Reason.CONNECTION_BROKEN, why),
      finishRequests: false,
      lingerMs: SERVER_CLOSE_GRACE_MS,
    })
  }

  private close(plan: ClosePlan): Promise<void> {
    if (!this.isReading()) return this.closed
    this.state = 'closing'
    this.stopTimers()
    this.socket.resume()
    if (plan.goodbyeReason !== undefined) {
      this.send({ type: Opcode.GOODBYE, requestId: 0, reason: plan.goodbyeReason })
    }
    this.waitingGets.abortAll(plan.waitReason)
    this.answerParkedGets(plan.waitReason)
    void this.finishClose(plan)
    return this.closed
  }

  private async finishClose(plan: ClosePlan): Promise<void> {
    if (plan.finishRequests) await this.requestsFinished(SERVER_CLOSE_GRACE_MS)
    await this.releaseConnection()
    if (this.socket.destroyed) return
    this.outbox.flush()
    this.socket.end()
    this.lingerTimer = setTimeout(() => this.socket.destroy(), plan.lingerMs)
    this.lingerTimer.unref()
  }

  private requestsFinished(timeoutMs: number): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      timer.unref()
      this.idleWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** MQDISC once: handles closed, unit of work backed out (IPPROCS, OPPROCS, UNCOM drop). */
  private releaseConnection(): Promise<void> {
    this.released ??= (async () => {
      this.handles.clear()
      const connection = this.connection
      if (connection === undefined) return
      try {
        await connection.close()
      } catch (error) {
        this.logger.error({ err: error }, 'closing the engine connection failed')
      }
    })()
    return this.released
  }

  private async finishClosed(): Promise<void> {
    if (this.state !== 'closing') {
      // The client vanished (or was dropped): nobody is left to answer.
      this.state = 'closing'
      this.stopTimers()
      const gone = new MQError(Reason.CONNECTION_BROKEN, 'the client is gone')
      this.waitingGets.abortAll(gone)
      this.answerParkedGets(gone)
    }
    this.outbox.discard()
    clearTimeout(this.lingerTimer)
    await this.releaseConnection()
    this.state = 'closed'
    this.logger.debug('connection closed')
    this.resolveClosed()
  }

  private stopTimers(): void {
    clearTimeout(this.handshakeTimer)
    this.heartbeat?.stop()
    if (this.drainImmediate !== undefined) clearImmediate(this.drainImmediate)
    this.drainImmediate = undefined
  }
}

/** What is left of a GET's wait when it is issued (again): 0 once run out, never negative. */
function remainingWaitMs(get: ServedGet): number | undefined {
  const waitMs = get.frame.options.waitMs
  if (get.deadlineMs === Infinity) return waitMs
  return Math.max(0, Math.ceil(get.deadlineMs - performance.now()))
}
