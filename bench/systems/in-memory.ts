/**
 * An in-process queue with no I/O: the floor of what the harness itself costs per message, and
 * the system the harness's own tests run against (no server needed). Acknowledgements are
 * deferred to the next turn of the event loop so the code paths stay asynchronous like a real
 * client's.
 */
import { yieldToEventLoop } from '../measure/clock.js'
import type {
  MessageStream,
  PutOptions,
  QueueSession,
  SystemAdapter,
  TopologyInfo,
} from '../types.js'

class Deque<T> {
  private items: T[] = []
  private head = 0

  get length(): number {
    return this.items.length - this.head
  }

  push(item: T): void {
    this.items.push(item)
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.head++
    // Compact once the consumed prefix dominates, so memory follows the depth.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

class InMemoryQueue {
  private readonly messages = new Deque<Buffer>()
  private readonly waiters = new Deque<(body: Buffer) => void>()

  enqueue(body: Buffer): void {
    const waiter = this.waiters.shift()
    if (waiter === undefined) this.messages.push(body)
    else waiter(body)
  }

  dequeue(waitMs: number): Promise<Buffer | undefined> {
    const body = this.messages.shift()
    if (body !== undefined) return Promise.resolve(body)
    if (waitMs <= 0) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        resolve(undefined)
      }, waitMs)
      this.waiters.push((delivered) => {
        // A waiter that already timed out hands the message on instead of dropping it.
        if (settled) {
          this.enqueue(delivered)
          return
        }
        clearTimeout(timer)
        resolve(delivered)
      })
    })
  }
}

class InMemorySession implements QueueSession {
  private uncommitted: Buffer[] = []

  constructor(private readonly queue: InMemoryQueue) {}

  async put(body: Buffer, options: PutOptions): Promise<void> {
    await yieldToEventLoop()
    if (options.inUnitOfWork === true) this.uncommitted.push(body)
    else this.queue.enqueue(body)
  }

  async get(waitMs: number): Promise<Buffer | undefined> {
    return this.queue.dequeue(waitMs)
  }

  async consume(_prefetch: number): Promise<MessageStream> {
    return {
      next: (waitMs) => this.queue.dequeue(waitMs),
      close: async () => {},
    }
  }

  async commit(): Promise<void> {
    await yieldToEventLoop()
    for (const body of this.uncommitted) this.queue.enqueue(body)
    this.uncommitted = []
  }

  async close(): Promise<void> {}
}

export function createInMemoryAdapter(): SystemAdapter {
  const queues = new Map<string, InMemoryQueue>()
  const queueNamed = (queueName: string): InMemoryQueue => {
    const queue = queues.get(queueName)
    if (queue === undefined) throw new Error(`in-memory queue ${queueName} was not created`)
    return queue
  }
  return {
    name: 'in-memory',
    label: 'In-process (harness floor)',
    serverKind: 'in-process',
    supportsNonPersistent: true,
    unitOfWork: 'syncpoint',
    topologies: ['single'],
    unavailableReason: async () => undefined,
    durability: () => 'In-process array: nothing is written anywhere; measures the harness only',
    createQueue: async (_topology: TopologyInfo, queueName: string) => {
      queues.set(queueName, new InMemoryQueue())
    },
    deleteQueue: async (_topology: TopologyInfo, queueName: string) => {
      queues.delete(queueName)
    },
    open: async (_topology: TopologyInfo, queueName: string) =>
      new InMemorySession(queueNamed(queueName)),
    serverVersion: async () => `node ${process.version}`,
    dispose: async () => {
      queues.clear()
    },
  }
}
