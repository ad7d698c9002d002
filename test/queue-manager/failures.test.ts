/**
 * Goal: when the disk fails or the journal worker keeps crashing, the queue manager stops
 * acknowledging, says why with an MQ reason code, and the next start finds every message that
 * was acknowledged before the failure. Method: run the journal worker on a failing disk
 * (QueueManager.open's `segmentIoWrapper`), then reopen the same data directory without it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { diskFaults, type DiskFaults } from '../journal/fixtures/disk-faults.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

let directory: { path: string; remove: () => void }
beforeEach(() => {
  directory = temporaryDirectory('qm-failure')
})
afterEach(() => directory.remove())

async function open(faults?: DiskFaults): Promise<QueueManager> {
  return QueueManager.open({
    dataDirectory: directory.path,
    create: { name: 'QM1', segmentBytes: 1024 * 1024 },
    segmentIoWrapper: faults === undefined ? undefined : diskFaults(faults),
  })
}

async function putUntilFailure(
  queueManager: QueueManager,
): Promise<{ acked: string[]; error: unknown }> {
  await queueManager.engine.defineQueue({ name: 'Q1', defaultPersistent: true })
  const handle = queueManager.connect().open('Q1', { output: true })
  const acked: string[] = []
  for (let index = 0; index < 50; index++) {
    try {
      await handle.put(Buffer.from(`m${index}`))
      acked.push(`m${index}`)
    } catch (error) {
      return { acked, error }
    }
  }
  return { acked, error: undefined }
}

async function survivors(): Promise<string[]> {
  const queueManager = await open()
  try {
    const handle = queueManager.connect().open('Q1', { input: true })
    const bodies: string[] = []
    for (;;) {
      try {
        bodies.push(Buffer.from((await handle.get()).body).toString())
      } catch {
        return bodies
      }
    }
  } finally {
    await queueManager.close()
  }
}

describe('queue manager under journal failure', () => {
  it('a full disk fails the put with 2102, later calls with 2059, and loses nothing acked', async () => {
    const queueManager = await open({ failWriteAtBatch: 6, failWriteCode: 'ENOSPC' })
    const { acked, error } = await putUntilFailure(queueManager)
    expect(error).toMatchObject({ reason: Reason.RESOURCE_PROBLEM })
    expect(String((error as Error).cause)).toMatch(/ENOSPC/)
    expect(() => queueManager.connect()).toThrow(
      expect.objectContaining({ reason: Reason.Q_MGR_NOT_AVAILABLE }),
    )
    await queueManager.close()
    expect(acked.length).toBeGreaterThan(0)
    expect(await survivors()).toEqual(acked)
  })

  it('a journal worker that keeps crashing exhausts its restart budget and fails the queue manager', async () => {
    const queueManager = await open({ crashAtBatch: 4, crashGenerations: 1000 })
    const { acked, error } = await putUntilFailure(queueManager)
    expect(error).toMatchObject({ reason: Reason.RESOURCE_PROBLEM })
    expect(String((error as Error).cause)).toMatch(/RESTART_BUDGET_EXHAUSTED/)
    await queueManager.close()
    expect(await survivors()).toEqual(acked)
  }, 30_000)

  it('a single crash of the journal worker is invisible to applications', async () => {
    const queueManager = await open({ crashAtBatch: 5 })
    const { acked, error } = await putUntilFailure(queueManager)
    expect(error).toBeUndefined()
    expect(acked).toHaveLength(50)
    await queueManager.close()
    expect(await survivors()).toEqual(acked)
  })
})

describe('queue manager limits', () => {
  it('a message larger than a journal segment is refused with 2031 and nothing breaks', async () => {
    const queueManager = await QueueManager.open({
      dataDirectory: directory.path,
      create: { name: 'QM1', segmentBytes: 64 * 1024 },
    })
    await queueManager.engine.defineQueue({ name: 'Q1', defaultPersistent: true })
    const handle = queueManager.connect().open('Q1', { input: true, output: true })
    await expect(handle.put(Buffer.alloc(100 * 1024))).rejects.toMatchObject({
      reason: Reason.MSG_TOO_BIG_FOR_Q_MGR,
    })
    await handle.put(Buffer.from('small'))
    expect(Buffer.from((await handle.get()).body).toString()).toBe('small')
    expect(queueManager.engine.queueStatus('Q1').currentDepth).toBe(0)
    await queueManager.close()
  })
})
