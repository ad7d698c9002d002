/**
 * RabbitMQ through amqplib: quorum queues (Raft-replicated) and classic durable queues.
 * Puts use a ConfirmChannel and resolve on the broker's basic.ack (publisher confirm); gets use
 * manual acknowledgements. amqplib is loaded on first use so the harness runs without it.
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib'
import { sleepMs } from '../measure/clock.js'
import type {
  Endpoint,
  MessageStream,
  PutOptions,
  QueueSession,
  SystemAdapter,
  TopologyInfo,
} from '../types.js'

export type RabbitMqQueueType = 'quorum' | 'classic'

type AmqpModule = typeof import('amqplib')

let amqpModule: Promise<AmqpModule> | undefined

function loadAmqp(): Promise<AmqpModule> {
  amqpModule ??= import('amqplib').then((module) => module.default)
  return amqpModule
}

/** basic.get returns at once when the queue is empty; waiting gets poll at this interval. */
const GET_POLL_INTERVAL_MS = 1

async function connectTo(endpoint: Endpoint): Promise<ChannelModel> {
  const amqp = await loadAmqp()
  const url = `amqp://guest:guest@${endpoint.host}:${endpoint.port}/?heartbeat=0`
  // amqplib leaves Nagle's algorithm on by default, which adds up to 40 ms per small message.
  return listened(await amqp.connect(url, { noDelay: true }))
}

/**
 * amqplib reports a lost connection or a channel closed by the broker as an 'error' event, and
 * an 'error' event nobody listens to ends the process. The same failure also rejects the
 * operation that was waiting (confirm, get, consume), which is where scenarios handle it.
 */
function listened<T extends { on(event: 'error', listener: (error: unknown) => void): unknown }>(
  emitter: T,
): T {
  emitter.on('error', () => undefined)
  return emitter
}

/** Consumer side of basic.consume: deliveries are buffered until the harness asks for them. */
class RabbitMqStream implements MessageStream {
  private readonly buffered: ConsumeMessage[] = []
  private waiter: ((message: ConsumeMessage | undefined) => void) | undefined
  private consumerTag: string | undefined

  constructor(private readonly channel: Channel) {}

  async start(queueName: string, prefetch: number): Promise<void> {
    await this.channel.prefetch(prefetch)
    const reply = await this.channel.consume(queueName, (message) => {
      if (message === null) return
      const waiter = this.waiter
      this.waiter = undefined
      if (waiter === undefined) this.buffered.push(message)
      else waiter(message)
    })
    this.consumerTag = reply.consumerTag
  }

  async next(waitMs: number): Promise<Buffer | undefined> {
    const message = this.buffered.shift() ?? (await this.waitForDelivery(waitMs))
    if (message === undefined) return undefined
    this.channel.ack(message)
    return message.content
  }

  private waitForDelivery(waitMs: number): Promise<ConsumeMessage | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        resolve(undefined)
      }, waitMs)
      this.waiter = (message) => {
        clearTimeout(timer)
        resolve(message)
      }
    })
  }

  async close(): Promise<void> {
    if (this.consumerTag !== undefined) await this.channel.cancel(this.consumerTag)
    // Unacknowledged deliveries go back to the queue when the channel closes.
    await this.channel.close()
  }
}

class RabbitMqSession implements QueueSession {
  private getChannel: Channel | undefined

  constructor(
    private readonly model: ChannelModel,
    private readonly publishChannel: ConfirmChannel,
    private readonly queueName: string,
  ) {}

  put(body: Buffer, options: PutOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      this.publishChannel.publish(
        '',
        this.queueName,
        body,
        { persistent: options.persistent },
        (error: unknown) => (error === null || error === undefined ? resolve() : reject(error)),
      )
    })
  }

  async get(waitMs: number): Promise<Buffer | undefined> {
    this.getChannel ??= listened(await this.model.createChannel())
    const deadline = Date.now() + waitMs
    while (true) {
      const message = await this.getChannel.get(this.queueName, { noAck: false })
      if (message !== false) {
        this.getChannel.ack(message)
        return message.content
      }
      if (Date.now() >= deadline) return undefined
      await sleepMs(GET_POLL_INTERVAL_MS)
    }
  }

  async consume(prefetch: number): Promise<MessageStream> {
    const stream = new RabbitMqStream(listened(await this.model.createChannel()))
    await stream.start(this.queueName, prefetch)
    return stream
  }

  /** AMQP 0-9-1 has no unit of work across confirms; a batch is "all its confirms arrived". */
  async commit(): Promise<void> {}

  async close(): Promise<void> {
    await this.model.close()
  }
}

function majorityOf(nodeCount: number): number {
  return Math.floor(nodeCount / 2) + 1
}

export function createRabbitMqAdapter(queueType: RabbitMqQueueType): SystemAdapter {
  const administrators = new Map<string, Promise<ChannelModel>>()
  const administrator = (topology: TopologyInfo): Promise<ChannelModel> => {
    const endpoint = firstEndpoint(topology)
    const key = `${endpoint.host}:${endpoint.port}`
    let model = administrators.get(key)
    if (model === undefined) {
      model = connectTo(endpoint)
      administrators.set(key, model)
    }
    return model
  }
  // A failed declare closes its channel, so every administrative call gets a fresh one.
  const withChannel = async <T>(
    topology: TopologyInfo,
    action: (channel: Channel) => Promise<T>,
  ): Promise<T> => {
    const channel = listened(await (await administrator(topology)).createChannel())
    try {
      return await action(channel)
    } finally {
      await channel.close().catch(() => undefined)
    }
  }
  const quorum = queueType === 'quorum'
  return {
    name: quorum ? 'rabbitmq' : 'rabbitmq-classic',
    label: quorum ? 'RabbitMQ quorum queue' : 'RabbitMQ classic queue',
    serverKind: 'rabbitmq',
    // Quorum queues persist every message whatever its delivery mode.
    supportsNonPersistent: !quorum,
    unitOfWork: 'confirm-batch',
    // A classic queue lives on one node; a cluster would only add a routing hop, not replicas.
    topologies: quorum ? ['single', 'cluster3'] : ['single'],
    unavailableReason: async () => {
      try {
        await loadAmqp()
        return undefined
      } catch (error) {
        return `amqplib is not installed (npm install): ${String(error)}`
      }
    },
    durability: (topology, persistent) => describeDurability(queueType, topology, persistent),
    createQueue: (topology, queueName) =>
      withChannel(topology, async (channel) => {
        const queueArguments: Record<string, unknown> = { 'x-queue-type': queueType }
        if (quorum) queueArguments['x-quorum-initial-group-size'] = topology.nodeCount
        await channel.assertQueue(queueName, { durable: true, arguments: queueArguments })
      }),
    deleteQueue: (topology, queueName) =>
      withChannel(topology, async (channel) => {
        await channel.deleteQueue(queueName)
      }),
    open: async (topology, queueName) => {
      const model = await connectTo(firstEndpoint(topology))
      return new RabbitMqSession(model, listened(await model.createConfirmChannel()), queueName)
    },
    serverVersion: async (topology) => {
      const properties = (await administrator(topology)).connection.serverProperties
      return `${properties.version} (${properties.platform})`
    },
    dispose: async () => {
      const models = [...administrators.values()]
      administrators.clear()
      for (const model of models) await (await model).close().catch(() => undefined)
    },
  }
}

/**
 * Every connection goes to the first node. Queues are declared there too, and quorum queue
 * leaders are placed on the declaring node (client-local), so no message takes an extra hop.
 */
function firstEndpoint(topology: TopologyInfo): Endpoint {
  const endpoint = topology.endpoints[0]
  if (endpoint === undefined) throw new Error('RabbitMQ topology has no endpoint')
  return endpoint
}

function describeDurability(
  queueType: RabbitMqQueueType,
  topology: TopologyInfo,
  persistent: boolean,
): string {
  if (queueType === 'quorum') {
    const nodes = topology.nodeCount
    return (
      `RabbitMQ quorum queue, ${nodes} replica${nodes === 1 ? '' : 's'}: publisher confirm ` +
      `after the Raft entry is fsynced on a majority (${majorityOf(nodes)} of ${nodes})`
    )
  }
  return persistent
    ? 'RabbitMQ classic durable queue, persistent messages, one node: confirm after the ' +
        'message store write is fsynced (batched); not replicated'
    : 'RabbitMQ classic durable queue, transient messages: confirm once enqueued in memory; ' +
        'lost on restart'
}
