/**
 * Goal: a put or destructive get sent again with the same request identity is answered with the
 * first one's outcome and not done twice, on the engine that did it, on one rebuilt by replay
 * of its journal and on a hot standby that applied its records (engine.apply); the table is
 * bounded and forgets the oldest first.
 * Method: engines over the memory journal; a second engine built from the first one's journal
 * entries stands for the restarted node or the new primary. Depths and journal records show
 * what was done; bodies and MsgIds show what was answered.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { RecordType, type RequestIdentity } from '../../src/actors/journal/record-types.js'
import { OutcomeTable } from '../../src/queue/outcome-table.js'
import { Persistence } from '../../src/queue/types.js'
import { MemoryJournal } from './memory-journal.js'
import {
  bytes,
  createEngine,
  expectReason,
  replayed,
  settle,
  text,
  type TestEngine,
} from './helpers.js'

const CLIENT = Uint8Array.from({ length: 16 }, (_, index) => index + 1)
const request = (sequence: number, client = CLIENT): RequestIdentity => ({ client, sequence })
const PERSISTENT = { persistence: Persistence.PERSISTENT } as const

async function engineWithQueue(journal?: MemoryJournal): Promise<TestEngine> {
  const test = createEngine(journal === undefined ? {} : { journal })
  await test.engine.defineQueue({ name: 'Q' })
  return test
}

function openQ(test: TestEngine) {
  return test.engine.connect().open('Q', { input: true, output: true })
}

function recordsOf(test: TestEngine, type: RecordType): number {
  return test.journal.entries.filter((entry) => entry.record.type === type).length
}

describe('OutcomeTable', () => {
  it('keeps at most its bound, forgetting the oldest first; a replaced entry counts as new', () => {
    const table = new OutcomeTable(3)
    const outcome = (lsn: number) =>
      ({
        kind: 'get',
        lsn,
        queueId: 1,
        putLsn: 0,
        priority: 0,
        backoutCount: 0,
        expiryAtMs: 0,
      }) as const
    for (let sequence = 1; sequence <= 3; sequence++)
      table.record(request(sequence), outcome(sequence))
    table.record(request(1), outcome(10))
    table.record(request(4), outcome(4))
    expect(table.size).toBe(3)
    expect(table.find(request(2))).toBeUndefined()
    expect(table.find(request(1))?.lsn).toBe(10)
    expect(table.find(request(3))?.lsn).toBe(3)
    expect(table.find(request(4, new Uint8Array(16)))).toBeUndefined()
  })
})

describe('a request sent again', () => {
  it('a persistent put is stored once and answered with its first MsgId', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    const first = await queue.put(bytes('one'), { ...PERSISTENT, request: request(1) })
    const again = await queue.put(bytes('one'), { ...PERSISTENT, request: request(1) })
    expect(again.msgId).toEqual(first.msgId)
    expect(again.putTimeMs).toBe(first.putTimeMs)
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
    expect(recordsOf(test, RecordType.MESSAGE_PUT)).toBe(1)
    const other = await queue.put(bytes('two'), { ...PERSISTENT, request: request(2) })
    expect(other.msgId).not.toEqual(first.msgId)
    expect(test.engine.queueStatus('Q').currentDepth).toBe(2)
  })

  it('a non-persistent put is stored once on the same engine', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    const options = { persistence: Persistence.NOT_PERSISTENT, request: request(5) } as const
    const first = await queue.put(bytes('np'), options)
    expect((await queue.put(bytes('np'), options)).msgId).toEqual(first.msgId)
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
  })

  it('a destructive get returns the same message and takes no other', async () => {
    const test = await engineWithQueue()
    const queue = openQ(test)
    await queue.put(bytes('m1'), PERSISTENT)
    await queue.put(bytes('m2'), PERSISTENT)
    const got = await queue.get({ request: request(7) })
    const again = await queue.get({ request: request(7) })
    expect(text(got.body)).toBe('m1')
    expect(text(again.body)).toBe('m1')
    expect(again.descriptor.msgId).toEqual(got.descriptor.msgId)
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
    expect(recordsOf(test, RecordType.MESSAGE_GET)).toBe(1)
    expect(text((await queue.get({ request: request(8) })).body)).toBe('m2')
    await expectReason(queue.get({ request: request(9) }), Reason.NO_MSG_AVAILABLE)
  })

  it('under syncpoint the identity is not used: the unit of work decides', async () => {
    const test = await engineWithQueue()
    const connection = test.engine.connect()
    const queue = connection.open('Q', { input: true, output: true })
    const options = { ...PERSISTENT, syncpoint: true, request: request(3) } as const
    await queue.put(bytes('a'), options)
    await queue.put(bytes('a'), options)
    await connection.commit()
    expect(test.engine.queueStatus('Q').currentDepth).toBe(2)
    const puts = test.journal.entries.filter(
      (entry) => entry.record.type === RecordType.MESSAGE_PUT,
    )
    expect(puts.every((entry) => !('request' in entry.record))).toBe(true)
  })

  it('is answered only once the first outcome is durable', async () => {
    const test = await engineWithQueue()
    test.journal.mode = 'manual'
    const queue = openQ(test)
    void queue.put(bytes('slow'), { ...PERSISTENT, request: request(11) })
    let answered = false
    const again = queue.put(bytes('slow'), { ...PERSISTENT, request: request(11) })
    void again.then(() => (answered = true))
    await settle()
    expect(answered).toBe(false)
    test.journal.releaseAll()
    await again
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
  })

  it('cancels the same get still waiting on a connection left behind', async () => {
    const test = await engineWithQueue()
    const leftBehind = openQ(test).get({ waitMs: 60_000, request: request(20) })
    const resent = openQ(test).get({ waitMs: 60_000, request: request(20) })
    await expectReason(leftBehind, Reason.CALL_INTERRUPTED)
    await openQ(test).put(bytes('late'), PERSISTENT)
    expect(text((await resent).body)).toBe('late')
    expect(test.engine.queueStatus('Q').currentDepth).toBe(0)
  })
  it('cancels the same get left waiting even when the resend does not wait', async () => {
    const test = await engineWithQueue()
    const leftBehind = openQ(test).get({ waitMs: 60_000, request: request(21) })
    await expectReason(openQ(test).get({ request: request(21) }), Reason.NO_MSG_AVAILABLE)
    await expectReason(leftBehind, Reason.CALL_INTERRUPTED)
    await openQ(test).put(bytes('for the next request'), PERSISTENT)
    expect(test.engine.queueStatus('Q').currentDepth).toBe(1)
  })
})

describe('the outcome table after a restart or a failover', () => {
  async function liveRun(): Promise<{ test: TestEngine; msgId: Uint8Array }> {
    const test = await engineWithQueue()
    const queue = openQ(test)
    const put = await queue.put(bytes('kept'), { ...PERSISTENT, request: request(1) })
    await queue.put(bytes('taken'), { ...PERSISTENT, request: request(2) })
    await queue.put(bytes('left'), PERSISTENT)
    // 'kept' is got by request 3; its reply is what a failover would lose.
    expect(text((await queue.get({ request: request(3) })).body)).toBe('kept')
    return { test, msgId: put.msgId }
  }

  async function expectOriginalOutcomes(next: TestEngine, msgId: Uint8Array): Promise<void> {
    const queue = openQ(next)
    const depth = next.engine.queueStatus('Q').currentDepth
    const put = await queue.put(bytes('kept'), { ...PERSISTENT, request: request(1) })
    expect(put.msgId).toEqual(msgId)
    const got = await queue.get({ request: request(3) })
    expect(text(got.body)).toBe('kept')
    expect(got.descriptor.msgId).toEqual(msgId)
    expect(next.engine.queueStatus('Q').currentDepth).toBe(depth)
    expect(text((await queue.get({ request: request(4) })).body)).toBe('taken')
  }

  it('is rebuilt by replay of the journal (a restarted node)', async () => {
    const { test, msgId } = await liveRun()
    const restarted = replayed(test.journal.entries)
    await expectOriginalOutcomes(restarted, msgId)
  })

  it('is rebuilt by the hot standby apply path (the new primary)', async () => {
    const { test, msgId } = await liveRun()
    // The standby's log holds what the primary shipped; it applied each record as it came.
    const standby = createEngine({ journal: MemoryJournal.holding(test.journal.entries) })
    for (const entry of test.journal.entries) standby.engine.apply(entry.record, entry.lsn)
    expect(standby.engine.queueStatus('Q').currentDepth).toBe(2)
    await expectOriginalOutcomes(standby, msgId)
  })

  it('is bounded: a request older than the bound is done again', async () => {
    const test = createEngine({ outcomeTableEntries: 2 })
    await test.engine.defineQueue({ name: 'Q' })
    const queue = openQ(test)
    for (let sequence = 1; sequence <= 3; sequence++) {
      await queue.put(bytes(`m${sequence}`), { ...PERSISTENT, request: request(sequence) })
    }
    const restarted = replayed(test.journal.entries, { outcomeTableEntries: 2 })
    const again = openQ(restarted)
    await again.put(bytes('m3'), { ...PERSISTENT, request: request(3) })
    expect(restarted.engine.queueStatus('Q').currentDepth).toBe(3)
    await again.put(bytes('m1'), { ...PERSISTENT, request: request(1) })
    expect(restarted.engine.queueStatus('Q').currentDepth).toBe(4)
  })
})
