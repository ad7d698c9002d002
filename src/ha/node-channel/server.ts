/**
 * The node channel's listener: each qmqd of a joined group listens on its HA_Replication address
 * at the group's node port for its peers' commands (create a secondary, start or end under HA
 * control, delete, status). A connection must pass the handshake (handshake.ts: hello, then the
 * proof of the group secret) before any request is read; then each request
 * `{"id":n,"command":"...","arguments":{...}}` is answered
 * `{"id":n,"ok":true,"data":...}` or `{"id":n,"ok":false,"message":"...","key":...,"inserts":...}`
 * (a CommandFailure keeps its message key, so the asking node prints the same AMQ message).
 *
 * Before its handshake a connection is a stranger: it holds one of a few pre-auth slots (per
 * address and in all; past them it is closed at once), must finish within
 * HA_NODE_HANDSHAKE_TIMEOUT_MS, and a refusal is sent only after HA_NODE_REFUSAL_DELAY_MS with
 * the slot still held, which bounds how fast one address can try secrets.
 */
import net from 'node:net'
import {
  HA_NODE_HANDSHAKE_TIMEOUT_MS,
  HA_NODE_PRE_AUTH_CONNECTIONS_MAX,
  HA_NODE_PRE_AUTH_PER_ADDRESS_MAX,
  HA_NODE_REFUSAL_DELAY_MS,
} from '../../constants.js'
import type { Logger } from '../../log.js'
import { isCommandFailure } from '../../daemon/command-failure.js'
import { PreAuthGate, type PreAuthLimits } from '../../server/pre-auth-gate.js'
import { encodeNodeFrame, NodeFrameSplitter, type NodeMessage } from './frames.js'
import { answerHello, checkProof, type NodeIdentity, type PendingProof } from './handshake.js'

export type NodeCommandHandler = (
  parameters: Readonly<Record<string, unknown>>,
  from: string,
) => Promise<unknown>

/** The handshake's limits; tests lower them. */
export interface NodeHandshakeLimits {
  readonly timeoutMs: number
  readonly refusalDelayMs: number
  readonly preAuth: PreAuthLimits
}

const DEFAULT_HANDSHAKE_LIMITS: NodeHandshakeLimits = {
  timeoutMs: HA_NODE_HANDSHAKE_TIMEOUT_MS,
  refusalDelayMs: HA_NODE_REFUSAL_DELAY_MS,
  preAuth: {
    total: HA_NODE_PRE_AUTH_CONNECTIONS_MAX,
    perAddress: HA_NODE_PRE_AUTH_PER_ADDRESS_MAX,
  },
}

export class NodeChannelServer {
  private readonly sockets = new Set<net.Socket>()
  private readonly gate: PreAuthGate
  /** Connections closed for not finishing the handshake in time (tests, logs). */
  handshakeTimeouts = 0
  /** Handshakes refused (their answer waits for the refusal delay). */
  refusedHandshakes = 0

  private constructor(
    private readonly server: net.Server,
    private readonly identity: NodeIdentity,
    private readonly handlers: ReadonlyMap<string, NodeCommandHandler>,
    private readonly logger: Logger,
    private readonly limits: NodeHandshakeLimits,
  ) {
    this.gate = new PreAuthGate(limits.preAuth)
  }

  static async listen(options: {
    host: string
    port: number
    identity: NodeIdentity
    handlers: ReadonlyMap<string, NodeCommandHandler>
    logger: Logger
    limits?: NodeHandshakeLimits
  }): Promise<NodeChannelServer> {
    const server = net.createServer()
    const instance = new NodeChannelServer(
      server,
      options.identity,
      options.handlers,
      options.logger,
      options.limits ?? DEFAULT_HANDSHAKE_LIMITS,
    )
    server.on('connection', (socket) => instance.accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    return instance
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port
  }

  /** Connections accepted and not yet past their handshake. */
  get handshaking(): number {
    return this.gate.heldCount
  }

  /** Connections refused a pre-auth slot (too many handshakes at once). */
  get crowdedOut(): number {
    return this.gate.refusedCount
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await closed
  }

  /** A pre-auth slot and the handshake deadline; undefined (socket closed) when crowded. */
  private admit(socket: net.Socket): (() => void) | undefined {
    const remote = socket.remoteAddress ?? 'unknown'
    const key = `${remote}:${socket.remotePort ?? 0}`
    if (!this.gate.admit(key, remote)) {
      // Not logged one by one: a flood would flood the log too (crowdedOut counts them).
      socket.destroy()
      return undefined
    }
    const deadline = setTimeout(() => {
      this.handshakeTimeouts++
      this.logger.warn({ remote }, 'node channel handshake not finished in time: closed')
      socket.destroy()
    }, this.limits.timeoutMs)
    deadline.unref()
    const done = (): void => {
      clearTimeout(deadline)
      this.gate.release(key)
    }
    socket.on('close', done)
    return done
  }

  private accept(socket: net.Socket): void {
    socket.on('error', (error) => this.logger.debug({ err: error }, 'node channel socket error'))
    const handshakeDone = this.admit(socket)
    if (handshakeDone === undefined) return
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    const splitter = new NodeFrameSplitter()
    let peer: string | undefined
    let pending: PendingProof | undefined
    let refused = false
    const remote = socket.remoteAddress
    const refuse = (reason: string, from?: string): void => {
      // Refusals are what an administrator looks for after a probe: warn, with the address.
      this.logger.warn({ remote, from, reason }, 'node channel connection refused')
      refused = true
      this.refusedHandshakes++
      const answer = setTimeout(() => {
        socket.end(encodeNodeFrame({ type: 'refused', reason }), () => socket.destroy())
      }, this.limits.refusalDelayMs)
      answer.unref()
      socket.once('close', () => clearTimeout(answer))
    }
    socket.on('data', (chunk: Buffer) => {
      let messages: NodeMessage[]
      try {
        messages = splitter.push(chunk)
      } catch (error) {
        this.logger.warn({ err: error, remote }, 'bad node frame: connection closed')
        socket.destroy()
        return
      }
      for (const message of messages) {
        if (refused || socket.destroyed) return
        if (peer === undefined) {
          const answer = answerHello(this.identity, message)
          if (!answer.accepted) return refuse(String(answer.reply['reason']), fromOf(message))
          socket.write(encodeNodeFrame(answer.reply))
          peer = answer.peer
          pending = answer.pending
          if (pending === undefined) handshakeDone()
          continue
        }
        if (pending !== undefined) {
          // No request is looked at before the dialler has proved the group secret.
          const wrong = checkProof(this.identity, pending, message)
          if (wrong !== undefined) return refuse(wrong, peer)
          pending = undefined
          handshakeDone()
          continue
        }
        void this.answer(socket, peer, message)
      }
    })
  }

  private async answer(socket: net.Socket, peer: string, request: NodeMessage): Promise<void> {
    const id = request['id']
    const command = request['command']
    const parameters = request['arguments']
    let reply: NodeMessage
    const handler = typeof command === 'string' ? this.handlers.get(command) : undefined
    if (typeof id !== 'number' || handler === undefined) {
      reply = { id: typeof id === 'number' ? id : 0, ok: false, message: 'unknown request' }
    } else {
      try {
        const data = await handler(isRecord(parameters) ? parameters : {}, peer)
        reply = { id, ok: true, data: data ?? null }
      } catch (error) {
        reply = failureOf(id, error)
        if (!isCommandFailure(error)) {
          this.logger.error({ err: error, command, from: peer }, 'node command failed')
        }
      }
    }
    if (!socket.destroyed) socket.write(encodeNodeFrame(reply))
  }
}

function fromOf(message: NodeMessage): string | undefined {
  return typeof message['from'] === 'string' ? message['from'] : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function failureOf(id: number, error: unknown): NodeMessage {
  if (isCommandFailure(error)) {
    return { id, ok: false, message: error.message, key: error.key, inserts: error.inserts }
  }
  return { id, ok: false, message: error instanceof Error ? error.message : String(error) }
}
