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
 * dist/bench/; until that exports connect, dist/src/client/index.js), through the small
 * interface below, so the harness builds and runs whatever state the client is in and skips
 * QuorumMQ with a clear message when it cannot load it.
 *
 * The client multiplexes requests on a connection (request ids), so calls overlap by default,
 * as a publisher's do on a RabbitMQ channel. QMQ_BENCH_SERIAL_CALLS=1 runs them one at a time per
 * connection instead (MQ's classic one-call-per-hconn model).
 */
import { setMaxListeners } from 'node:events'
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
import { sleepMs } from '../measure/clock.js'
import { quorumMqVersion } from '../output/environment.js'

/** The client library's entries, relative to this file (bench/systems/ → src/), best first. */
const CLIENT_MODULES = [
  new URL('../../src/index.js', import.meta.url),
  new URL('../../src/client/index.js', import.meta.url),
]
/** MQRC_NO_MSG_AVAILABLE: a get whose wait expired. */
const NO_MESSAGE_AVAILABLE = 2033
const DEFAULT_QUEUE_MANAGER = 'QM1'
/** A group client gives up reconnecting after this long (the scenario's own bound is shorter). */
const RECONNECT_TIMEOUT_MS = 60_000
/** Wait of each get behind a delivery stream; an aborted or expired one is simply re-issued. */
const STREAM_GET_WAIT_MS = 1000
/** Cap on a stream's concurrent waiting gets (the queue manager keeps one waiter per get). */
const MAX_OUTSTANDING_GETS = 64

interface QuorumMqMessage {
  readonly body: Uint8Array
}

interface QuorumMqQueue {
  put(body: Uint8Array, options: { persistence: 0 | 1; syncpoint: boolean }): Promise<unknown>
  get(options: {
    waitMs: number
    syncpoint?: boolean
    signal?: AbortSignal
  }): Promise<QuorumMqMessage | null | undefined>
  close?(): Promise<void>
}

interface QuorumMqConnection {
  open(queueName: string, options: { input: boolean; output: boolean }): Promise<QuorumMqQueue>
  commit(): Promise<void>
  close(): Promise<void>
}

interface QuorumMqClient {
  connect(options: {
    queueManager: string
    connName: string
    reconnect?: { timeoutMs?: number }
  }): Promise<QuorumMqConnection>
}

let clientModule: Promise<QuorumMqClient> | undefined

async function importClient(): Promise<QuorumMqClient> {
  const problems: string[] = []
  for (const candidate of CLIENT_MODULES) {
    const path = fileURLToPath(candidate)
    if (!existsSync(path)) {
      problems.push(`${path} does not exist (npm run build)`)
      continue
    }
    const loaded: unknown = await import(candidate.href)
    if (typeof (loaded as { connect?: unknown }).connect === 'function') {
      return loaded as QuorumMqClient
    }
    problems.push(`${path} does not export connect()`)
  }
  throw new Error(problems.join('; '))
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
  private readonly calls = new CallSequencer(process.env['QMQ_BENCH_SERIAL_CALLS'] !== '1')

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

  get(
    waitMs: number,
    options?: { inUnitOfWork?: boolean; signal?: AbortSignal },
  ): Promise<Buffer | undefined> {
    return this.calls.run(async () => {
      try {
        const message = await this.queue.get({
          waitMs,
          syncpoint: options?.inUnitOfWork === true,
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        })
        if (message === null || message === undefined) return undefined
        const body = message.body
        return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      } catch (error) {
        if (isNoMessage(error) || options?.signal?.aborted === true) return undefined
        throw error
      }
    })
  }

  /** MQ has no server push here: a delivery stream keeps `prefetch` waiting gets outstanding. */
  async consume(prefetch: number): Promise<MessageStream> {
    return new QuorumMqStream(this, Math.min(prefetch, MAX_OUTSTANDING_GETS))
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

/**
 * Deliveries from `depth` concurrent waiting gets, like a consumer's prefetch window. Closing
 * aborts the waiting gets; a get the queue manager had already satisfied still returns its
 * message, which is dropped (the queue is deleted after every scenario).
 */
class QuorumMqStream implements MessageStream {
  private readonly buffered: Buffer[] = []
  private readonly abort = new AbortController()
  private outstanding = 0
  private waiter: (() => void) | undefined
  private failure: unknown

  constructor(
    private readonly session: QuorumMqSession,
    private readonly depth: number,
  ) {
    // Every outstanding get listens on the one signal; the default limit of 10 would warn.
    setMaxListeners(depth + 10, this.abort.signal)
    this.refill()
  }

  private refill(): void {
    while (this.outstanding < this.depth && !this.abort.signal.aborted) {
      this.outstanding++
      this.session.get(STREAM_GET_WAIT_MS, { signal: this.abort.signal }).then(
        (body) => this.settle(body),
        (error: unknown) => {
          this.failure ??= error
          this.settle(undefined)
        },
      )
    }
  }

  private settle(body: Buffer | undefined): void {
    this.outstanding--
    if (body !== undefined) this.buffered.push(body)
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
    if (this.failure === undefined) this.refill()
  }

  async next(waitMs: number): Promise<Buffer | undefined> {
    const deadline = Date.now() + waitMs
    while (this.buffered.length === 0) {
      if (this.failure !== undefined) throw this.failure
      const remainingMs = deadline - Date.now()
      if (remainingMs <= 0) return undefined
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs)
        this.waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    return this.buffered.shift()
  }

  async close(): Promise<void> {
    this.abort.abort()
    const deadline = Date.now() + STREAM_GET_WAIT_MS * 2
    while (this.outstanding > 0 && Date.now() < deadline) await sleepMs(5)
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
    // cluster3 = an HA group on 127.0.0.1-3 (bench/topologies/quorummq-group.ts).
    topologies: ['single', 'cluster3'],
    unavailableReason: async () => {
      try {
        await loadClient()
        return undefined
      } catch (error) {
        return `QuorumMQ client library unavailable: ${error instanceof Error ? error.message : String(error)}`
      }
    },
    durability: (topology, persistent) =>
      persistent && topology.nodeCount > 1
        ? 'QuorumMQ HA group: journal fdatasync on a majority of the three nodes ' +
          '(2 of 3) before acknowledgement'
        : persistent
          ? 'QuorumMQ: fdatasync of the journal (group commit) before acknowledgement'
          : topology.nodeCount > 1
            ? "QuorumMQ HA group, non-persistent message: in the primary's memory only, not " +
              'replicated; lost on failover (MQ semantics)'
            : 'QuorumMQ non-persistent message: held in memory, not journalled; lost on restart ' +
              '(MQ semantics)',
    createQueue: (topology, queueName) => administration(topology).defineQueue(queueName),
    deleteQueue: (topology, queueName) => administration(topology).deleteQueue(queueName),
    open: async (topology, queueName) => {
      const client = await loadClient()
      if (topology.endpoints.length === 0) throw new Error('QuorumMQ topology has no endpoint')
      // A group's clients get the connection-name list and reconnect (MQCNO_RECONNECT), which
      // also turns on the exactly-once resend of a put or get interrupted by a failover.
      const replicated = topology.endpoints.length > 1
      const connection = await client.connect({
        queueManager: topology.queueManagerName ?? DEFAULT_QUEUE_MANAGER,
        connName: topology.endpoints.map(connectionName).join(','),
        ...(replicated ? { reconnect: { timeoutMs: RECONNECT_TIMEOUT_MS } } : {}),
      })
      const queue = await connection.open(queueName, { input: true, output: true })
      return new QuorumMqSession(connection, queue)
    },
    serverVersion: async () => quorumMqVersion(),
    dispose: async () => {},
  }
}
