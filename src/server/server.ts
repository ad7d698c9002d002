/**
 * The queue manager's TCP listener: accepts client connections and gives each a ClientSession
 * (client-session.ts) sharing one FlushScheduler, so all replies of an event-loop turn leave in
 * one corked write per connection.
 *
 *   QueueManagerServer.listen({ queueManager, port })
 *     net.Server ── 'connection' ──> ClientSession ──> engine Connection (after HELLO)
 *                                         └──────────> FlushScheduler (one per server)
 *
 * close({ graceful }) stops accepting, tells every client GOODBYE 2161 (MQRC_Q_MGR_QUIESCING),
 * answers waiting GETs with 2161, lets other requests finish when graceful, backs out every
 * unit of work still open, and resolves once every socket is closed. Closing the queue manager
 * itself is the caller's next step.
 */
import net, { type AddressInfo, type Socket } from 'node:net'
import { assert } from '../assert.js'
import {
  SERVER_HEARTBEAT_DEFAULT_MS,
  SERVER_LISTEN_BACKLOG,
  SERVER_MAX_CONNECTIONS,
} from '../constants.js'
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
  private nextConnectionNumber = 1
  private listeningPort = 0
  private closing: Promise<void> | undefined

  private constructor(
    private readonly server: net.Server,
    settings: Omit<SessionServices, 'scheduler' | 'counters'>,
    private readonly logger: Logger,
    readonly host: string,
  ) {
    this.services = { ...settings, scheduler: this.scheduler, counters: this.counters }
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
    // Half-open: a client that ends its stream may still read the answers to what it sent.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true })
    server.maxConnections = SERVER_MAX_CONNECTIONS
    const instance = new QueueManagerServer(
      server,
      { queueManager: options.queueManager, admin: options.admin, heartbeatMs },
      logger,
      host,
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
    this.server.on('connection', (socket) => this.accept(socket))
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

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy()
      return
    }
    const connection = this.nextConnectionNumber++
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    const session = new ClientSession(
      socket,
      this.services,
      this.logger.child({ connection, remote }),
    )
    this.sessions.add(session)
    void session.closed.then(() => this.sessions.delete(session))
    session.start()
  }

  private async closeOnce(graceful: boolean): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.logger.info({ graceful, connections: this.sessions.size }, 'server closing')
    await Promise.all([...this.sessions].map((session) => session.shutdown(graceful)))
    await stopped
    this.logger.info('server closed')
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
