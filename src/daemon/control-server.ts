/**
 * The daemon's end of the control socket: reads request lines, runs each through the handler
 * table concurrently (a long endmqm -w does not hold up a dspmq on the same connection) and
 * writes each response when it is ready. A malformed line is answered, an oversized one closes
 * the connection; neither affects other connections.
 */
import fs from 'node:fs'
import net from 'node:net'
import type { Logger } from '../log.js'
import { failureReply, isCommandFailure } from './command-failure.js'
import {
  ControlProtocolError,
  LineSplitter,
  MALFORMED_REQUEST_EXIT_CODE,
  encodeLine,
  parseRequest,
  salvageRequestId,
  type CommandReply,
  type ControlRequest,
  type ControlResponse,
} from './control-protocol.js'

export type CommandHandler = (
  parameters: Readonly<Record<string, unknown>>,
) => Promise<CommandReply> | CommandReply

export type HandlerTable = ReadonlyMap<string, CommandHandler>

export class ControlServer {
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    private readonly server: net.Server,
    private readonly handlers: HandlerTable,
    private readonly logger: Logger,
  ) {}

  /** Listens on `socketPath`, replacing a stale socket file (the caller holds the lock). */
  static async listen(
    socketPath: string,
    handlers: HandlerTable,
    logger: Logger,
  ): Promise<ControlServer> {
    fs.rmSync(socketPath, { force: true })
    const server = net.createServer()
    const instance = new ControlServer(server, handlers, logger)
    server.on('connection', (socket) => instance.accept(socket))
    // Owner only: whoever can use the socket can end every queue manager of the node. Linux
    // checks the socket file's write permission on connect; Node has no SO_PEERCRED to ask
    // who connected, so the file's mode is the guard (root passes it, as it passes any). The
    // umask makes the file 0600 from the moment it exists (the bind is synchronous), so there
    // is no window in which another user can connect before the chmod below.
    const previousMask = process.umask(0o177)
    let listening: Promise<void>
    try {
      // The executor runs now, so the mask is back before any other code runs.
      listening = new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(socketPath, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } finally {
      process.umask(previousMask)
    }
    await listening
    fs.chmodSync(socketPath, 0o600)
    return instance
  }

  /** Stops accepting and ends open connections once their pending replies are written. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.end()
    await closed
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', (error) => this.logger.debug({ err: error }, 'control connection error'))
    const splitter = new LineSplitter()
    socket.on('data', (chunk: Buffer) => {
      let lines: string[]
      try {
        lines = splitter.push(chunk)
      } catch (error) {
        this.logger.warn({ err: error }, 'control line too long: connection closed')
        socket.destroy()
        return
      }
      for (const line of lines) {
        if (line.trim() !== '') void this.answer(socket, line)
      }
    })
  }

  private async answer(socket: net.Socket, line: string): Promise<void> {
    const response = await this.respond(line)
    if (!socket.destroyed && socket.writable) socket.write(encodeLine(response))
  }

  private async respond(line: string): Promise<ControlResponse> {
    let request: ControlRequest
    try {
      request = parseRequest(line)
    } catch (error) {
      const detail = error instanceof ControlProtocolError ? error.message : String(error)
      return malformed(salvageRequestId(line), detail)
    }
    const handler = this.handlers.get(request.command)
    if (handler === undefined) {
      const known = [...this.handlers.keys()].join(', ')
      return malformed(request.id, `unknown command '${request.command}' (known: ${known})`)
    }
    this.logger.debug({ command: request.command }, 'control request')
    try {
      return { id: request.id, ...(await handler(request.arguments)) }
    } catch (error) {
      if (!isCommandFailure(error)) {
        this.logger.error({ err: error, command: request.command }, 'control command failed')
      }
      return { id: request.id, ...failureReply(error) }
    }
  }
}

function malformed(id: number, detail: string): ControlResponse {
  return {
    id,
    exitCode: MALFORMED_REQUEST_EXIT_CODE,
    output: [],
    errors: [`qmqd: request not valid: ${detail}`],
  }
}
