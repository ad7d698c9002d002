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
 *   with a shared secret: check the acceptor's proof, then
 *           ── HELLO_PROOF ─────────────────▶ check the dialer's proof (else log and close)
 *   bind parser (from peer, to self)          bind parser
 *   ◀══════════ replica messages, either way ══════════▶
 *
 * Until its link is bound nothing a socket carries reaches the replica: a peer that does not
 * know the group's secret (src/security/link-auth.ts) is refused and logged before any record.
 * With `tls`, both ends present a certificate signed by the group's CA and require one from the
 * other (mutual TLS); the HMAC still runs inside it when a secret is set.
 */
import { trace, tracing } from '../../runtime/path-trace.js'
import net, { type Socket } from 'node:net'
import tls from 'node:tls'
import { TLS_HANDSHAKE_TIMEOUT_MS } from '../../constants.js'
import type { LinkTlsFiles } from '../../security/link-security.js'
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
  proofFor,
  proofProblem,
  type LinkIdentity,
} from '../../wire/replication-handshake.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameHead,
  frameTail,
  LinkMessageType,
  type HelloFrame,
  type HelloOkFrame,
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
  /** Mutual TLS on every link (the group's CA); plain TCP when absent. */
  readonly tls?: LinkTlsFiles
  onMessage(message: WireReplicaMessage): void
}

/** What the handshake step decided: the peer's name, a problem (close), or wait for more. */
type HandshakeStep = { readonly peer: string } | { readonly problem: string } | 'wait'

interface Link {
  readonly peer: string
  readonly socket: Socket
}

export class PeerLinks {
  private readonly links = new Map<string, Link>()
  private readonly redialMs = new Map<string, number>()
  private readonly sockets = new Set<Socket>()
  private readonly corked = new Set<Socket>()
  private server: net.Server | undefined
  private closed = false

  constructor(private readonly options: PeerLinksOptions) {}

  async start(): Promise<void> {
    const { self } = this.options
    const server = this.createServer()
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
    if (tracing) traceFrame('send', message)
    const link = this.links.get(message.to)
    if (link === undefined) return
    const socket = link.socket
    if (socket.writableLength > REPLICATION_SOCKET_MAX_BUFFERED_BYTES) return
    const tail = frameTail(message)
    this.corkForTurn(socket)
    if (tail.length === 0) {
      socket.write(encodeReplicationFrame(message))
      return
    }
    socket.write(encodeReplicationFrameHead(message))
    socket.write(tail)
  }

  /**
   * Frames sent in one turn (the responses to every APPEND of one TCP read, the APPENDs and
   * heartbeats of one tick) leave in one write: the socket is corked until the turn's
   * microtasks run, which is before any I/O, so no frame waits for a later event.
   */
  private corkForTurn(socket: Socket): void {
    if (this.corked.has(socket)) return
    this.corked.add(socket)
    socket.cork()
    if (this.corked.size > 1) return
    queueMicrotask(() => {
      for (const corked of this.corked) corked.uncork()
      this.corked.clear()
    })
  }

  close(): void {
    this.closed = true
    this.server?.close()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    this.links.clear()
  }

  private createServer(): net.Server {
    const files = this.options.tls
    const onSocket = (socket: Socket): void => this.accepted(socket)
    if (files === undefined) return net.createServer({ noDelay: true }, onSocket)
    const server = tls.createServer(
      {
        ...files,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      },
      onSocket,
    )
    server.on('tlsClientError', (error, socket) => {
      this.options.logger.warn(
        { err: error, remote: socket.remoteAddress },
        'replication link TLS handshake failed',
      )
    })
    return server
  }

  private connect(peer: MemberAddress): { socket: Socket; ready: string } {
    // `via`: a test's fault proxy stands between this member and the peer (chaos suite).
    const target = peer.via ?? peer
    const files = this.options.tls
    if (files === undefined) {
      return {
        socket: net.connect({ host: target.host, port: target.port, noDelay: true }),
        ready: 'connect',
      }
    }
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      ...files,
      minVersion: 'TLSv1.3',
      // Members are named by node, not host: the group CA is what says "a member".
      checkServerIdentity: () => undefined,
    })
    socket.setNoDelay(true)
    return { socket, ready: 'secureConnect' }
  }

  private dial(peer: MemberAddress): void {
    if (this.closed) return
    const { socket, ready } = this.connect(peer)
    const identity = this.options.identity
    const hello = helloFor(identity, peer.id)
    socket.once(ready, () => socket.write(encodeReplicationFrame(hello)))
    this.handshake(socket, 'acceptor', (frame) => {
      if (frame.type !== LinkMessageType.HELLO_OK) {
        const why = frame.type === LinkMessageType.HELLO_REFUSED ? frame.message : frame.type
        return { problem: `refused by ${peer.id}: ${why}` }
      }
      const problem = helloOkProblem(frame, hello, identity)
      if (problem !== undefined) return { problem }
      if (identity.secret !== undefined) {
        socket.write(encodeReplicationFrame(proofFor(identity, hello, frame)))
      }
      return { peer: peer.id }
    })
    socket.once('close', () => {
      const delay = this.redialMs.get(peer.id) ?? REPLICATION_REDIAL_INITIAL_MS
      this.redialMs.set(peer.id, Math.min(delay * 2, REPLICATION_REDIAL_MAX_MS))
      setTimeout(() => this.dial(peer), delay).unref()
    })
  }

  private accepted(socket: Socket): void {
    const identity = this.options.identity
    let accepted: { hello: HelloFrame; ok: HelloOkFrame } | undefined
    this.handshake(socket, 'dialer', (frame): HandshakeStep => {
      if (accepted !== undefined) {
        if (frame.type !== LinkMessageType.HELLO_PROOF) {
          return { problem: `node ${accepted.hello.fromNode} sent ${frame.type} before its proof` }
        }
        const problem = proofProblem(identity, accepted.hello, accepted.ok, frame)
        return problem === undefined ? { peer: accepted.hello.fromNode } : { problem }
      }
      if (frame.type !== LinkMessageType.HELLO)
        return { problem: `expected HELLO, got ${frame.type}` }
      const answer = answerHello(frame, identity)
      socket.write(encodeReplicationFrame(answer))
      if (answer.type !== LinkMessageType.HELLO_OK) return { problem: `refused: ${answer.message}` }
      if (identity.secret === undefined) return { peer: frame.fromNode }
      accepted = { hello: frame, ok: answer }
      return 'wait'
    })
  }

  /**
   * Reads the handshake frame, asks `decide` for the peer's name (or a problem, which closes
   * the socket; a name is told apart by being a member), then binds the link.
   */
  private handshake(
    socket: Socket,
    writer: LinkEnd,
    decide: (frame: ReplicationFrame) => HandshakeStep,
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
    let refused = false
    socket.on('data', (chunk: Buffer) => {
      if (refused) return
      parser.push(chunk)
      for (let frame = parser.next(); frame !== undefined; frame = parser.next()) {
        if (isReplicationFrameError(frame)) {
          logger.warn({ err: frame, peer }, 'bad replication frame: closing the link')
          socket.destroy()
          return
        }
        if (peer !== undefined) {
          if (tracing) traceFrame('receive', frame)
          this.options.onMessage(frame as WireReplicaMessage)
          continue
        }
        const step = decide(frame)
        if (step === 'wait') continue
        if ('problem' in step || !this.isPeer(step.peer)) {
          const problem = 'problem' in step ? step.problem : `${step.peer} is not a peer`
          const remote = socket.remoteAddress
          logger.warn({ problem, remote }, 'replication handshake refused: link closed')
          refused = true
          // end, not destroy: a HELLO_REFUSED just written still reaches the peer.
          socket.end()
          return
        }
        peer = step.peer
        clearTimeout(timer)
        this.bind(step.peer, socket, parser)
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

/** The ack path's frames for QMQ_PATH_TRACE (heartbeats left out), by the LSN they carry. */
function traceFrame(direction: 'send' | 'receive', frame: { readonly type: string }): void {
  if (frame.type === 'heartbeat' || frame.type === 'heartbeatResponse') return
  const { prevLsn, matchLsn } = frame as { prevLsn?: number; matchLsn?: number }
  trace(`${direction}.${frame.type}`, prevLsn ?? matchLsn ?? 0)
}
