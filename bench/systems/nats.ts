/**
 * NATS JetStream through the `nats` client (v2). A queue is a work-queue stream with one durable
 * pull consumer: js.publish resolves on the PubAck, deliveries are acknowledged explicitly (the ack
 * removes the message from a work-queue stream). Persistent = file storage, non-persistent =
 * memory storage; replicas follow the topology (R1 single, R3 cluster3).
 */
import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  NatsConnection,
} from 'nats'
import { sleepMs } from '../measure/clock.js'
import type {
  Endpoint,
  MessageStream,
  QueueSession,
  SystemAdapter,
  TopologyInfo,
} from '../types.js'

type NatsModule = typeof import('nats')

let natsModule: Promise<NatsModule> | undefined

function loadNats(): Promise<NatsModule> {
  natsModule ??= import('nats').then((module) => module.default)
  return natsModule
}

const CONSUMER_NAME = 'bench'
/** The client refuses pull requests that expire sooner than this. */
const MINIMUM_PULL_EXPIRES_MS = 1000
/** Stream creation right after a cluster starts fails until the meta leader is elected. */
const STREAM_CREATE_RETRY_MS = 30_000
const CLOSE_TIMEOUT_MS = 5000

/** Stream names may not contain '.', which MQ-style queue names use. */
export function streamNameFor(queueName: string): string {
  return queueName.replace(/[^A-Za-z0-9_-]/g, '_')
}

export function subjectFor(queueName: string): string {
  return `bench.${streamNameFor(queueName).toLowerCase()}`
}

async function connectTo(endpoint: Endpoint): Promise<NatsConnection> {
  const nats = await loadNats()
  // One server and no randomisation: every client enters the cluster through the same node.
  return nats.connect({
    servers: [`${endpoint.host}:${endpoint.port}`],
    noRandomize: true,
    maxReconnectAttempts: 0,
  })
}

function bodyOf(message: JsMsg): Buffer {
  const data = message.data
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

class NatsStream implements MessageStream {
  private readonly iterator: AsyncIterator<JsMsg>
  private pending: Promise<IteratorResult<JsMsg>> | undefined

  constructor(private readonly messages: ConsumerMessages) {
    this.iterator = messages[Symbol.asyncIterator]()
  }

  async next(waitMs: number): Promise<Buffer | undefined> {
    // A timed-out wait keeps its pull outstanding for the next call rather than losing a message.
    this.pending ??= this.iterator.next()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs)
    })
    const result = await Promise.race([this.pending, timeout])
    clearTimeout(timer)
    if (result === undefined) return undefined
    this.pending = undefined
    if (result.done === true) return undefined
    result.value.ack()
    return bodyOf(result.value)
  }

  async close(): Promise<void> {
    this.messages.stop()
    // stop() is queued behind buffered deliveries and only takes effect while someone iterates,
    // so pull (and leave unacknowledged) what is left until the iterator ends.
    const deadline = Date.now() + CLOSE_TIMEOUT_MS
    while (Date.now() < deadline) {
      this.pending ??= this.iterator.next()
      const result = await Promise.race([this.pending, sleepMs(100).then(() => undefined)])
      if (result === undefined) continue
      this.pending = undefined
      if (result.done === true) return
    }
  }
}

class NatsSession implements QueueSession {
  private consumerLookup: Promise<Consumer> | undefined

  constructor(
    private readonly connection: NatsConnection,
    private readonly jetStream: JetStreamClient,
    private readonly queueName: string,
  ) {}

  async put(body: Buffer): Promise<void> {
    await this.jetStream.publish(subjectFor(this.queueName), body)
  }

  /** Looked up once: consumers.get() is an API round trip (consumer info) of its own. */
  private consumer(): Promise<Consumer> {
    this.consumerLookup ??= this.jetStream.consumers.get(
      streamNameFor(this.queueName),
      CONSUMER_NAME,
    )
    return this.consumerLookup
  }

  async get(waitMs: number): Promise<Buffer | undefined> {
    const consumer = await this.consumer()
    const message = await consumer.next({ expires: Math.max(MINIMUM_PULL_EXPIRES_MS, waitMs) })
    if (message === null) return undefined
    message.ack()
    return bodyOf(message)
  }

  async consume(prefetch: number): Promise<MessageStream> {
    const consumer = await this.consumer()
    return new NatsStream(await consumer.consume({ max_messages: prefetch }))
  }

  /** JetStream has no unit of work (atomic batches came in 2.12); a batch = all PubAcks back. */
  async commit(): Promise<void> {}

  async close(): Promise<void> {
    await this.connection.drain()
  }
}

export function createNatsAdapter(): SystemAdapter {
  const administrators = new Map<string, Promise<NatsConnection>>()
  let reportedVersion = ''
  const administrator = (topology: TopologyInfo): Promise<NatsConnection> => {
    const endpoint = firstEndpoint(topology)
    const key = `${endpoint.host}:${endpoint.port}`
    let connection = administrators.get(key)
    if (connection === undefined) {
      connection = connectTo(endpoint)
      administrators.set(key, connection)
    }
    return connection
  }
  const manager = async (topology: TopologyInfo): Promise<JetStreamManager> =>
    (await administrator(topology)).jetstreamManager()
  return {
    name: 'nats',
    label: 'NATS JetStream',
    serverKind: 'nats',
    supportsNonPersistent: true,
    unitOfWork: 'confirm-batch',
    topologies: ['single', 'cluster3'],
    unavailableReason: async () => {
      try {
        await loadNats()
        return undefined
      } catch (error) {
        return `the nats client is not installed (npm install): ${String(error)}`
      }
    },
    durability: (topology, persistent) =>
      describeDurability(reportedVersion, topology.nodeCount, persistent),
    createQueue: async (topology, queueName, persistent) => {
      const nats = await loadNats()
      const jetStreamManager = await manager(topology)
      const streamName = streamNameFor(queueName)
      await retryUntil(STREAM_CREATE_RETRY_MS, () =>
        jetStreamManager.streams.add({
          name: streamName,
          subjects: [subjectFor(queueName)],
          storage: persistent ? nats.StorageType.File : nats.StorageType.Memory,
          num_replicas: topology.nodeCount,
          retention: nats.RetentionPolicy.Workqueue,
          discard: nats.DiscardPolicy.Old,
        }),
      )
      await jetStreamManager.consumers.add(streamName, {
        durable_name: CONSUMER_NAME,
        ack_policy: nats.AckPolicy.Explicit,
        deliver_policy: nats.DeliverPolicy.All,
        // Deep pipelines keep many deliveries unacknowledged for a moment; the default is 1000.
        max_ack_pending: 100_000,
      })
    },
    deleteQueue: async (topology, queueName) => {
      await (await manager(topology)).streams.delete(streamNameFor(queueName))
    },
    open: async (topology, queueName) => {
      const connection = await connectTo(firstEndpoint(topology))
      return new NatsSession(connection, connection.jetstream(), queueName)
    },
    serverVersion: async (topology) => {
      reportedVersion = (await administrator(topology)).info?.version ?? 'unknown'
      return reportedVersion
    },
    dispose: async () => {
      const connections = [...administrators.values()]
      administrators.clear()
      for (const connection of connections) await (await connection).close().catch(() => {})
    },
  }
}

function firstEndpoint(topology: TopologyInfo): Endpoint {
  const endpoint = topology.endpoints[0]
  if (endpoint === undefined) throw new Error('NATS topology has no endpoint')
  return endpoint
}

async function retryUntil<T>(limitMs: number, action: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + limitMs
  while (true) {
    try {
      return await action()
    } catch (error) {
      if (Date.now() >= deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

/** 2.10.0 made the fsync interval configurable (sync_interval); before, it was a fixed timer. */
function hasSyncInterval(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10))
  return major > 2 || (major === 2 && minor >= 10)
}

function describeDurability(version: string, nodeCount: number, persistent: boolean): string {
  const name = `NATS ${version === '' ? '' : `${version} `}JetStream`
  const acknowledged =
    nodeCount === 1
      ? 'PubAck after the leader stores the entry'
      : `PubAck after a quorum (${Math.floor(nodeCount / 2) + 1} of ${nodeCount}) holds the ` +
        'entry in memory'
  if (!persistent) return `${name} memory stream R${nodeCount}: ${acknowledged}; nothing on disk`
  const fsync = hasSyncInterval(version)
    ? 'written to the page cache, fsync every sync_interval (default 2 min)'
    : 'written to the page cache, fsync on a fixed timer (no sync_interval before 2.10)'
  return `${name} file stream R${nodeCount}: ${acknowledged}; ${fsync}`
}
