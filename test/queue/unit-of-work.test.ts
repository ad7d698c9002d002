/**
 * Goal: units of work behave as MQ's: syncpoint puts are invisible until commit but count in
 * CURDEPTH; syncpoint gets lock the message until commit (removed) or backout (restored in its
 * original position with BackoutCount + 1); MAXUMSGS gives 2024; commit waits for durability and
 * journals only what needs it; closing a connection backs out.
 * Method: two connections on one queue, a memory journal whose durability the test releases.
 */
import { describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { RecordType } from '../../src/actors/journal/record-types.js'
import { Persistence } from '../../src/queue/types.js'
import { MemoryJournal } from './memory-journal.js'
import { bytes, createEngine, expectReason, settle, text } from './helpers.js'

const PERSISTENT = { persistence: Persistence.PERSISTENT } as const
const NOT_PERSISTENT = { persistence: Persistence.NOT_PERSISTENT } as const

async function setup(journal?: MemoryJournal, maxUncommittedMessages?: number) {
  const test = createEngine({ journal, maxUncommittedMessages })
  await test.engine.defineQueue({ name: 'Q' })
  const worker = test.engine.connect()
  const observer = test.engine.connect()
  const mine = worker.open('Q', { input: true, output: true })
  const theirs = observer.open('Q', { input: true, output: true, browse: true })
  return { ...test, worker, observer, mine, theirs }
}

const recordTypes = (journal: MemoryJournal) => journal.entries.map((entry) => entry.record.type)

describe.each([PERSISTENT, NOT_PERSISTENT])('units of work (%o)', (persistence) => {
  it('hides syncpoint puts until commit but counts them in CURDEPTH', async () => {
    const { engine, worker, mine, theirs } = await setup()
    await mine.put(bytes('a'), { ...persistence, syncpoint: true })
    await mine.put(bytes('b'), { ...persistence, syncpoint: true })
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 2, uncommittedCount: 2 })
    await expectReason(theirs.get(), Reason.NO_MSG_AVAILABLE)
    await expectReason(mine.get(), Reason.NO_MSG_AVAILABLE)
    await worker.commit()
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 2, uncommittedCount: 0 })
    expect(text((await theirs.get()).body)).toBe('a')
    expect(text((await theirs.get()).body)).toBe('b')
  })

  it('removes syncpoint puts on backout', async () => {
    const { engine, worker, mine, theirs } = await setup()
    await mine.put(bytes('gone'), { ...persistence, syncpoint: true })
    await worker.backout()
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 0, uncommittedCount: 0 })
    await expectReason(theirs.get(), Reason.NO_MSG_AVAILABLE)
  })

  it('locks syncpoint gets until commit, then removes them', async () => {
    const { engine, worker, mine, theirs } = await setup()
    await theirs.put(bytes('x'), persistence)
    await theirs.put(bytes('y'), persistence)
    expect(text((await mine.get({ syncpoint: true })).body)).toBe('x')
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 2, uncommittedCount: 1 })
    expect(text((await theirs.get({ browse: 'first' })).body)).toBe('y')
    await worker.commit()
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 1, uncommittedCount: 0 })
    expect(text((await theirs.get()).body)).toBe('y')
  })

  it('restores gotten messages on backout in their original positions, BackoutCount + 1', async () => {
    const { worker, mine, theirs } = await setup()
    for (const label of ['m1', 'm2', 'm3', 'm4']) await theirs.put(bytes(label), persistence)
    await mine.get({ syncpoint: true }) // m1, from the front
    await mine.get({ syncpoint: true }) // m2
    await theirs.get() // m3, outside the unit of work
    await theirs.put(bytes('m5'), persistence)
    await worker.backout()
    const order: string[] = []
    const counts: number[] = []
    for (let index = 0; index < 3; index++) {
      const got = await theirs.get()
      order.push(text(got.body))
      counts.push(got.descriptor.backoutCount)
    }
    expect(order).toEqual(['m1', 'm2', 'm4'])
    expect(counts).toEqual([1, 1, 0])
    // A second backout of the same message counts again.
    const again = await mine.get({ syncpoint: true })
    expect(text(again.body)).toBe('m5')
    await worker.backout()
    expect((await mine.get({ syncpoint: true })).descriptor.backoutCount).toBe(1)
    await worker.backout()
    expect((await theirs.get()).descriptor.backoutCount).toBe(2)
  })

  it('restores a message gotten from the middle (by position) on backout', async () => {
    const { worker, mine, theirs } = await setup()
    await theirs.put(bytes('low'), { ...persistence, priority: 1 })
    await theirs.put(bytes('high'), { ...persistence, priority: 7 })
    await theirs.put(bytes('low2'), { ...persistence, priority: 1 })
    await mine.get({ syncpoint: true }) // high
    await mine.get({ syncpoint: true }) // low
    await worker.backout()
    const order = []
    for (let index = 0; index < 3; index++) order.push(text((await theirs.get()).body))
    expect(order).toEqual(['high', 'low', 'low2'])
  })

  it('backs out the open unit of work when the connection closes', async () => {
    const { engine, worker, mine, theirs } = await setup()
    await theirs.put(bytes('kept'), persistence)
    await mine.get({ syncpoint: true })
    await mine.put(bytes('dropped'), { ...persistence, syncpoint: true })
    await worker.close()
    expect(engine.queueStatus('Q')).toMatchObject({ currentDepth: 1, uncommittedCount: 0 })
    const got = await theirs.get()
    expect(text(got.body)).toBe('kept')
    expect(got.descriptor.backoutCount).toBe(1)
  })

  it('gives 2024 once a unit of work holds MAXUMSGS operations', async () => {
    const { worker, mine } = await setup(undefined, 3)
    await mine.put(bytes('1'), { ...persistence, syncpoint: true })
    await mine.put(bytes('2'), { ...persistence, syncpoint: true })
    await mine.put(bytes('3'), { ...persistence, syncpoint: true })
    await expectReason(mine.put(bytes('4'), { ...persistence, syncpoint: true }), 2024)
    await expectReason(mine.get({ syncpoint: true }), Reason.SYNCPOINT_LIMIT_REACHED)
    await mine.put(bytes('outside'), persistence)
    await worker.commit()
    await mine.put(bytes('4'), { ...persistence, syncpoint: true })
  })
})

describe('units of work and the journal', () => {
  it('commit resolves only once the commit record is durable', async () => {
    const journal = new MemoryJournal('manual')
    const pendingDefine = setup(journal)
    journal.releaseAll()
    const { worker, mine } = await pendingDefine
    const put = mine.put(bytes('p'), { ...PERSISTENT, syncpoint: true })
    journal.releaseAll()
    await put
    let committed = false
    const commit = worker.commit().then(() => (committed = true))
    await settle()
    expect(committed).toBe(false)
    expect(recordTypes(journal).at(-1)).toBe(RecordType.UOW_COMMIT)
    journal.releaseAll()
    await commit
    expect(committed).toBe(true)
  })

  it('journals nothing for a unit of work of non-persistent messages only', async () => {
    const { journal, worker, mine, theirs } = await setup()
    const before = journal.entries.length
    await mine.put(bytes('np'), { ...NOT_PERSISTENT, syncpoint: true })
    await worker.commit()
    await theirs.get({ syncpoint: true })
    await theirs.put(bytes('np2'), { ...NOT_PERSISTENT, syncpoint: true })
    await theirs.connection.backout()
    expect(journal.entries.length).toBe(before)
  })

  it('gives a mixed unit of work one id, on its persistent records only', async () => {
    const { journal, worker, mine, theirs } = await setup()
    await mine.put(bytes('np'), { ...NOT_PERSISTENT, syncpoint: true })
    await mine.put(bytes('p1'), { ...PERSISTENT, syncpoint: true })
    await mine.put(bytes('p2'), { ...PERSISTENT, syncpoint: true })
    await worker.commit()
    const records = journal.entries.slice(1).map((entry) => entry.record)
    expect(records.map((record) => record.type)).toEqual([
      RecordType.MESSAGE_PUT,
      RecordType.MESSAGE_PUT,
      RecordType.UOW_COMMIT,
    ])
    const uowIds = new Set(records.map((record) => ('uowId' in record ? record.uowId : -1)))
    expect(uowIds.size).toBe(1)
    const [uowId] = uowIds
    expect(uowId).toBeGreaterThan(0)
    expect(uowId).toBeLessThanOrEqual(journal.entries[1]!.lsn)
    const bodies = []
    for (let index = 0; index < 3; index++) bodies.push(text((await theirs.get()).body))
    expect(bodies).toEqual(['np', 'p1', 'p2'])
  })

  it('gives each unit of work a different id, increasing', async () => {
    const { journal, worker, mine } = await setup()
    const ids: number[] = []
    for (let round = 0; round < 4; round++) {
      await mine.put(bytes(`r${round}`), { ...PERSISTENT, syncpoint: true })
      await worker.commit()
      const last = journal.entries.at(-1)!.record
      ids.push(last.type === RecordType.UOW_COMMIT ? last.uowId : -1)
    }
    expect([...ids].sort((left, right) => left - right)).toEqual(ids)
    expect(new Set(ids).size).toBe(4)
  })

  it('commit and backout without a unit of work are no-ops', async () => {
    const { journal, worker } = await setup()
    const before = journal.entries.length
    await worker.commit()
    await worker.backout()
    expect(journal.entries.length).toBe(before)
  })
})
