/**
 * The node channel's listener: each qmqd of a joined group listens on its HA_Replication address
 * at the group's node port for its peers' commands (create a secondary, start or end under HA
 * control, delete, status). A connection must pass the handshake (handshake.ts: hello, then the
 * proof of the group secret) before any request is read; then each request
 * `{"id":n,"command":"...","arguments":{...}}` is answered
 * `{"id":n,"ok":true,"data":...}` or `{"id":n,"ok":false,"message":"...","key":...,"inserts":...}`
 * (a CommandFailure keeps its message key, so the asking node prints the same AMQ message).
 */
import net from 'node:net'
import type { Logger } from '../../log.js'
import { isCommandFailure } from '../../daemon/command-failure.js'
import { encodeNodeFrame, NodeFrameSplitter, type NodeMessage } from './frames.js'
import { answerHello, checkProof, type NodeIdentity, type PendingProof } from './handshake.js'

export type NodeCommandHandler = (
  parameters: Readonly<Record<string, unknown>>,
  from: string,
) => Promise<unknown>

export class NodeChannelServer {
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    private readonly server: net.Server,
    private readonly identity: NodeIdentity,
    private readonly handlers: ReadonlyMap<string, NodeCommandHandler>,
    private readonly logger: Logger,
  ) {}

  static async listen(options: {
    host: string
    port: number
    identity: NodeIdentity
    handlers: ReadonlyMap<string, NodeCommandHandler>
    logger: Logger
  }): Promise<NodeChannelServer> {
    const server = net.createServer()
    const instance = new NodeChannelServer(
      server,
      options.identity,
      options.handlers,
      options.logger,
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

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await closed
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', (error) => this.logger.debug({ err: error }, 'node channel socket error'))
    const splitter = new NodeFrameSplitter()
    let peer: string | undefined
    let pending: PendingProof | undefined
    let refused = false
    const remote = socket.remoteAddress
    const refuse = (reason: string, from?: string): void => {
      // Refusals are what an administrator looks for after a probe: warn, with the address.
      this.logger.warn({ remote, from, reason }, 'node channel connection refused')
      refused = true
      socket.end(encodeNodeFrame({ type: 'refused', reason }), () => socket.destroy())
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
          continue
        }
        if (pending !== undefined) {
          // No request is looked at before the dialler has proved the group secret.
          const wrong = checkProof(this.identity, pending, message)
          if (wrong !== undefined) return refuse(wrong, peer)
          pending = undefined
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
