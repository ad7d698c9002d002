/**
 * Goal: through a real queue manager (journal worker, files), expired messages leave without a
 * get: live, by the sweeper's own timer; and across a restart, CURDEPTH is right as soon as the
 * queue manager is open (the start-up sweep), with no message coming back.
 * Method: QueueManager with an injected wall clock moved by the test; the live case polls
 * CURDEPTH with a generous deadline (the sweeper ticks every EXPIRY_SWEEP_INTERVAL_MS).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { Persistence } from '../../src/queue/types.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

let directory: { path: string; remove: () => void }
let offsetMs = 0
const now = (): number => Date.now() + offsetMs
const open: QueueManager[] = []

beforeEach(() => {
  directory = temporaryDirectory('expiry')
  offsetMs = 0
})
afterEach(async () => {
  for (const queueManager of open.splice(0)) await queueManager.close().catch(() => undefined)
  directory.remove()
})

async function start(): Promise<QueueManager> {
  const queueManager = await QueueManager.open({
    dataDirectory: directory.path,
    create: { name: 'QM1', segmentBytes: 1024 * 1024 },
    now,
  })
  open.push(queueManager)
  return queueManager
}

async function fill(queueManager: QueueManager): Promise<void> {
  await queueManager.engine.defineQueue({ name: 'Q' })
  const connection = queueManager.connect()
  const handle = connection.open('Q', { output: true })
  for (let index = 0; index < 10; index++) {
    await handle.put(Buffer.from(`brief ${index}`), {
      persistence: Persistence.PERSISTENT,
      expiry: 10,
    })
  }
  await handle.put(Buffer.from('kept'), { persistence: Persistence.PERSISTENT })
  await connection.close()
}

describe('expiry through the queue manager', () => {
  it('the sweeper removes expired messages while nobody gets', async () => {
    const queueManager = await start()
    await fill(queueManager)
    expect(queueManager.engine.queueStatus('Q').currentDepth).toBe(11)
    offsetMs = 60_000
    const deadline = Date.now() + 20_000
    while (queueManager.engine.queueStatus('Q').currentDepth > 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(queueManager.engine.queueStatus('Q').currentDepth).toBe(1)
  })

  it('after a restart CURDEPTH counts no expired message, and none comes back', async () => {
    const first = await start()
    await fill(first)
    await first.close()
    open.splice(0)
    offsetMs = 60_000
    const second = await start()
    expect(second.engine.queueStatus('Q').currentDepth).toBe(1)
    const handle = second.connect().open('Q', { input: true })
    expect(Buffer.from((await handle.get()).body).toString()).toBe('kept')
    await second.close()
    open.splice(0)
    const third = await start()
    expect(third.engine.queueStatus('Q').currentDepth).toBe(0)
  })
})
