/**
 * Test support for the exactly-once proofs: reconnecting clients that put and get persistent
 * messages until told to stop, recording what was acknowledged and what was delivered, every
 * error they saw and every reconnect event, and the final check: every acknowledged put present
 * exactly once (delivered once or still queued), nothing delivered twice, nothing never put.
 */
import { expect } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { isMQError, type MQError, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'

export interface LoadOptions {
  readonly connName: string
  readonly queueManager: string
  readonly queue: string
  readonly producers: number
  readonly consumers: number
}

export class ReconnectingLoad {
  readonly acknowledged = new Set<string>()
  readonly delivered: string[] = []
  readonly errors: unknown[] = []
  readonly events: MQError[][] = []
  private readonly connections: QueueManagerConnection[] = []
  private running: Promise<void>[] = []
  private stopping = false

  constructor(private readonly options: LoadOptions) {}

  async start(): Promise<void> {
    const { producers, consumers } = this.options
    for (let lane = 0; lane < producers; lane++) {
      const connection = await this.connect()
      this.running.push(this.produce(connection, lane))
    }
    for (let lane = 0; lane < consumers; lane++) {
      const connection = await this.connect()
      this.running.push(this.consume(connection))
    }
  }

  /** Resolves once at least `count` more puts have been acknowledged. */
  async acknowledgedMore(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged.size + count
    const deadline = Date.now() + timeoutMs
    while (this.acknowledged.size < target) {
      if (Date.now() > deadline) throw new Error(`fewer than ${target} puts acknowledged`)
      if (this.errors.length > 0) throw this.errors[0]
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** Stops the producers and consumers (each finishes its call in flight) and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.running)
    this.running = []
    await Promise.all(this.connections.map((connection) => connection.close()))
  }

  /** Reconnect events seen by every connection, by reason. */
  eventCount(reason: number): number {
    return this.events.flat().filter((event) => event.reason === reason).length
  }

  private async connect(): Promise<QueueManagerConnection> {
    const seen: MQError[] = []
    this.events.push(seen)
    const connection = await connect({
      connName: this.options.connName,
      queueManager: this.options.queueManager,
      connectTimeoutMs: 2_000,
      heartbeatMs: 1_000,
      reconnect: { timeoutMs: 120_000, onEvent: (event) => seen.push(event) },
    })
    this.connections.push(connection)
    return connection
  }

  private async produce(connection: QueueManagerConnection, lane: number): Promise<void> {
    const queue = await connection.open(this.options.queue, { output: true })
    for (let sequence = 0; !this.stopping; sequence++) {
      const body = `p${lane}-${sequence}`
      try {
        await queue.put(body, { persistence: Persistence.PERSISTENT })
        this.acknowledged.add(body)
      } catch (error) {
        this.errors.push(error)
        return
      }
    }
  }

  private async consume(connection: QueueManagerConnection): Promise<void> {
    const queue = await connection.open(this.options.queue, { input: true })
    while (!this.stopping) {
      try {
        const message = await queue.get({ waitMs: 500 })
        this.delivered.push(Buffer.from(message.body).toString('utf8'))
      } catch (error) {
        if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) continue
        this.errors.push(error)
        return
      }
    }
  }
}

/** Every message left on the queue, got by a fresh connection (no reconnect). */
export async function drainQueue(options: LoadOptions): Promise<string[]> {
  const connection = await connect({
    connName: options.connName,
    queueManager: options.queueManager,
  })
  const queue = await connection.open(options.queue, { input: true })
  const bodies: string[] = []
  for (;;) {
    try {
      const message = await queue.get()
      bodies.push(Buffer.from(message.body).toString('utf8'))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
      throw error
    }
  }
  await connection.close()
  return bodies
}

/** Every acknowledged put exactly once among delivered and left; nothing twice, nothing else. */
export function expectExactlyOnce(load: ReconnectingLoad, left: readonly string[]): void {
  expect(load.errors.map(String)).toEqual([])
  const counts = new Map<string, number>()
  for (const body of [...load.delivered, ...left]) counts.set(body, (counts.get(body) ?? 0) + 1)
  const twice = [...counts].filter(([, count]) => count > 1).map(([body]) => body)
  expect(twice, 'delivered or stored twice').toEqual([])
  const lost = [...load.acknowledged].filter((body) => !counts.has(body))
  expect(lost, 'acknowledged, then lost').toEqual([])
  const neverAcknowledged = [...counts.keys()].filter((body) => !load.acknowledged.has(body))
  expect(neverAcknowledged, 'present, never acknowledged').toEqual([])
}
