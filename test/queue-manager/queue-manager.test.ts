/**
 * Goal: a queue manager on real files keeps persistent messages and committed work across a
 * restart, drops non-persistent ones, checkpoints so a clean restart replays nothing, trims its
 * log as queues drain, and refuses to start on missing data.
 * Method: open, work, close, reopen — all through QueueManager with small segments.
 */
import fs from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listSegments, segmentPath } from '../../src/actors/journal/segment-files.js'
import { ErrorCode } from '../../src/errors.js'
import { dataPaths } from '../../src/queue-manager/data-directory.js'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { Persistence } from '../../src/queue/types.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const SEGMENT_BYTES = 64 * 1024
let directory: { path: string; remove: () => void }
const open: QueueManager[] = []

beforeEach(() => {
  directory = temporaryDirectory('qm')
})
afterEach(async () => {
  for (const queueManager of open.splice(0)) await queueManager.close().catch(() => undefined)
  directory.remove()
})

async function start(checkpointIntervalBytes?: number): Promise<QueueManager> {
  const queueManager = await QueueManager.open({
    dataDirectory: directory.path,
    create: { name: 'QM1', segmentBytes: SEGMENT_BYTES },
    checkpointIntervalBytes,
  })
  open.push(queueManager)
  return queueManager
}

async function restart(queueManager: QueueManager): Promise<QueueManager> {
  await queueManager.close()
  open.splice(open.indexOf(queueManager), 1)
  return start()
}

async function drain(queueManager: QueueManager, queue: string): Promise<string[]> {
  const connection = queueManager.connect()
  const handle = connection.open(queue, { input: true })
  const bodies: string[] = []
  for (;;) {
    try {
      bodies.push(Buffer.from((await handle.get()).body).toString())
    } catch (error) {
      if ((error as { reason?: number }).reason === 2033) break
      throw error
    }
  }
  await connection.close()
  return bodies
}

describe('queue manager', () => {
  it('keeps persistent messages and drops non-persistent ones across a restart', async () => {
    let queueManager = await start()
    await queueManager.engine.defineQueue({ name: 'Q1', maxDepth: 100_000 })
    const connection = queueManager.connect()
    const handle = connection.open('Q1', { output: true })
    for (let index = 0; index < 50; index++) {
      const persistence = index % 2 === 0 ? Persistence.PERSISTENT : Persistence.NOT_PERSISTENT
      await handle.put(Buffer.from(`m${index}`), { persistence })
    }
    await connection.close()
    queueManager = await restart(queueManager)
    expect(queueManager.recovery.replayedRecords).toBe(0)
    expect(queueManager.recovery.checkpointLsn).toBeGreaterThan(0)
    const bodies = await drain(queueManager, 'Q1')
    expect(bodies).toEqual(Array.from({ length: 25 }, (_, index) => `m${index * 2}`))
  })

  it('keeps committed units of work and backs out uncommitted ones at close', async () => {
    let queueManager = await start()
    await queueManager.engine.defineQueue({ name: 'Q1', defaultPersistent: true })
    const committed = queueManager.connect()
    const output = committed.open('Q1', { output: true })
    await output.put(Buffer.from('kept'), { syncpoint: true })
    await committed.commit()
    const pending = queueManager.connect()
    await pending.open('Q1', { output: true }).put(Buffer.from('never'), { syncpoint: true })
    queueManager = await restart(queueManager)
    expect(await drain(queueManager, 'Q1')).toEqual(['kept'])
  })

  it('keeps queue definitions, ALTERs and DELETEs across a restart', async () => {
    let queueManager = await start()
    await queueManager.engine.defineQueue({ name: 'A', description: 'first' })
    await queueManager.engine.defineQueue({ name: 'B' })
    await queueManager.engine.alterQueue('A', { maxDepth: 7, putEnabled: false })
    await queueManager.engine.deleteQueue('B')
    queueManager = await restart(queueManager)
    // Besides the default objects every queue manager has (SYSTEM.*).
    expect(queueManager.engine.listQueues('A*').map((queue) => queue.name)).toEqual(['A'])
    expect(queueManager.engine.queueAttributes('A')).toMatchObject({
      description: 'first',
      maxDepth: 7,
      putEnabled: false,
    })
  })

  it('retires segments once checkpoints no longer need them', async () => {
    const queueManager = await start(SEGMENT_BYTES)
    await queueManager.engine.defineQueue({
      name: 'Q1',
      defaultPersistent: true,
      maxDepth: 100_000,
    })
    const connection = queueManager.connect()
    const handle = connection.open('Q1', { input: true, output: true })
    const body = Buffer.alloc(2000, 0x41)
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 40 }, () => handle.put(body)))
      for (let index = 0; index < 40; index++) await handle.get()
      await queueManager.checkpoint()
    }
    await connection.close()
    const { journal } = dataPaths(directory.path)
    const segments = listSegments(journal).segments
    expect(queueManager.journalEndLsn).toBeGreaterThan(8 * SEGMENT_BYTES)
    expect(segments.length).toBeLessThanOrEqual(3)
  })

  it('refuses to start when a segment holding live messages is missing', async () => {
    let queueManager = await start()
    await queueManager.engine.defineQueue({
      name: 'Q1',
      defaultPersistent: true,
      maxDepth: 100_000,
    })
    const connection = queueManager.connect()
    const handle = connection.open('Q1', { output: true })
    const body = Buffer.alloc(3000, 0x42)
    for (let index = 0; index < 100; index++) await handle.put(body)
    await connection.close()
    await queueManager.close()
    open.splice(0)
    const missing = segmentPath(dataPaths(directory.path).journal, 1)
    fs.unlinkSync(missing)
    await expect(start()).rejects.toMatchObject({ code: ErrorCode.JOURNAL_SEGMENT_MISSING })
    await expect(start()).rejects.toThrow(missing)
    queueManager = undefined as unknown as QueueManager
  })

  it('refuses a second opener of the same data directory while the first is alive', async () => {
    await start()
    // Same process: the lock names this pid, so simulate another live owner.
    fs.writeFileSync(dataPaths(directory.path).lock, `${process.ppid}\n`)
    await expect(start()).rejects.toMatchObject({ code: ErrorCode.DATA_DIRECTORY_LOCKED })
  })
})
