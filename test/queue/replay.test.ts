/**
 * Goal: replaying the journal reconstructs exactly the persistent state of the live run: same
 * queues, depths, message order, descriptors and open units of work; the same holds for a
 * checkpoint taken at any point plus the log tail; units of work open at the "crash" are rolled
 * back as a whole.
 * Method: fast-check generates operation sequences (puts and gets in and out of syncpoint,
 * persistent or not, matching, commits, backouts, ALTER, CLEAR, disconnects) run live on engine
 * A. Engine B applies A's journal; engine C restores A's snapshot from a random point (through
 * the checkpoint codec) and applies the tail. All three must agree before and after rollback.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isMQError, Reason } from '../../src/errors.js'
import type { Connection, QueueEngine, QueueHandle } from '../../src/queue/engine.js'
import type { EngineSnapshot } from '../../src/queue/snapshot.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { Persistence, type MessageDescriptor } from '../../src/queue/types.js'
import { decodeCheckpoint, encodeCheckpoint } from '../../src/queue-manager/checkpoint-format.js'
import { MemoryJournal, type JournalEntry } from './memory-journal.js'
import { bytes, createEngine, identifier, replayed, text, type TestEngine } from './helpers.js'

const QUEUES = ['Q0', 'Q1'] as const

type Operation =
  | {
      readonly kind: 'put'
      readonly connection: number
      readonly queue: number
      readonly persistent: boolean
      readonly priority: number
      readonly syncpoint: boolean
      readonly correl: number
    }
  | {
      readonly kind: 'get'
      readonly connection: number
      readonly queue: number
      readonly syncpoint: boolean
      readonly correl: number
    }
  | { readonly kind: 'commit' | 'backout' | 'disconnect'; readonly connection: number }
  | {
      readonly kind: 'alter'
      readonly queue: number
      readonly fifo: boolean
      readonly depth: number
    }
  | { readonly kind: 'clear'; readonly queue: number }

const connectionIndex = fc.integer({ min: 0, max: 1 })
const queueIndex = fc.integer({ min: 0, max: 1 })
const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      connection: connectionIndex,
      queue: queueIndex,
      persistent: fc.constantFrom(true, true, true, false),
      priority: fc.integer({ min: 0, max: 9 }),
      syncpoint: fc.boolean(),
      correl: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('get' as const),
      connection: connectionIndex,
      queue: queueIndex,
      syncpoint: fc.boolean(),
      correl: fc.integer({ min: -1, max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('commit' as const, 'backout' as const),
      connection: connectionIndex,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('disconnect' as const), connection: connectionIndex }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('alter' as const),
      queue: queueIndex,
      fifo: fc.boolean(),
      depth: fc.integer({ min: 5, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), queue: queueIndex }) },
)

/** The live run: two connections, each with a handle on each queue. */
class Workload {
  private connections: Connection[] = []
  private handles: QueueHandle[][] = []
  private putCount = 0

  constructor(readonly test: TestEngine) {}

  static async start(): Promise<Workload> {
    const workload = new Workload(createEngine())
    await workload.test.engine.defineQueue({ name: 'Q0' })
    await workload.test.engine.defineQueue({ name: 'Q1', deliverySequence: 'FIFO' })
    for (let index = 0; index < 2; index++) workload.connect(index)
    return workload
  }

  get engine(): QueueEngine {
    return this.test.engine
  }

  async run(operation: Operation): Promise<void> {
    try {
      await this.perform(operation)
    } catch (error) {
      if (!isMQError(error)) throw error
    }
  }

  async closeAll(): Promise<void> {
    for (const connection of this.connections) await connection.close()
  }

  private connect(index: number): void {
    const connection = this.engine.connect()
    this.connections[index] = connection
    this.handles[index] = QUEUES.map((name) =>
      connection.open(name, { input: true, output: true, browse: true }),
    )
  }

  private async perform(operation: Operation): Promise<void> {
    switch (operation.kind) {
      case 'put': {
        const persistence = operation.persistent
          ? Persistence.PERSISTENT
          : Persistence.NOT_PERSISTENT
        await this.handles[operation.connection]![operation.queue]!.put(
          bytes(`p${this.putCount++}`),
          {
            persistence,
            priority: operation.priority,
            syncpoint: operation.syncpoint,
            correlId: identifier(`c${operation.correl}`),
          },
        )
        return
      }
      case 'get':
        await this.handles[operation.connection]![operation.queue]!.get({
          syncpoint: operation.syncpoint,
          correlId: operation.correl < 0 ? undefined : identifier(`c${operation.correl}`),
        })
        return
      case 'commit':
        return this.connections[operation.connection]!.commit()
      case 'backout':
        return this.connections[operation.connection]!.backout()
      case 'disconnect':
        await this.connections[operation.connection]!.close()
        this.connect(operation.connection)
        return
      case 'alter':
        await this.engine.alterQueue(QUEUES[operation.queue]!, {
          deliverySequence: operation.fifo ? 'FIFO' : 'PRIORITY',
          maxDepth: operation.depth,
        })
        return
      case 'clear':
        return this.clear(QUEUES[operation.queue]!, operation.queue)
    }
  }

  /** CLEAR needs the queue closed: close every handle on it, clear, reopen. */
  private async clear(name: string, queue: number): Promise<void> {
    for (const handles of this.handles) handles[queue]!.close()
    try {
      await this.engine.clearQueue(name)
    } finally {
      this.connections.forEach((connection, index) => {
        this.handles[index]![queue] = connection.open(name, {
          input: true,
          output: true,
          browse: true,
        })
      })
    }
  }
}

/** The persistent state, without values that legitimately differ (sequence numbering). */
function persistentView(snapshot: EngineSnapshot) {
  return {
    nextQueueId: snapshot.nextQueueId,
    queues: snapshot.queues.map(({ queueId, attributes, messages }) => ({
      queueId,
      attributes: { ...attributes },
      messages: Array.from({ length: messages.count }, (_, index) => ({
        putLsn: messages.putLsn[index],
        expiryAtMs: messages.expiryAtMs[index],
        uowId: messages.uowId[index],
        bodyLength: messages.bodyLength[index],
        backoutCount: messages.backoutCount[index],
        msgIdHash: messages.msgIdHash[index],
        correlIdHash: messages.correlIdHash[index],
        priority: messages.priority[index],
        state: messages.state[index],
      })),
    })),
  }
}

interface Drained {
  readonly body: string
  readonly descriptor: MessageDescriptor
}

/** Every persistent message, by destructive get in delivery order (queue by queue). */
async function drain(engine: QueueEngine): Promise<Record<string, Drained[]>> {
  const result: Record<string, Drained[]> = {}
  const connection = engine.connect()
  for (const { name } of engine.listQueues()) {
    const handle = connection.open(name, { input: true })
    const messages: Drained[] = []
    for (;;) {
      try {
        const got = await handle.get()
        if (got.descriptor.persistent)
          messages.push({ body: text(got.body), descriptor: got.descriptor })
      } catch (error) {
        if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
        throw error
      }
    }
    result[name] = messages
  }
  await connection.close()
  return result
}

/** Engine C: a checkpoint (through the codec) plus the log tail after it. */
function restoredFrom(snapshot: EngineSnapshot, entries: readonly JournalEntry[]): TestEngine {
  const test = createEngine({ journal: MemoryJournal.holding(entries) })
  test.engine.restore(decodeCheckpoint(encodeCheckpoint(snapshot, 7)))
  for (const entry of entries) {
    if (entry.lsn > snapshot.lsn) test.engine.apply(entry.record, entry.lsn)
  }
  return test
}

async function checkReplay(operations: readonly Operation[], checkpointAt: number): Promise<void> {
  const live = await Workload.start()
  let checkpoint = live.engine.snapshot()
  for (const [index, operation] of operations.entries()) {
    if (index === checkpointAt) checkpoint = live.engine.snapshot()
    await live.run(operation)
  }
  const entries = [...live.test.journal.entries]
  const fromLog = replayed(entries)
  const fromCheckpoint = restoredFrom(checkpoint, entries)
  const expected = persistentView(live.engine.snapshot())
  expect(persistentView(fromLog.engine.snapshot())).toEqual(expected)
  expect(persistentView(fromCheckpoint.engine.snapshot())).toEqual(expected)
  expect(fromLog.engine.lastAppliedLsn).toBe(live.engine.lastAppliedLsn)
  expect(fromCheckpoint.engine.lastAppliedLsn).toBe(live.engine.lastAppliedLsn)
  expect(fromLog.engine.oldestLiveLsn()).toBe(fromCheckpoint.engine.oldestLiveLsn())

  // The crash: live connections back out; recovery rolls back what the log left open.
  await live.closeAll()
  const rolledBack = await fromLog.engine.rollBackIncompleteUnitsOfWork()
  expect(await fromCheckpoint.engine.rollBackIncompleteUnitsOfWork()).toBe(rolledBack)
  const settled = persistentView(live.engine.snapshot())
  expect(persistentView(fromLog.engine.snapshot())).toEqual(settled)
  expect(persistentView(fromCheckpoint.engine.snapshot())).toEqual(settled)
  const drained = await drain(live.engine)
  expect(await drain(fromLog.engine)).toEqual(drained)
  expect(await drain(fromCheckpoint.engine)).toEqual(drained)
}

describe('replay', () => {
  it('log replay and checkpoint + tail both reach the live persistent state (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operationArbitrary, { minLength: 20, maxLength: 120 }),
        fc.nat({ max: 120 }),
        (operations, checkpointAt) => checkReplay(operations, checkpointAt),
      ),
      { numRuns: 120 },
    )
  })

  it('rolls back a unit of work open at the crash as a whole', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'Q', defaultPersistent: true })
    const setup = engine.connect().open('Q', { output: true })
    for (const label of ['a', 'b', 'c']) await setup.put(bytes(label))
    const worker = engine.connect()
    const handle = worker.open('Q', { input: true, output: true })
    await handle.get({ syncpoint: true }) // a
    await handle.put(bytes('new1'), { syncpoint: true })
    await handle.get({ syncpoint: true }) // b
    await handle.put(bytes('new2'), { syncpoint: true })
    // Crash: no commit in the log.
    const recovered = replayed(journal.entries)
    expect(recovered.engine.queueStatus('Q')).toMatchObject({
      currentDepth: 5,
      uncommittedCount: 4,
    })
    expect(await recovered.engine.rollBackIncompleteUnitsOfWork()).toBe(1)
    expect(recovered.engine.queueStatus('Q')).toMatchObject({
      currentDepth: 3,
      uncommittedCount: 0,
    })
    const reader = recovered.engine.connect().open('Q', { input: true })
    const got = []
    for (let index = 0; index < 3; index++) {
      const message = await reader.get()
      got.push(`${text(message.body)}:${message.descriptor.backoutCount}`)
    }
    expect(got).toEqual(['a:1', 'b:1', 'c:0'])
    // The rollback is journalled: a second recovery finds nothing open.
    const again = replayed(recovered.journal.entries)
    expect(await again.engine.rollBackIncompleteUnitsOfWork()).toBe(0)
  })

  it('recovers from the durable prefix only: a commit that did not reach the disk is undone', async () => {
    const journal = new MemoryJournal('manual')
    const { engine } = createEngine({ journal })
    const define = engine.defineQueue({ name: 'Q', defaultPersistent: true })
    journal.releaseAll()
    await define
    const connection = engine.connect()
    const handle = connection.open('Q', { output: true })
    const puts = [
      handle.put(bytes('x'), { syncpoint: true }),
      handle.put(bytes('y'), { syncpoint: true }),
    ]
    journal.releaseAll()
    await Promise.all(puts)
    const commit = connection.commit()
    // Crash before the commit record is durable: the commit never resolved.
    const recovered = replayed(journal.durableEntries())
    expect(await recovered.engine.rollBackIncompleteUnitsOfWork()).toBe(1)
    expect(recovered.engine.queueStatus('Q').currentDepth).toBe(0)
    journal.releaseAll()
    await commit
  })

  it('keeps its own copy of replayed bodies (the reader reuses its buffer)', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'Q', defaultPersistent: true })
    await engine.connect().open('Q', { output: true }).put(bytes('original'))
    const shared = new Uint8Array(64)
    const recovered = createEngine({ journal: MemoryJournal.holding(journal.entries) })
    for (const { record, lsn } of journal.entries) {
      if (record.type !== RecordType.MESSAGE_PUT) {
        recovered.engine.apply(record, lsn)
        continue
      }
      shared.set(record.body, 8)
      recovered.engine.apply({ ...record, body: shared.subarray(8, 8 + record.body.length) }, lsn)
    }
    shared.fill(0x21) // the next segment read over the same buffer
    const reader = recovered.engine.connect().open('Q', { input: true })
    expect(text((await reader.get()).body)).toBe('original')
  })

  it('keeps the open units of work of live connections out of the rollback', async () => {
    const { engine } = createEngine()
    await engine.defineQueue({ name: 'Q', defaultPersistent: true })
    const connection = engine.connect()
    await connection.open('Q', { output: true }).put(bytes('mine'), { syncpoint: true })
    expect(await engine.rollBackIncompleteUnitsOfWork()).toBe(0)
    await connection.commit()
    expect(engine.queueStatus('Q').currentDepth).toBe(1)
  })
})
