/**
 * A tiny raw-socket client for server tests: encodeFrame out, FrameParser in, nothing else, so
 * tests see exactly what the server sends. Replies are matched to requests by id; frames nobody
 * asked for (GOODBYE, PING, ERROR 0, replies to raw bytes) queue up for `nextUnsolicited`.
 */
import net from 'node:net'
import { FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  AuthMechanism,
  CLIENT_PROTOCOL_VERSION,
  Opcode,
  encodeFrame,
  isFrameError,
  type ClientMessage,
  type HelloFrame,
} from '../../src/wire/client-protocol.js'

type Waiter = (message: ClientMessage) => void
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
/** A request as the test writes it: the client picks the id. */
export type Request = DistributiveOmit<ClientMessage, 'requestId'>

export interface WireClientOptions {
  /** Answer the server's PING with PONG (default true). */
  readonly answerPings?: boolean
}

export class WireClient {
  readonly closed: Promise<void>
  /** Every frame received, in arrival order. */
  readonly received: ClientMessage[] = []
  private readonly parser = new FrameParser({ from: 'server' })
  private readonly pending = new Map<number, Waiter>()
  private readonly unsolicited: ClientMessage[] = []
  private unsolicitedWaiter: Waiter | undefined
  private nextId = 1
  private isClosed = false

  private constructor(
    readonly socket: net.Socket,
    private readonly options: WireClientOptions,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    void this.closed.then(() => {
      this.isClosed = true
    })
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', () => undefined)
  }

  static connect(port: number, options: WireClientOptions = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      socket.setNoDelay(true)
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new WireClient(socket, options))
      })
    })
  }

  /** Connects and completes HELLO; throws if the server does not answer HELLO_OK. */
  static async connected(
    port: number,
    hello: Partial<HelloFrame> = {},
    options: WireClientOptions = {},
  ): Promise<WireClient> {
    const client = await WireClient.connect(port, options)
    const reply = await client.request(helloFrame(hello))
    if (reply.type !== Opcode.HELLO_OK) {
      client.destroy()
      throw new Error(`HELLO answered ${JSON.stringify(reply)}`)
    }
    return client
  }

  get hasClosed(): boolean {
    return this.isClosed
  }

  /** Allocates an id, sends, and resolves with the reply carrying that id. */
  request(request: Request): Promise<ClientMessage> {
    const message = this.frame(request)
    const reply = this.expect(message.requestId)
    this.socket.write(encodeFrame(message))
    return reply
  }

  /** Gives the request an id without sending it (for pipelined or byte-level sends). */
  frame(request: Request): ClientMessage {
    return { ...request, requestId: this.nextId++ } as ClientMessage
  }

  /** Resolves with the reply to `requestId` (register before the bytes go out). */
  expect(requestId: number): Promise<ClientMessage> {
    return new Promise((resolve) => this.pending.set(requestId, resolve))
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** The next frame that answered no pending request. */
  nextUnsolicited(): Promise<ClientMessage> {
    const queued = this.unsolicited.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => {
      this.unsolicitedWaiter = resolve
    })
  }

  /** Orderly: GOODBYE, end, wait for the server to close. */
  async goodbye(): Promise<void> {
    if (!this.isClosed) {
      this.socket.end(encodeFrame({ type: Opcode.GOODBYE, requestId: 0, reason: 0 }))
    }
    await this.closed
  }

  destroy(): void {
    this.socket.destroy()
  }

  private receive(chunk: Buffer): void {
    this.parser.push(chunk)
    for (;;) {
      const item = this.parser.next()
      if (item === undefined) return
      if (isFrameError(item)) throw new Error(`server sent a bad frame: ${item.message}`)
      this.dispatch(item)
    }
  }

  private dispatch(message: ClientMessage): void {
    this.received.push(message)
    if (message.type === Opcode.PING && this.options.answerPings !== false) {
      this.socket.write(encodeFrame({ type: Opcode.PONG, requestId: message.requestId }))
    }
    const waiter = this.pending.get(message.requestId)
    if (waiter !== undefined && message.type !== Opcode.PING && message.type !== Opcode.GOODBYE) {
      this.pending.delete(message.requestId)
      waiter(message)
      return
    }
    const unsolicitedWaiter = this.unsolicitedWaiter
    if (unsolicitedWaiter !== undefined) {
      this.unsolicitedWaiter = undefined
      unsolicitedWaiter(message)
    } else {
      this.unsolicited.push(message)
    }
  }
}

export function helloFrame(overrides: Partial<HelloFrame> = {}): Request {
  return {
    type: Opcode.HELLO,
    minVersion: CLIENT_PROTOCOL_VERSION,
    maxVersion: CLIENT_PROTOCOL_VERSION,
    queueManager: 'QM1',
    clientName: 'server-test',
    heartbeatMs: 0,
    authMechanism: AuthMechanism.NONE,
    credentials: new Uint8Array(0),
    ...overrides,
  } as Request
}

export function expectType<T extends ClientMessage['type']>(
  message: ClientMessage,
  type: T,
): Extract<ClientMessage, { type: T }> {
  if (message.type !== type) {
    throw new Error(`expected opcode 0x${type.toString(16)}, got ${describe(message)}`)
  }
  return message as Extract<ClientMessage, { type: T }>
}

function describe(message: ClientMessage): string {
  if (message.type === Opcode.ERROR) return `ERROR ${message.reason}: ${message.message}`
  return `opcode 0x${message.type.toString(16)}`
}
