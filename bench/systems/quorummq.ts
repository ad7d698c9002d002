/**
 * QuorumMQ through its own client library (src/index.ts):
 *
 *   const connection = await connect({ queueManager: 'QM1', connName: '127.0.0.1(1414)' })
 *   const queue = await connection.open('Q1', { input: true, output: true })
 *   await queue.put(body, { persistence: 1, syncpoint: false })
 *   const message = await queue.get({ waitMs: 5000 })   // { descriptor, body }
 *   await connection.commit(); await connection.close()
 *
 * The client is loaded at run time from the compiled package (dist/src/index.js, next to
 * dist/bench/), through the small interface below, so the harness builds and runs before the
 * client exists and skips QuorumMQ with a clear message until it does.
 *
 * MQ semantics: one call at a time per connection (an hconn is not shared between concurrent
 * calls), so calls on a session are serialised here; pipelining comes from more connections and
 * from units of work. Set QMQ_BENCH_CONCURRENT_CALLS=1 once the client allows calls to overlap.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type {
  Endpoint,
  MessageStream,
  PutOptions,
  QueueSession,
  SystemAdapter,
  TopologyInfo,
} from '../types.js'
import { quorumMqVersion } from '../output/environment.js'

/** The client library's entry, relative to this file (bench/systems/ → src/index). */
const CLIENT_MODULE = new URL('../../src/index.js', import.meta.url)
/** MQRC_NO_MSG_AVAILABLE: a get whose wait expired. */
const NO_MESSAGE_AVAILABLE = 2033
const DEFAULT_QUEUE_MANAGER = 'QM1'

interface QuorumMqMessage {
  readonly body: Uint8Array
}

interface QuorumMqQueue {
  put(body: Uint8Array, options: { persistence: 0 | 1; syncpoint: boolean }): Promise<unknown>
  get(options: { waitMs: number; syncpoint?: boolean }): Promise<QuorumMqMessage | null | undefined>
  close?(): Promise<void>
}

interface QuorumMqConnection {
  open(queueName: string, options: { input: boolean; output: boolean }): Promise<QuorumMqQueue>
  commit(): Promise<void>
  close(): Promise<void>
}

interface QuorumMqClient {
  connect(options: { queueManager: string; connName: string }): Promise<QuorumMqConnection>
}

let clientModule: Promise<QuorumMqClient> | undefined

async function importClient(): Promise<QuorumMqClient> {
  const path = fileURLToPath(CLIENT_MODULE)
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist (client library not built yet: npm run build)`)
  }
  const loaded: unknown = await import(CLIENT_MODULE.href)
  const connect = (loaded as { connect?: unknown }).connect
  if (typeof connect !== 'function') throw new Error(`${path} does not export connect()`)
  return loaded as QuorumMqClient
}

function loadClient(): Promise<QuorumMqClient> {
  clientModule ??= importClient()
  return clientModule
}

function isNoMessage(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { reason?: unknown }).reason === NO_MESSAGE_AVAILABLE
  )
}

/** Runs calls one after another (MQ's one-call-per-connection rule), or not, if allowed. */
class CallSequencer {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(private readonly concurrent: boolean) {}

  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.concurrent) return call()
    const result = this.tail.then(call, call)
    this.tail = result.catch(() => undefined)
    return result
  }
}

class QuorumMqSession implements QueueSession {
  private readonly calls = new CallSequencer(process.env['QMQ_BENCH_CONCURRENT_CALLS'] === '1')

  constructor(
    private readonly connection: QuorumMqConnection,
    private readonly queue: QuorumMqQueue,
  ) {}

  put(body: Buffer, options: PutOptions): Promise<void> {
    return this.calls.run(async () => {
      await this.queue.put(body, {
        persistence: options.persistent ? 1 : 0,
        syncpoint: options.inUnitOfWork === true,
      })
    })
  }

  get(waitMs: number, options?: { inUnitOfWork?: boolean }): Promise<Buffer | undefined> {
    return this.calls.run(async () => {
      try {
        const message = await this.queue.get({ waitMs, syncpoint: options?.inUnitOfWork === true })
        if (message === null || message === undefined) return undefined
        const body = message.body
        return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      } catch (error) {
        if (isNoMessage(error)) return undefined
        throw error
      }
    })
  }

  /** The client has no server push (read-ahead) yet: a delivery stream is a loop of gets. */
  async consume(_prefetch: number): Promise<MessageStream> {
    return { next: (waitMs) => this.get(waitMs), close: async () => {} }
  }

  commit(): Promise<void> {
    return this.calls.run(() => this.connection.commit())
  }

  async close(): Promise<void> {
    await this.calls.run(async () => {
      await this.queue.close?.()
      await this.connection.close()
    })
  }
}

/** MQ CONNAME spelling: host(port). */
export function connectionName(endpoint: Endpoint): string {
  return `${endpoint.host}(${endpoint.port})`
}

export function createQuorumMqAdapter(): SystemAdapter {
  const administration = (topology: TopologyInfo) => {
    if (topology.administration === undefined) {
      throw new Error(
        'QuorumMQ queues are defined with runmqsc; this topology offers no administration ' +
          '(with --conn, also pass --queue-manager and set QMQ_HOME)',
      )
    }
    return topology.administration
  }
  return {
    name: 'quorummq',
    label: 'QuorumMQ',
    serverKind: 'quorummq',
    supportsNonPersistent: true,
    unitOfWork: 'syncpoint',
    // HA groups are not started by the harness yet; see bench/topologies/quorummq.ts.
    topologies: ['single'],
    unavailableReason: async () => {
      try {
        await loadClient()
        return undefined
      } catch (error) {
        return `QuorumMQ client library unavailable: ${error instanceof Error ? error.message : String(error)}`
      }
    },
    durability: (_topology, persistent) =>
      persistent
        ? 'QuorumMQ: fdatasync of the journal (group commit) before acknowledgement'
        : 'QuorumMQ non-persistent message: held in memory, not journalled; lost on restart ' +
          '(MQ semantics)',
    createQueue: (topology, queueName) => administration(topology).defineQueue(queueName),
    deleteQueue: (topology, queueName) => administration(topology).deleteQueue(queueName),
    open: async (topology, queueName) => {
      const client = await loadClient()
      const endpoint = topology.endpoints[0]
      if (endpoint === undefined) throw new Error('QuorumMQ topology has no endpoint')
      const connection = await client.connect({
        queueManager: topology.queueManagerName ?? DEFAULT_QUEUE_MANAGER,
        connName: connectionName(endpoint),
      })
      const queue = await connection.open(queueName, { input: true, output: true })
      return new QuorumMqSession(connection, queue)
    },
    serverVersion: async () => quorumMqVersion(),
    dispose: async () => {},
  }
}
