/**
 * A real queue manager on a temporary directory, a server on 127.0.0.1 port 0, and the raw
 * clients a test opens, all closed by `stop` (the journal worker runs from dist/: build first).
 */
import { Buffer } from 'node:buffer'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import type { QueueDefinition } from '../../src/queue/engine.js'
import { Persistence } from '../../src/queue/types.js'
import { QueueManagerServer, type ServerOptions } from '../../src/server/server.js'
import { Opcode, type ClientMessage } from '../../src/wire/client-protocol.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { WireClient, expectType, type WireClientOptions } from './wire-client.js'

export class ServerFixture {
  private readonly clients: WireClient[] = []
  private readonly servers: QueueManagerServer[] = []

  private constructor(
    readonly queueManager: QueueManager,
    private readonly removeDirectory: () => void,
  ) {}

  static async start(): Promise<ServerFixture> {
    const directory = temporaryDirectory('server')
    const queueManager = await QueueManager.open({
      dataDirectory: directory.path,
      create: { name: 'QM1', segmentBytes: 1024 * 1024 },
    })
    return new ServerFixture(queueManager, directory.remove)
  }

  async listen(options: Partial<ServerOptions> = {}): Promise<QueueManagerServer> {
    const server = await QueueManagerServer.listen({
      queueManager: this.queueManager,
      port: 0,
      admin: async (text) => ({ lines: [`ran: ${text}`], failedCount: 0 }),
      ...options,
    })
    this.servers.push(server)
    return server
  }

  async connect(server: QueueManagerServer, options: WireClientOptions = {}): Promise<WireClient> {
    const client = await WireClient.connected(server.port, {}, options)
    this.clients.push(client)
    return client
  }

  async connectRaw(server: QueueManagerServer): Promise<WireClient> {
    const client = await WireClient.connect(server.port)
    this.clients.push(client)
    return client
  }

  async defineQueue(definition: QueueDefinition): Promise<void> {
    await this.queueManager.engine.defineQueue(definition)
  }

  /** Closes every client and server of the test (the queue manager stays open). */
  async closeServers(): Promise<void> {
    for (const client of this.clients.splice(0)) client.destroy()
    for (const server of this.servers.splice(0)) await server.close({ graceful: false })
  }

  async stop(): Promise<void> {
    await this.closeServers()
    await this.queueManager.close()
    this.removeDirectory()
  }
}

/** Polls `condition` every few milliseconds; fails (instead of hanging) after `limitMs`. */
export async function eventually(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export async function openQueue(
  client: WireClient,
  queueName: string,
  options: { input?: boolean; output?: boolean; browse?: boolean },
): Promise<number> {
  const reply = await client.request({ type: Opcode.OPEN, queueName, options })
  return expectType(reply, Opcode.OPEN_OK).handle
}

export function putRequest(
  handle: number,
  body: string | Buffer,
  options: { syncpoint?: boolean; persistent?: boolean } = {},
) {
  return {
    type: Opcode.PUT,
    handle,
    options: {
      syncpoint: options.syncpoint === true,
      persistence:
        options.persistent === false ? Persistence.NOT_PERSISTENT : Persistence.PERSISTENT,
    },
    body: typeof body === 'string' ? Buffer.from(body) : body,
  } as const
}

export function getRequest(
  handle: number,
  options: {
    waitMs?: number
    syncpoint?: boolean
    browse?: 'first' | 'next'
  } = {},
) {
  return {
    type: Opcode.GET,
    handle,
    options: {
      waitMs: options.waitMs ?? 0,
      syncpoint: options.syncpoint === true,
      browse: options.browse,
    },
  } as const
}

export function bodyText(message: ClientMessage): string {
  return Buffer.from(expectType(message, Opcode.MESSAGE).body).toString()
}

export function errorReason(message: ClientMessage): number {
  return expectType(message, Opcode.ERROR).reason
}
