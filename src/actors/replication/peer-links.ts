/**
 * The TCP links of one member to its peers, one connection per pair: the member with the lower
 * name dials, the other accepts, so two members never race to open two links. Each link starts
 * with the HELLO handshake (src/wire/replication-handshake.ts), then carries replica messages
 * both ways, framed by the replication codec. Every bad frame closes the link; the dialer
 * redials with backoff and the core retransmits what was lost (it never relies on a link).
 *
 *   dialer (lower name)                       acceptor (higher name)
 *   connect ── HELLO ───────────────────────▶ answerHello
 *           ◀────────────── HELLO_OK / REFUSED
 *   bind parser (from peer, to self)          bind parser
 *   ◀══════════ replica messages, either way ══════════▶
 */
import net, { type Socket } from 'node:net'
import type { Logger } from '../../log.js'
import {
  REPLICATION_HANDSHAKE_TIMEOUT_MS,
  REPLICATION_REDIAL_INITIAL_MS,
  REPLICATION_REDIAL_MAX_MS,
  REPLICATION_SOCKET_MAX_BUFFERED_BYTES,
} from '../../constants.js'
import { isReplicationFrameError } from '../../wire/replication-frame-error.js'
import { ReplicationFrameParser } from '../../wire/replication-frame-parser.js'
import {
  answerHello,
  helloFor,
  helloOkProblem,
  type LinkIdentity,
} from '../../wire/replication-handshake.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameHead,
  frameTail,
  LinkMessageType,
  type LinkEnd,
  type ReplicationFrame,
  type WireReplicaMessage,
} from '../../wire/replication-protocol.js'
import type { MemberAddress } from './messages.js'

export interface PeerLinksOptions {
  readonly identity: LinkIdentity
  readonly self: MemberAddress
  readonly peers: readonly MemberAddress[]
  readonly logger: Logger
  onMessage(message: WireReplicaMessage): void
}

interface Link {
  readonly peer: string
  readonly socket: Socket
}

export class PeerLinks {
  private readonly links = new Map<string, Link>()
  private readonly redialMs = new Map<string, number>()
  private readonly sockets = new Set<Socket>()
  private server: net.Server | undefined
  private closed = false

  constructor(private readonly options: PeerLinksOptions) {}

  async start(): Promise<void> {
    const { self } = this.options
    const server = net.createServer({ noDelay: true }, (socket) => this.accepted(socket))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(self.port, self.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    for (const peer of this.options.peers) {
      if (self.id < peer.id) this.dial(peer)
    }
  }

  /** Peers with a link up now. */
  get connected(): string[] {
    return [...this.links.keys()]
  }

  /** Sends to `message.to` if a link is up; a message with no link is lost (the core resends). */
  send(message: WireReplicaMessage): void {
    const link = this.links.get(message.to)
    if (link === undefined) return
    const socket = link.socket
    if (socket.writableLength > REPLICATION_SOCKET_MAX_BUFFERED_BYTES) return
    const tail = frameTail(message)
    if (tail.length === 0) {
      socket.write(encodeReplicationFrame(message))
      return
    }
    socket.cork()
    socket.write(encodeReplicationFrameHead(message))
    socket.write(tail)
    socket.uncork()
  }

  close(): void {
    this.closed = true
    this.server?.close()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    this.links.clear()
  }

  private dial(peer: MemberAddress): void {
    if (this.closed) return
    const target = peer.via ?? peer
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true })
    const hello = helloFor(this.options.identity, peer.id)
    socket.once('connect', () => socket.write(encodeReplicationFrame(hello)))
    this.handshake(socket, 'acceptor', (frame) => {
      if (frame.type !== LinkMessageType.HELLO_OK) {
        const why = frame.type === LinkMessageType.HELLO_REFUSED ? frame.message : frame.type
        return `refused by ${peer.id}: ${why}`
      }
      return helloOkProblem(frame, hello) ?? peer.id
    })
    socket.once('close', () => {
      const delay = this.redialMs.get(peer.id) ?? REPLICATION_REDIAL_INITIAL_MS
      this.redialMs.set(peer.id, Math.min(delay * 2, REPLICATION_REDIAL_MAX_MS))
      setTimeout(() => this.dial(peer), delay).unref()
    })
  }

  private accepted(socket: Socket): void {
    this.handshake(socket, 'dialer', (frame) => {
      if (frame.type !== LinkMessageType.HELLO) return `expected HELLO, got ${frame.type}`
      const answer = answerHello(frame, this.options.identity)
      socket.write(encodeReplicationFrame(answer))
      if (answer.type !== LinkMessageType.HELLO_OK) return `refused: ${answer.message}`
      return frame.fromNode
    })
  }

  /**
   * Reads the handshake frame, asks `decide` for the peer's name (or a problem, which closes
   * the socket; a name is told apart by being a member), then binds the link.
   */
  private handshake(
    socket: Socket,
    writer: LinkEnd,
    decide: (frame: ReplicationFrame) => string | undefined,
  ): void {
    this.sockets.add(socket)
    const parser = new ReplicationFrameParser({ from: writer })
    const logger = this.options.logger
    const timer = setTimeout(() => socket.destroy(), REPLICATION_HANDSHAKE_TIMEOUT_MS)
    let peer: string | undefined
    socket.on('error', (error) => logger.debug({ err: error, peer }, 'replication link error'))
    socket.on('close', () => {
      clearTimeout(timer)
      this.sockets.delete(socket)
      if (peer !== undefined && this.links.get(peer)?.socket === socket) this.links.delete(peer)
    })
    socket.on('data', (chunk: Buffer) => {
      parser.push(chunk)
      for (let frame = parser.next(); frame !== undefined; frame = parser.next()) {
        if (isReplicationFrameError(frame)) {
          logger.warn({ err: frame, peer }, 'bad replication frame: closing the link')
          socket.destroy()
          return
        }
        if (peer !== undefined) {
          this.options.onMessage(frame as WireReplicaMessage)
          continue
        }
        const outcome = decide(frame)
        if (outcome === undefined || !this.isPeer(outcome)) {
          logger.info({ problem: outcome }, 'replication handshake failed')
          socket.end()
          return
        }
        peer = outcome
        clearTimeout(timer)
        this.bind(outcome, socket, parser)
      }
    })
  }

  private isPeer(name: string): boolean {
    return this.options.peers.some((peer) => peer.id === name)
  }

  private bind(peer: string, socket: Socket, parser: ReplicationFrameParser): void {
    parser.bind({ from: peer, to: this.options.self.id })
    this.links.get(peer)?.socket.destroy()
    this.links.set(peer, { peer, socket })
    this.redialMs.delete(peer)
    this.options.logger.info({ peer }, 'replication link up')
  }
}
