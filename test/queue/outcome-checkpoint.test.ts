/**
 * Goal: outcomes survive a checkpoint (a restart or an install that loads it with no log below
 * its LSN), a resent get is answered with its message once the log no longer holds the PUT
 * record, kept messages are bounded in bytes, and a named COMMIT sent again is answered with
 * what the first did: committed, or 2003 WARNING if its unit of work died with its connection.
 * Method: engines over the memory journal. "Restored" engines load the decoded checkpoint into
 * an engine whose journal is empty, i.e. every record below the checkpoint retired: what a
 * member that installed a checkpoint bundle, or a node whose segments were retired, has.
 */
import { describe, expect, it } from 'vitest'
import { CompCode, MQError, Reason } from '../../src/errors.js'
import { RecordType, type RequestIdentity } from '../../src/actors/journal/record-types.js'
import { OutcomeTable } from '../../src/queue/outcome-table.js'
import type { EngineSnapshot } from '../../src/queue/snapshot.js'
import { Persistence } from '../../src/queue/types.js'
import { assert } from '../../src/assert.js'
import { decodeCheckpoint, encodeCheckpoint } from '../../src/queue-manager/checkpoint-format.js'
import { MemoryJournal } from './memory-journal.js'
import { bytes, createEngine, expectReason, replayed, text, type TestEngine } from './helpers.js'

const CLIENT = Uint8Array.from({ length: 16 }, (_, index) => 0x40 + index)
const request = (sequence: number): RequestIdentity => ({ client: CLIENT, sequence })
const PERSISTENT = { persistence: Persistence.PERSISTENT } as const

async function engineWithQueue(): Promise<TestEngine> {
  const test = createEngine()
  await test.engine.defineQueue({ name: 'Q' })
  return test
}

const openQ = (test: TestEngine) => test.engine.connect().open('Q', { input: true, output: true })

/** An engine that loaded `from`'s checkpoint and holds no log below it (all retired). */
function restoredFromCheckpoint(from: TestEngine): TestEngine {
  return restored(decodeCheckpoint(encodeCheckpoint(from.engine.snapshot(), 1)))
}

function restored(snapshot: EngineSnapshot): TestEngine {
  const journal = new MemoryJournal()
  // Durable up to the checkpoint, as a log whose records below it were retired.
  journal.durableLsn = snapshot.lsn
  const next = createEngine({ journal })
  next.engine.restore(snapshot)
  return next
}

function recordsOf(test: TestEngine, type: RecordType): number {
  return test.journal.entries.filter((entry) => entry.record.type === type).length
}

async function commitFails2003(action: Promise<unknown>): Promise<void> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(MQError)
  expect((error as MQError).reason).toBe(Reason.BACKED_OUT)
  expect((error as MQError).compCode).toBe(CompCode.WARNING)
}

describe('outcomes in a checkpoint', () => {
  it('a restored engine answers a resent put and get with their first outcomes', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    const put = await queue.put(bytes('first'), { ...PERSISTENT, request: request(1) })
    await queue.put(bytes('second'), PERSISTENT)
    expect(text((await queue.get({ request: request(2) })).body)).toBe('first')
    const next = restoredFromCheckpoint(test)
    const again = openQ(next)
    expect((await again.put(bytes('first'), { ...PERSISTENT, request: request(1) })).msgId).toEqual(
      put.msgId,
    )
    const got = await again.get({ request: request(2) })
    expect(text(got.body)).toBe('first')
    expect(got.descriptor.msgId).toEqual(put.msgId)
    expect(next.engine.queueStatus('Q').currentDepth).toBe(1)
    expect(next.journal.entries.length).toBe(0)
  })

  it('a get applied without its body (replay, standby) has it read back for the checkpoint', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    await queue.put(bytes('body'), PERSISTENT)
    await queue.get({ request: request(5) })
    const standby = replayed(test.journal.entries)
    expect(standby.engine.snapshot().outcomes?.[0]?.message).toBeDefined()
    const next = restoredFromCheckpoint(standby)
    expect(text((await openQ(next).get({ request: request(5) })).body)).toBe('body')
  })

  it('a named commit survives the checkpoint; a lost one is 2003 WARNING', async () => {
    const test = await engineWithQueue()
    const connection = test.engine.connect()
    const queue = connection.open('Q', { input: true, output: true })
    await queue.put(bytes('in unit'), { ...PERSISTENT, syncpoint: true })
    await connection.commit(request(9))
    const next = restoredFromCheckpoint(test)
    await next.engine.connect().commit(request(9))
    await commitFails2003(next.engine.connect().commit(request(10)))
    expect(next.engine.queueStatus('Q').currentDepth).toBe(1)
  })
})

describe('a resent get whose PUT record is gone', () => {
  it('is answered from the message its outcome keeps', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    await queue.put(bytes('kept body'), PERSISTENT)
    await queue.get({ request: request(3) })
    // Nothing to read back from: the resend must not need the log.
    const readsBefore = test.journal.readPutCount
    const again = await openQ(test).get({ request: request(3) })
    expect(text(again.body)).toBe('kept body')
    expect(test.journal.readPutCount).toBe(readsBefore)
  })

  it('fails 2102 when the bound dropped the message and the log lost the record', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    await queue.put(bytes('x'.repeat(100)), PERSISTENT)
    await queue.get({ request: request(1) })
    const snapshot = test.engine.snapshot()
    const entry = snapshot.outcomes?.[0]
    expect(entry?.message).toBeDefined()
    assert(entry !== undefined, 'the get has an outcome')
    const without = { ...snapshot, outcomes: [{ request: entry.request, outcome: entry.outcome }] }
    const next = restored(decodeCheckpoint(encodeCheckpoint(without)))
    await expectReason(openQ(next).get({ request: request(1) }), Reason.RESOURCE_PROBLEM)
  })
})

describe('OutcomeTable kept messages', () => {
  const got = (lsn: number) =>
    ({
      kind: 'get',
      lsn,
      queueId: 1,
      putLsn: lsn - 8,
      priority: 0,
      backoutCount: 0,
      expiryAtMs: 0,
    }) as const
  const message = (size: number) =>
    ({
      type: RecordType.MESSAGE_PUT,
      queueId: 1,
      uowId: 0,
      descriptor: {
        msgId: new Uint8Array(24),
        correlId: new Uint8Array(24),
        persistent: true,
        priority: 0,
        expiry: -1,
        putTimeMs: 0,
        backoutCount: 0,
        format: '',
        replyToQueue: '',
        replyToQueueManager: '',
      },
      body: new Uint8Array(size),
    }) as const

  it('are bounded in bytes: a new get drops the oldest, a read-back only fills room', () => {
    const table = new OutcomeTable(100, 3 * (1000 + 256))
    for (let sequence = 1; sequence <= 4; sequence++) {
      table.record(request(sequence), got(sequence * 64))
      table.keepMessage(request(sequence), message(1000), true)
    }
    expect(table.messageOf(request(1))).toBeUndefined()
    expect(table.messageOf(request(4))).toBeDefined()
    expect(table.keptMessageBytes).toBe(3 * 1256)
    table.record(request(5), got(5 * 64))
    expect(table.keepMessage(request(5), message(1000), false)).toBe(false)
    expect(table.messageOf(request(2))).toBeDefined()
    // A forgotten outcome frees its message's bytes.
    table.record(request(2), got(9 * 64))
    expect(table.keptMessageBytes).toBe(2 * 1256)
  })
})

describe('a named COMMIT sent again', () => {
  it('after it committed: OK, nothing committed twice, no second record', async () => {
    const test = await engineWithQueue()
    const connection = test.engine.connect()
    const queue = connection.open('Q', { input: true, output: true })
    await queue.put(bytes('a'), { ...PERSISTENT, syncpoint: true })
    await connection.commit(request(1))
    // The reply died with the connection; the client sends it again on a new one.
    await test.engine.connect().commit(request(1))
    expect(recordsOf(test, RecordType.UOW_COMMIT)).toBe(1)
    const restarted = replayed(test.journal.entries)
    await restarted.engine.connect().commit(request(1))
  })

  it('after its unit died with the connection: 2003 WARNING', async () => {
    const test = await engineWithQueue()
    const connection = test.engine.connect()
    const queue = connection.open('Q', { input: true, output: true })
    await queue.put(bytes('a'), { ...PERSISTENT, syncpoint: true })
    await connection.close()
    await commitFails2003(test.engine.connect().commit(request(2)))
    expect(test.engine.queueStatus('Q').currentDepth).toBe(0)
  })

  it('of a unit with non-persistent work only: known on the same engine', async () => {
    const test = await engineWithQueue()
    const connection = test.engine.connect()
    const queue = connection.open('Q', { input: true, output: true })
    const options = { persistence: Persistence.NOT_PERSISTENT, syncpoint: true } as const
    await queue.put(bytes('np'), options)
    await connection.commit(request(3))
    await test.engine.connect().commit(request(3))
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
  })
})
