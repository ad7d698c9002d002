/**
 * Goal: MESSAGE_MOVE keeps a message exactly as it was (place in delivery order, MsgId, CorrelId,
 * priority, backout count, expiry, body) under a new put LSN, and replaying the log, or a
 * checkpoint plus the tail, reaches the live state whatever happened around the moves: gets of
 * moved messages, moves of moved messages, units of work that lock messages across a move pass,
 * backouts that raise backout counts before a move.
 * Method: fast-check operation sequences run live on engine A over a memory journal, with
 * "relocate" passes that move every available persistent message below a random LSN. Engine B
 * applies A's log, engine C restores A's snapshot at a random point (through the checkpoint
 * codec) and applies the tail; all three must agree, and drain to the same messages in the same
 * order as a twin run without the moves.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { isMQError, Reason } from '../../src/errors.js'
import type { Connection, QueueEngine, QueueHandle } from '../../src/queue/engine.js'
import type { EngineSnapshot } from '../../src/queue/snapshot.js'
import { Persistence } from '../../src/queue/types.js'
import { decodeCheckpoint, encodeCheckpoint } from '../../src/queue-manager/checkpoint-format.js'
import { MemoryJournal, type JournalEntry } from '../queue/memory-journal.js'
import {
  bytes,
  createEngine,
  identifier,
  replayed,
  text,
  type TestEngine,
} from '../queue/helpers.js'

const QUEUES = ['QP', 'QF'] as const

type Operation =
  | { kind: 'put'; queue: number; priority: number; syncpoint: boolean; expiry: number }
  | { kind: 'get'; queue: number; syncpoint: boolean; correl: number }
  | { kind: 'commit' | 'backout' }
  | { kind: 'relocate'; fraction: number }

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      queue: fc.integer({ min: 0, max: 1 }),
      priority: fc.integer({ min: 0, max: 9 }),
      syncpoint: fc.constantFrom(false, false, true),
      expiry: fc.constantFrom(-1, -1, 36_000),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('get' as const),
      queue: fc.integer({ min: 0, max: 1 }),
      syncpoint: fc.boolean(),
      correl: fc.integer({ min: -1, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('commit' as const, 'backout' as const) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('relocate' as const),
      fraction: fc.double({ min: 0.2, max: 1, noNaN: true }),
    }),
  },
)

class Workload {
  private connection!: Connection
  private handles!: QueueHandle[]
  private putCount = 0
  movedCount = 0

  constructor(
    readonly test: TestEngine,
    private readonly relocating: boolean,
  ) {}

  static async start(relocating: boolean): Promise<Workload> {
    const workload = new Workload(createEngine(), relocating)
    await workload.engine.defineQueue({ name: 'QP', defaultPersistent: true })
    await workload.engine.defineQueue({
      name: 'QF',
      defaultPersistent: true,
      deliverySequence: 'FIFO',
    })
    workload.connection = workload.engine.connect()
    workload.handles = QUEUES.map((name) =>
      workload.connection.open(name, { input: true, output: true }),
    )
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

  private async perform(operation: Operation): Promise<void> {
    switch (operation.kind) {
      case 'put': {
        const index = this.putCount++
        await this.handles[operation.queue]!.put(bytes(`m${index}`), {
          persistence: Persistence.PERSISTENT,
          priority: operation.priority,
          syncpoint: operation.syncpoint,
          expiry: operation.expiry,
          correlId: identifier(`c${index % 4}`),
        })
        return
      }
      case 'get':
        await this.handles[operation.queue]!.get({
          syncpoint: operation.syncpoint,
          correlId: operation.correl < 0 ? undefined : identifier(`c${operation.correl}`),
        })
        return
      case 'commit':
        return this.connection.commit()
      case 'backout':
        return this.connection.backout()
      case 'relocate':
        return this.relocate(operation.fraction)
    }
  }

  /** Moves every available message below a point `fraction` of the way into the log. */
  private async relocate(fraction: number): Promise<void> {
    if (!this.relocating) return
    const belowLsn = Math.floor(this.test.journal.endLsn * fraction)
    let last = -1
    for (const candidate of this.engine.relocationCandidates(belowLsn).candidates) {
      const lsn = this.engine.relocate(candidate)
      if (lsn === undefined) continue
      expect(lsn).toBeGreaterThan(candidate.putLsn)
      last = lsn
      this.movedCount++
    }
    if (last >= 0) await this.test.journal.waitDurable(last)
  }
}

function persistentView(snapshot: EngineSnapshot) {
  return snapshot.queues.map(({ queueId, messages }) => ({
    queueId,
    messages: Array.from({ length: messages.count }, (_, index) => ({
      putLsn: messages.putLsn[index],
      sequence: messages.sequence[index],
      expiryAtMs: messages.expiryAtMs[index],
      uowId: messages.uowId[index],
      backoutCount: messages.backoutCount[index],
      msgIdHash: messages.msgIdHash[index],
      correlIdHash: messages.correlIdHash[index],
      priority: messages.priority[index],
      state: messages.state[index],
    })),
  }))
}

/** Every message by destructive get in delivery order, with what MQ shows of it. */
async function drain(engine: QueueEngine): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {}
  const connection = engine.connect()
  for (const name of QUEUES) {
    const handle = connection.open(name, { input: true })
    const messages: string[] = []
    for (;;) {
      try {
        const { body, descriptor } = await handle.get()
        const ids = `${Buffer.from(descriptor.msgId).toString('hex')}/${text(descriptor.correlId)}`
        const rest = `${descriptor.priority}/${descriptor.backoutCount}/${descriptor.expiry}`
        messages.push(`${text(body)}:${ids}:${rest}`)
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

function restoredFrom(snapshot: EngineSnapshot, entries: readonly JournalEntry[]): TestEngine {
  const test = createEngine({ journal: MemoryJournal.holding(entries) })
  test.engine.restore(decodeCheckpoint(encodeCheckpoint(snapshot, 7)))
  for (const entry of entries) {
    if (entry.lsn > snapshot.lsn) test.engine.apply(entry.record, entry.lsn)
  }
  return test
}

async function checkRelocation(operations: readonly Operation[], checkpointAt: number) {
  const live = await Workload.start(true)
  const twin = await Workload.start(false)
  let checkpoint = live.engine.snapshot()
  for (const [index, operation] of operations.entries()) {
    if (index === checkpointAt) checkpoint = live.engine.snapshot()
    await live.run(operation)
    await twin.run(operation)
  }
  const entries = [...live.test.journal.entries]
  const fromLog = replayed(entries)
  const fromCheckpoint = restoredFrom(checkpoint, entries)
  const expected = persistentView(live.engine.snapshot())
  expect(persistentView(fromLog.engine.snapshot())).toEqual(expected)
  expect(persistentView(fromCheckpoint.engine.snapshot())).toEqual(expected)
  // The crash: live connections back out; recovery rolls back what the log left open.
  await live.run({ kind: 'backout' })
  await twin.run({ kind: 'backout' })
  for (const test of [fromLog, fromCheckpoint]) await test.engine.rollBackIncompleteUnitsOfWork()
  const drained = await drain(twin.engine)
  expect(await drain(live.engine)).toEqual(drained)
  expect(await drain(fromLog.engine)).toEqual(drained)
  expect(await drain(fromCheckpoint.engine)).toEqual(drained)
  return live.movedCount
}

describe('message relocation (MESSAGE_MOVE)', () => {
  it('replay and checkpoint + tail reach the live state; delivery is as without moves', async () => {
    let moved = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(operationArbitrary, { minLength: 10, maxLength: 100 }),
        fc.nat({ max: 100 }),
        async (operations, checkpointAt) => {
          moved += await checkRelocation(operations, checkpointAt)
        },
      ),
      { numRuns: 150 },
    )
    // The property is only worth something if moves happened.
    expect(moved).toBeGreaterThan(100)
  })

  it('a moved message is read from its MOVE record and named by it in later GETs', async () => {
    const { engine, journal } = createEngine()
    await engine.defineQueue({ name: 'Q', defaultPersistent: true })
    const handle = engine.connect().open('Q', { input: true, output: true })
    await handle.put(bytes('old'), { priority: 3, correlId: identifier('corr') })
    await handle.put(bytes('newer'))
    const scan = engine.relocationCandidates(journal.endLsn)
    expect(scan.candidates.map((candidate) => candidate.bodyLength)).toEqual([3, 5])
    const movedTo = engine.relocate(scan.candidates[0]!)
    expect(movedTo).toBeDefined()
    expect(engine.relocate(scan.candidates[0]!)).toBeUndefined() // already moved
    expect(engine.oldestLiveLsn()).toBe(scan.candidates[1]!.putLsn)
    const got = await handle.get()
    expect(text(got.body)).toBe('old')
    expect(Buffer.from(got.descriptor.correlId)).toEqual(Buffer.from(identifier('corr')))
    const getRecord = journal.entries.at(-1)!.record
    expect(getRecord).toMatchObject({ type: RecordType.MESSAGE_GET, putLsn: movedTo })
  })
})
