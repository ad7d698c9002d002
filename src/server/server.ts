/**
 * The queue manager's TCP listener: accepts client connections and gives each a ClientSession
 * (client-session.ts) sharing one FlushScheduler, so all replies of an event-loop turn leave in
 * one corked write per connection.
 *
 *   QueueManagerServer.listen({ queueManager, port })
 *     net.Server ── 'connection' ──> ClientSession ──> engine Connection (after HELLO)
 *                                         └──────────> FlushScheduler (one per server)
 *
 * Security (src/security/, SECURITY.md): with `tls` the listener speaks TLS (1.3 by default)
 * and, when it has a CA, asks clients for a certificate; with `guard` every HELLO is
 * authenticated and every MQOPEN and MQSC script authorized. Plain TCP on an address other
 * hosts can reach is refused unless `allowPlaintext`. Connections not yet past HELLO are capped
 * in all and per address (pre-auth-gate.ts), and may send at most SERVER_PRE_AUTH_MAX_BYTES.
 *
 * close({ graceful }) stops accepting, tells every client GOODBYE 2161 (MQRC_Q_MGR_QUIESCING),
 * answers waiting GETs with 2161, lets other requests finish when graceful, backs out every
 * unit of work still open, and resolves once every socket is closed. Closing the queue manager
 * itself is the caller's next step.
 */
import net, { type AddressInfo, type Socket } from 'node:net'
import tls, { type TLSSocket } from 'node:tls'
import { assert } from '../assert.js'
import {
  SERVER_HEARTBEAT_DEFAULT_MS,
  SERVER_LISTEN_BACKLOG,
  SERVER_MAX_CONNECTIONS,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from '../constants.js'
import type { ClientGuard, PeerCertificate } from '../security/client-guard.js'
import {
  checkPlaintextListener,
  isLoopbackHost,
  type ServerTlsFiles,
} from '../security/listener-policy.js'
import { PreAuthGate } from './pre-auth-gate.js'
import { ErrorCode, QmqError } from '../errors.js'
import { childLogger, type Logger } from '../log.js'
import type { AdminFunction } from './admin-result.js'
import { ClientSession, type ServedQueueManager, type SessionServices } from './client-session.js'
import { FlushScheduler } from './outbox.js'
import { ServerIoCounters, type IoCounts } from './io-counters.js'

export const DEFAULT_SERVER_HOST = '127.0.0.1'
const PORT_MAX = 65_535
const HEARTBEAT_MS_MAX = 0xffff_ffff

export interface ServerOptions {
  readonly queueManager: ServedQueueManager
  /** Interface to listen on; default 127.0.0.1 (loopback only). */
  readonly host?: string
  /** 0 picks a free port (see `port` after listen). */
  readonly port: number
  /** Runs ADMIN requests (MQSC); without it ADMIN is answered 2035 NOT_AUTHORIZED. */
  readonly admin?: AdminFunction
  /** Heartbeat offered to clients in milliseconds (0: none); default MQ's 300 s. */
  readonly heartbeatMs?: number
  readonly logger?: Logger
  /** TLS on the listener (src/security/listener-policy.ts); plain TCP when absent. */
  readonly tls?: ServerTlsFiles
  /** Authentication and authority; absent: every client may do everything (tests, tools). */
  readonly guard?: ClientGuard
  /** Plain TCP on a non-loopback address (refused otherwise): cleartext passwords and bodies. */
  readonly allowPlaintext?: boolean
  /** Connections not yet past HELLO: its limits (tests lower them). */
  readonly preAuthGate?: PreAuthGate
}

export interface ServerStats {
  readonly connectionCount: number
  /** Connections not being read because they do not read their replies. */
  readonly pausedForOutputCount: number
  /** Reply bytes queued for all clients and not yet taken by the kernel. */
  readonly bufferedOutputBytes: number
  readonly requestsInFlight: number
  /** Byte credit in use by all clients: reply bytes queued plus reserved by GETs being served. */
  readonly outstandingReplyBytes: number
  /** The largest byte credit one connection uses now. */
  readonly maxConnectionReplyBytes: number
  /** Times a GET was refused a message for want of its connection's byte credit. */
  readonly creditRefusalCount: number
  /** Cumulative socket reads, frames, replies and socket writes of every connection so far. */
  readonly io: IoCounts
}

export class QueueManagerServer {
  private readonly sessions = new Set<ClientSession>()
  private readonly scheduler = new FlushScheduler()
  private readonly counters = new ServerIoCounters()
  private readonly services: SessionServices
  private readonly gate: PreAuthGate
  /** Raw sockets holding a pre-auth slot (TLS handshake or HELLO pending), closed at close. */
  private readonly unauthenticated = new Map<string, Socket>()
  private nextConnectionNumber = 1
  private listeningPort = 0
  private closing: Promise<void> | undefined

  private constructor(
    private readonly server: net.Server,
    settings: Omit<SessionServices, 'scheduler' | 'counters'>,
    private readonly logger: Logger,
    readonly host: string,
    gate: PreAuthGate | undefined,
  ) {
    this.services = { ...settings, scheduler: this.scheduler, counters: this.counters }
    this.gate = gate ?? new PreAuthGate()
  }

  /** Listens and resolves once connections are accepted; rejects naming the port if it cannot. */
  static async listen(options: ServerOptions): Promise<QueueManagerServer> {
    const host = options.host ?? DEFAULT_SERVER_HOST
    const heartbeatMs = options.heartbeatMs ?? SERVER_HEARTBEAT_DEFAULT_MS
    assert(Number.isInteger(options.port), 'server: the port is an integer')
    assert(options.port >= 0 && options.port <= PORT_MAX, 'server: the port is 0..65535')
    assert(Number.isInteger(heartbeatMs), 'server: heartbeatMs is an integer')
    assert(heartbeatMs >= 0 && heartbeatMs <= HEARTBEAT_MS_MAX, 'server: heartbeatMs is a u32')
    const logger =
      options.logger ?? childLogger({ component: 'server', qm: options.queueManager.name })
    checkPlaintextListener(host, options.tls !== undefined, options.allowPlaintext === true)
    if (options.tls === undefined && !isLoopbackHost(host)) {
      logger.warn({ host }, 'plain TCP allowed off loopback: passwords and bodies in the clear')
    }
    const server = createListener(options.tls)
    server.maxConnections = SERVER_MAX_CONNECTIONS
    const { queueManager, admin, guard } = options
    const instance = new QueueManagerServer(
      server,
      { queueManager, admin, heartbeatMs, guard },
      logger,
      host,
      options.preAuthGate,
    )
    await instance.start(options.port)
    return instance
  }

  get port(): number {
    return this.listeningPort
  }

  /** Connections whose engine connection is not yet released (closing ones included). */
  get connectionCount(): number {
    return this.sessions.size
  }

  stats(): ServerStats {
    let pausedForOutputCount = 0
    let bufferedOutputBytes = 0
    let requestsInFlight = 0
    let outstandingReplyBytes = 0
    let maxConnectionReplyBytes = 0
    let creditRefusalCount = 0
    for (const session of this.sessions) {
      if (session.isPausedForOutput) pausedForOutputCount++
      bufferedOutputBytes += session.bufferedOutputBytes
      requestsInFlight += session.requestsInFlight
      outstandingReplyBytes += session.outstandingReplyBytes
      maxConnectionReplyBytes = Math.max(maxConnectionReplyBytes, session.outstandingReplyBytes)
      creditRefusalCount += session.creditRefusalCount
    }
    const connectionCount = this.sessions.size
    return {
      connectionCount,
      pausedForOutputCount,
      bufferedOutputBytes,
      requestsInFlight,
      outstandingReplyBytes,
      maxConnectionReplyBytes,
      creditRefusalCount,
      io: this.counters.snapshot(),
    }
  }

  /** Idempotent; resolves once every connection is closed and its unit of work backed out. */
  close(options: { readonly graceful?: boolean } = {}): Promise<void> {
    this.closing ??= this.closeOnce(options.graceful ?? true)
    return this.closing
  }

  private async start(port: number): Promise<void> {
    const secure = this.server instanceof tls.Server
    // Every raw connection takes a pre-authentication slot first, TLS or not.
    this.server.on('connection', (socket: Socket) => {
      if (!this.admit(socket) || secure) return
      this.accept(socket)
    })
    if (secure) {
      this.server.on('secureConnection', (socket: TLSSocket) => this.accept(socket))
      this.server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        const remote = `${socket.remoteAddress ?? '?'}`
        this.logger.info({ err: error, remote }, 'client TLS handshake failed')
      })
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(listenError(error, this.host, port))
      }
      this.server.once('error', onError)
      this.server.listen({ host: this.host, port, backlog: SERVER_LISTEN_BACKLOG }, () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    // After listening, errors (a failed accept, EMFILE) concern one connection, not the server.
    this.server.on('error', (error) => this.logger.error({ err: error }, 'listener error'))
    this.listeningPort = (this.server.address() as AddressInfo).port
    this.logger.info({ host: this.host, port: this.listeningPort }, 'listening for clients')
  }

  /** Takes a pre-authentication slot for a new raw connection, or closes it. */
  private admit(socket: Socket): boolean {
    const address = socket.remoteAddress
    const key = connectionKey(socket)
    if (address === undefined || !this.gate.admit(key, address)) {
      this.logger.warn({ remote: address }, 'too many unauthenticated connections: refused')
      socket.destroy()
      return false
    }
    this.unauthenticated.set(key, socket)
    socket.once('close', () => {
      this.gate.release(key)
      this.unauthenticated.delete(key)
    })
    return true
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy()
      return
    }
    const connection = this.nextConnectionNumber++
    const remote = connectionKey(socket)
    const key = remote
    const session = new ClientSession(
      socket,
      this.services,
      this.logger.child({ connection, remote }),
      {
        address: socket.remoteAddress ?? '?',
        certificate: socket instanceof tls.TLSSocket ? peerCertificateOf(socket) : undefined,
        authenticated: () => {
          this.gate.release(key)
          this.unauthenticated.delete(key)
        },
      },
    )
    this.sessions.add(session)
    void session.closed.then(() => this.sessions.delete(session))
    session.start()
  }

  private async closeOnce(graceful: boolean): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.logger.info({ graceful, connections: this.sessions.size }, 'server closing')
    // Not yet clients: a stalled TLS handshake must not hold the close up.
    for (const socket of this.unauthenticated.values()) socket.destroy()
    await Promise.all([...this.sessions].map((session) => session.shutdown(graceful)))
    await stopped
    this.logger.info('server closed')
  }
}

function connectionKey(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
}

function createListener(files: ServerTlsFiles | undefined): net.Server {
  // Half-open: a client that ends its stream may still read the answers to what it sent.
  if (files === undefined) return net.createServer({ allowHalfOpen: true, noDelay: true })
  return tls.createServer({
    key: files.key,
    cert: files.cert,
    ca: files.ca,
    crl: files.crl,
    minVersion: files.minVersion ?? 'TLSv1.3',
    // Asked for only with a CA to check it by; judged at HELLO, so a refusal says why (2035).
    requestCert: files.ca !== undefined,
    rejectUnauthorized: false,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    allowHalfOpen: true,
    noDelay: true,
  })
}

/** The client certificate TLS received, if any, and whether the CA (and CRL) accept it. */
function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  const certificate = socket.getPeerCertificate()
  if (certificate === null || Object.keys(certificate).length === 0) return undefined
  const commonName = certificate.subject?.CN
  const authorizationError = socket.authorizationError as Error | string | null | undefined
  const problem =
    authorizationError === null || authorizationError === undefined
      ? undefined
      : String(authorizationError)
  return {
    commonName: typeof commonName === 'string' ? commonName : '',
    trusted: socket.authorized,
    problem,
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): QmqError {
  const code = error.code ?? 'unknown error'
  const why =
    code === 'EADDRINUSE'
      ? `port ${port} is already in use (EADDRINUSE)`
      : `${error.message} (${code})`
  return new QmqError(
    ErrorCode.LISTEN_FAILED,
    `cannot listen on ${host}:${port}: ${why}`,
    { host, port, errno: code },
    { cause: error },
  )
}
