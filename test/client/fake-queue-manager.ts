/**
 * A small queue manager for client tests: the server side of the client protocol over real TCP
 * on 127.0.0.1, port 0, with in-memory queues. It answers HELLO (version choice, name check),
 * PING, OPEN, CLOSE_HANDLE, PUT, GET (waits, browse, match, syncpoint), CANCEL, COMMIT,
 * BACKOUT, ADMIN, QUERY and GOODBYE, records every frame it receives, and lets a test take over
 * any frame (`intercept`) to hold, reorder, drop or fail replies. It is no reference server:
 * priority is ignored (FIFO) and nothing is persistent.
 *
 * Everything it opens, close() closes: sockets, wait timers, the listener.
 */
import { Buffer } from 'node:buffer'
import { createServer, type Server, type Socket } from 'node:net'
import { MAX_MESSAGE_BYTES, MESSAGE_ID_BYTES } from '../../src/constants.js'
import { CompCode, Reason } from '../../src/errors.js'
import type { MessageDescriptor, OpenOptions } from '../../src/queue/types.js'
import { FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  chooseVersion,
  encodeFrame,
  FrameError,
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  type ClientMessage,
  type GetFrame,
  type HelloFrame,
  type PutFrame,
} from '../../src/wire/client-protocol.js'

export interface FakeQueueManagerOptions {
  readonly name?: string
  /** Protocol versions this server speaks; default 1..1. */
  readonly minVersion?: number
  readonly maxVersion?: number
  readonly maxMessageBytes?: number
  /** HELLO_OK's heartbeat; default: whatever the client offered. */
  readonly heartbeatMs?: number
  readonly queues?: readonly string[]
  /** Sees every frame first; returns true when it has dealt with it. */
  readonly intercept?: (message: ClientMessage, peer: FakePeer) => boolean
}

interface StoredMessage {
  descriptor: MessageDescriptor
  readonly body: Uint8Array
  readonly sequence: number
  /** False while put under a unit of work not yet committed. */
  visible: boolean
  /** The peer whose uncommitted get holds it. */
  lockedBy: FakePeer | undefined
}

interface OpenHandle {
  readonly queue: StoredMessage[]
  readonly queueName: string
  readonly options: OpenOptions
  cursor: number
}

interface Waiter {
  readonly peer: FakePeer
  readonly frame: GetFrame
  readonly timer: NodeJS.Timeout | undefined
}

type Frame = ClientMessage

export function descriptorFor(overrides: Partial<MessageDescriptor> = {}): MessageDescriptor {
  return {
    msgId: new Uint8Array(MESSAGE_ID_BYTES),
    correlId: new Uint8Array(MESSAGE_ID_BYTES),
    persistent: false,
    priority: 0,
    expiry: -1,
    backoutCount: 0,
    putTimeMs: 1_700_000_000_000,
    format: '',
    replyToQueue: '',
    replyToQueueManager: '',
    ...overrides,
  }
}

function sameBytes(left: Uint8Array | undefined, right: Uint8Array): boolean {
  return left === undefined || Buffer.compare(Buffer.from(left), Buffer.from(right)) === 0
}

export class FakePeer {
  readonly received: Frame[] = []
  readonly handles = new Map<number, OpenHandle>()
  readonly uncommittedPuts: StoredMessage[] = []
  readonly uncommittedGets: { queue: StoredMessage[]; message: StoredMessage }[] = []
  nextHandle = 1
  greeted = false

  constructor(readonly socket: Socket) {}

  send(message: Frame): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(message))
  }

  sendRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes)
  }

  error(
    requestId: number,
    reason: number,
    message = '',
    compCode: CompCode = CompCode.FAILED,
  ): void {
    const code = compCode === CompCode.WARNING ? CompCode.WARNING : CompCode.FAILED
    this.send({ type: Opcode.ERROR, requestId, compCode: code, reason, message })
  }

  destroy(): void {
    this.socket.destroy()
  }
}

export class FakeQueueManager {
  readonly peers: FakePeer[] = []
  readonly received: Frame[] = []
  readonly queues = new Map<string, StoredMessage[]>()
  private readonly waiters: Waiter[] = []
  private readonly watchers: { test: (frame: Frame) => boolean; resolve: (f: Frame) => void }[] = []
  private sequence = 0
  private closing = false

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly options: FakeQueueManagerOptions,
  ) {
    for (const name of options.queues ?? ['Q1']) this.queues.set(name, [])
  }

  static async start(options: FakeQueueManagerOptions = {}): Promise<FakeQueueManager> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    const fake = new FakeQueueManager(server, address.port, options)
    server.on('connection', (socket) => fake.accept(socket))
    return fake
  }

  get name(): string {
    return this.options.name ?? 'QM1'
  }

  get connName(): string {
    return `127.0.0.1(${this.port})`
  }

  get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES
  }

  /** Frames of one type received so far, from every peer. */
  framesOf<T extends Frame['type']>(type: T): Extract<Frame, { type: T }>[] {
    return this.received.filter(
      (frame): frame is Extract<Frame, { type: T }> => frame.type === type,
    )
  }

  /** Resolves with the first frame, received already or later, that passes `test`. */
  waitForFrame(test: (frame: Frame) => boolean): Promise<Frame> {
    const seen = this.received.find(test)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise((resolve) => this.watchers.push({ test, resolve }))
  }

  /** Messages visible on a queue, in order. */
  depth(queueName: string): number {
    return (this.queues.get(queueName) ?? []).filter((message) => message.visible).length
  }

  /** As the real server's graceful close: waiting GETs 2161, GOODBYE 2161, end. */
  quiesce(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer)
      waiter.peer.error(waiter.frame.requestId, Reason.Q_MGR_QUIESCING, 'quiescing')
    }
    for (const peer of this.peers) {
      peer.send({ type: Opcode.GOODBYE, requestId: 0, reason: Reason.Q_MGR_QUIESCING })
      peer.socket.end()
    }
  }

  async close(): Promise<void> {
    this.closing = true
    for (const waiter of this.waiters.splice(0)) clearTimeout(waiter.timer)
    for (const peer of this.peers) peer.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    const peer = new FakePeer(socket)
    this.peers.push(peer)
    const parser = new FrameParser({ from: 'client' })
    socket.on('error', () => undefined)
    socket.on('close', () => this.forget(peer))
    socket.on('data', (chunk: Buffer) => {
      parser.push(chunk)
      for (let next = parser.next(); next !== undefined; next = parser.next()) {
        if (next instanceof FrameError) this.fault(peer, next)
        else this.receive(peer, next)
        if (socket.destroyed) return
      }
    })
  }

  private fault(peer: FakePeer, fault: FrameError): void {
    peer.error(fault.fatal ? 0 : fault.requestId, fault.reason, fault.message.slice(0, 200))
    if (fault.fatal) peer.socket.end()
  }

  private receive(peer: FakePeer, frame: Frame): void {
    peer.received.push(frame)
    this.received.push(frame)
    for (const watcher of [...this.watchers]) {
      if (!watcher.test(frame)) continue
      this.watchers.splice(this.watchers.indexOf(watcher), 1)
      watcher.resolve(frame)
    }
    if (this.options.intercept?.(frame, peer) === true) return
    this.answer(peer, frame)
  }

  private answer(peer: FakePeer, frame: Frame): void {
    const { requestId } = frame
    switch (frame.type) {
      case Opcode.HELLO:
        return this.hello(peer, frame)
      case Opcode.PING:
        return peer.send({ type: Opcode.PONG, requestId })
      case Opcode.PONG:
        return
      case Opcode.GOODBYE:
        peer.socket.end()
        return
      case Opcode.OPEN: {
        const queue = this.queues.get(frame.queueName)
        if (queue === undefined) return peer.error(requestId, Reason.UNKNOWN_OBJECT_NAME)
        const handle = peer.nextHandle++
        peer.handles.set(handle, {
          queue,
          queueName: frame.queueName,
          options: frame.options,
          cursor: -1,
        })
        return peer.send({ type: Opcode.OPEN_OK, requestId, handle })
      }
      case Opcode.CLOSE_HANDLE:
        if (!peer.handles.delete(frame.handle)) return peer.error(requestId, Reason.HOBJ_ERROR)
        return peer.send({ type: Opcode.OK, requestId })
      case Opcode.PUT:
        return this.put(peer, frame)
      case Opcode.GET:
        return this.get(peer, frame)
      case Opcode.CANCEL:
        return this.cancel(peer, frame.targetRequestId, requestId)
      case Opcode.COMMIT:
        return this.endUnitOfWork(peer, requestId, true)
      case Opcode.BACKOUT:
        return this.endUnitOfWork(peer, requestId, false)
      case Opcode.ADMIN: {
        const lines = frame.command.split('\n').map((line) => `AMQ8000I: ${line}`)
        const failedCount = lines.filter((line) => line.includes('BAD')).length
        return peer.send({ type: Opcode.ADMIN_RESULT, requestId, failedCount, lines })
      }
      case Opcode.QUERY:
        return this.query(peer, frame.queueName, requestId)
      default:
        return peer.error(requestId, Reason.UNEXPECTED_ERROR, `no answer for ${frame.type}`)
    }
  }

  private hello(peer: FakePeer, hello: HelloFrame): void {
    const version = chooseVersion(hello, this.options.minVersion ?? 1, this.options.maxVersion ?? 1)
    if (version === undefined) {
      peer.error(hello.requestId, Reason.UNEXPECTED_ERROR, 'no protocol version in common')
      peer.socket.end()
      return
    }
    if (hello.queueManager !== '' && hello.queueManager !== this.name) {
      peer.error(hello.requestId, Reason.Q_MGR_NAME_ERROR, `this is ${this.name}`)
      peer.socket.end()
      return
    }
    peer.greeted = true
    peer.send({
      type: Opcode.HELLO_OK,
      requestId: hello.requestId,
      version,
      queueManager: this.name,
      heartbeatMs: this.options.heartbeatMs ?? hello.heartbeatMs,
      maxMessageBytes: this.maxMessageBytes,
      connectionId: new Uint8Array(MESSAGE_ID_BYTES).fill(7),
    })
  }

  private put(peer: FakePeer, frame: PutFrame): void {
    const handle = peer.handles.get(frame.handle)
    if (handle === undefined) return peer.error(frame.requestId, Reason.HOBJ_ERROR)
    const { options } = frame
    this.sequence += 1
    const msgId = new Uint8Array(MESSAGE_ID_BYTES)
    Buffer.from(msgId.buffer).writeUInt32LE(this.sequence, 0)
    const stored: StoredMessage = {
      descriptor: descriptorFor({
        msgId: options.msgId ?? msgId,
        correlId: options.correlId ?? new Uint8Array(MESSAGE_ID_BYTES),
        persistent: options.persistence === 1,
        priority: Math.max(0, options.priority ?? 0),
        expiry: options.expiry ?? -1,
        format: options.format ?? '',
        replyToQueue: options.replyToQueue ?? '',
        replyToQueueManager: options.replyToQueueManager ?? '',
      }),
      body: Buffer.from(frame.body),
      sequence: this.sequence,
      visible: options.syncpoint !== true,
      lockedBy: undefined,
    }
    handle.queue.push(stored)
    if (options.syncpoint === true) peer.uncommittedPuts.push(stored)
    peer.send({ type: Opcode.PUT_OK, requestId: frame.requestId, descriptor: stored.descriptor })
    this.serveWaiters()
  }

  /** Finds, and for a destructive get takes, the message `frame` asks for. */
  private take(peer: FakePeer, frame: GetFrame): StoredMessage | undefined {
    const handle = peer.handles.get(frame.handle)
    if (handle === undefined) return undefined
    const { options } = frame
    const after = options.browse === 'next' ? handle.cursor : -1
    const found = handle.queue.find(
      (message) =>
        message.visible &&
        message.lockedBy === undefined &&
        message.sequence > after &&
        sameBytes(options.msgId, message.descriptor.msgId) &&
        sameBytes(options.correlId, message.descriptor.correlId),
    )
    if (found === undefined) return undefined
    if (options.browse !== undefined) {
      handle.cursor = found.sequence
    } else if (options.syncpoint === true) {
      found.lockedBy = peer
      peer.uncommittedGets.push({ queue: handle.queue, message: found })
    } else {
      handle.queue.splice(handle.queue.indexOf(found), 1)
    }
    return found
  }

  private get(peer: FakePeer, frame: GetFrame): void {
    if (!peer.handles.has(frame.handle)) return peer.error(frame.requestId, Reason.HOBJ_ERROR)
    const found = this.take(peer, frame)
    if (found !== undefined) return this.deliver(peer, frame, found)
    const { waitMs } = frame.options
    if (waitMs === undefined || waitMs === 0) {
      return peer.error(frame.requestId, Reason.NO_MSG_AVAILABLE)
    }
    const timer =
      waitMs === GET_WAIT_UNLIMITED_MS
        ? undefined
        : setTimeout(() => this.cancel(peer, frame.requestId, undefined), waitMs)
    this.waiters.push({ peer, frame, timer })
  }

  private deliver(peer: FakePeer, frame: GetFrame, found: StoredMessage): void {
    const { descriptor, body } = found
    peer.send({ type: Opcode.MESSAGE, requestId: frame.requestId, descriptor, body })
  }

  /** Ends the wait of GET `target` with 2033; answers a CANCEL request's OK after it. */
  private cancel(peer: FakePeer, target: number, cancelRequestId: number | undefined): void {
    const index = this.waiters.findIndex(
      (waiter) => waiter.peer === peer && waiter.frame.requestId === target,
    )
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1)
      clearTimeout(waiter?.timer)
      peer.error(target, Reason.NO_MSG_AVAILABLE, 'wait ended')
    }
    if (cancelRequestId !== undefined) peer.send({ type: Opcode.OK, requestId: cancelRequestId })
  }

  private serveWaiters(): void {
    for (const waiter of [...this.waiters]) {
      const found = this.take(waiter.peer, waiter.frame)
      if (found === undefined) continue
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      clearTimeout(waiter.timer)
      this.deliver(waiter.peer, waiter.frame, found)
    }
  }

  private endUnitOfWork(peer: FakePeer, requestId: number | undefined, commit: boolean): void {
    for (const message of peer.uncommittedPuts.splice(0)) {
      if (commit) message.visible = true
      else this.remove(message)
    }
    for (const { queue, message } of peer.uncommittedGets.splice(0)) {
      if (commit) {
        queue.splice(queue.indexOf(message), 1)
      } else {
        message.lockedBy = undefined
        const backoutCount = message.descriptor.backoutCount + 1
        message.descriptor = { ...message.descriptor, backoutCount }
      }
    }
    if (requestId !== undefined) peer.send({ type: Opcode.OK, requestId })
    this.serveWaiters()
  }

  private remove(message: StoredMessage): void {
    for (const queue of this.queues.values()) {
      const index = queue.indexOf(message)
      if (index >= 0) queue.splice(index, 1)
    }
  }

  private query(peer: FakePeer, queueName: string, requestId: number): void {
    const queue = this.queues.get(queueName)
    if (queue === undefined) return peer.error(requestId, Reason.UNKNOWN_OBJECT_NAME)
    const handles = this.peers.flatMap((each) => [...each.handles.values()])
    const mine = handles.filter((handle) => handle.queueName === queueName)
    peer.send({
      type: Opcode.QUEUE_INFO,
      requestId,
      attributes: {
        name: queueName,
        description: 'fake',
        maxDepth: 5000,
        maxMessageLength: this.maxMessageBytes,
        defaultPersistent: false,
        defaultPriority: 0,
        putEnabled: true,
        getEnabled: true,
        deliverySequence: 'FIFO',
      },
      status: {
        name: queueName,
        currentDepth: queue.filter((message) => message.visible).length,
        openInputCount: mine.filter((handle) => handle.options.input === true).length,
        openOutputCount: mine.filter((handle) => handle.options.output === true).length,
        uncommittedCount: queue.filter((message) => !message.visible).length,
      },
    })
  }

  /** A connection gone: its waits end and its unit of work is backed out (as MQDISC would). */
  private forget(peer: FakePeer): void {
    for (const waiter of this.waiters.filter((each) => each.peer === peer)) {
      clearTimeout(waiter.timer)
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
    }
    this.endUnitOfWork(peer, undefined, false)
  }
}

/** A port on 127.0.0.1 with nothing listening: connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return address.port
}
