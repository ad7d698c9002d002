/**
 * Goal, through a real queue manager (journal worker, files, restarts): a new queue manager has
 * SYSTEM.DEFAULT.LOCAL.QUEUE and its dead-letter queue (DEADQ, shown by DISPLAY QMGR, changed by
 * ALTER QMGR, kept across restarts); ALTERing SYSTEM.DEFAULT.LOCAL.QUEUE changes the defaults of
 * new queues; QALIAS works through MQSC and survives a restart; a message backed out BOTHRESH
 * times is on BOQNAME after a restart; a message of MAXMSGL's ceiling (4 MiB) goes in and out.
 * Method: QueueManager.open on a temporary directory, runMqsc for the MQSC parts, close/reopen.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES } from '../../src/constants.js'
import { runMqsc } from '../../src/mqsc/index.js'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { Persistence } from '../../src/queue/types.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

let directory: { path: string; remove: () => void }
const open: QueueManager[] = []

beforeEach(() => {
  directory = temporaryDirectory('objects')
})
afterEach(async () => {
  for (const queueManager of open.splice(0)) await queueManager.close().catch(() => undefined)
  directory.remove()
})

async function start(deadLetterQueue?: string): Promise<QueueManager> {
  const queueManager = await QueueManager.open({
    dataDirectory: directory.path,
    create: { name: 'QM1', segmentBytes: 16 * 1024 * 1024, deadLetterQueue },
  })
  open.push(queueManager)
  return queueManager
}

async function restart(queueManager: QueueManager): Promise<QueueManager> {
  await queueManager.close()
  open.splice(open.indexOf(queueManager), 1)
  return start()
}

async function mqsc(queueManager: QueueManager, script: string): Promise<string[]> {
  const run = await runMqsc(queueManager.engine, script, queueManager.name)
  return run.results.flatMap((result) => result.lines)
}

describe('queue manager objects', () => {
  it('has the default objects and a durable DEADQ', async () => {
    let queueManager = await start()
    expect(queueManager.engine.listQueues('SYSTEM.*').map((queue) => queue.name)).toEqual([
      'SYSTEM.DEAD.LETTER.QUEUE',
      'SYSTEM.DEFAULT.LOCAL.QUEUE',
    ])
    expect((await mqsc(queueManager, 'DIS QMGR'))[1]).toContain('DEADQ(SYSTEM.DEAD.LETTER.QUEUE)')
    expect(await mqsc(queueManager, "ALTER QMGR DEADQ(MY.DLQ) DESCR('main')")).toEqual([
      'AMQ8005I: Queue manager changed.',
    ])
    queueManager = await restart(queueManager)
    expect(queueManager.engine.queueManagerAttributes()).toEqual({
      deadLetterQueue: 'MY.DLQ',
      description: 'main',
    })
    // Created once: a restart defines nothing again.
    expect(queueManager.engine.listQueues('SYSTEM.*')).toHaveLength(2)
  })

  it('takes the DEADQ name given at creation', async () => {
    const queueManager = await start('APP.DLQ')
    expect(queueManager.engine.queueManagerAttributes().deadLetterQueue).toBe('APP.DLQ')
    expect(queueManager.engine.queueStatus('APP.DLQ').currentDepth).toBe(0)
  })

  it('DEFINE QLOCAL without LIKE takes the attributes of SYSTEM.DEFAULT.LOCAL.QUEUE', async () => {
    const queueManager = await start()
    await mqsc(queueManager, 'ALTER QLOCAL(SYSTEM.DEFAULT.LOCAL.QUEUE) MAXDEPTH(123) DEFPSIST(YES)')
    await mqsc(queueManager, 'DEFINE QLOCAL(NEW.Q) DEFPRTY(3)')
    expect(queueManager.engine.queueAttributes('NEW.Q')).toMatchObject({
      maxDepth: 123,
      defaultPersistent: true,
      defaultPriority: 3,
    })
  })

  it('QALIAS through MQSC: puts and gets resolve to the target, across a restart', async () => {
    let queueManager = await start()
    expect(
      await mqsc(
        queueManager,
        'DEFINE QLOCAL(T.Q)\nDEFINE QALIAS(A.Q) TARGET(T.Q)\nDIS QA(A.Q) ALL',
      ),
    ).toEqual([
      'AMQ8006I: Queue created.',
      'AMQ8006I: Queue created.',
      'AMQ8409I: Display Queue details.',
      '   QUEUE(A.Q)                              TYPE(QALIAS)',
      '   DESCR( )                                GET(ENABLED)',
      '   PUT(ENABLED)                            TARGET(T.Q)',
    ])
    queueManager = await restart(queueManager)
    const handle = queueManager.connect().open('A.Q', { input: true, output: true })
    await handle.put(Buffer.from('via alias'), { persistence: Persistence.PERSISTENT })
    expect(queueManager.engine.queueStatus('T.Q').currentDepth).toBe(1)
    expect(Buffer.from((await handle.get()).body).toString()).toBe('via alias')
    handle.close()
    expect(await mqsc(queueManager, 'DELETE QLOCAL(A.Q)\nDELETE QALIAS(A.Q)')).toEqual([
      'AMQ8147E: Object A.Q not found.',
      'AMQ8007I: Queue deleted.',
    ])
  })

  it('a poison message is on BOQNAME after BOTHRESH backouts, and after a restart', async () => {
    let queueManager = await start()
    await mqsc(queueManager, 'DEFINE QLOCAL(BO.Q)\nDEFINE QLOCAL(IN.Q) BOTHRESH(2) BOQNAME(BO.Q)')
    const connection = queueManager.connect()
    const handle = connection.open('IN.Q', { input: true, output: true })
    await handle.put(Buffer.from('poison'), { persistence: Persistence.PERSISTENT })
    for (let attempt = 0; attempt < 2; attempt++) {
      await handle.get({ syncpoint: true })
      await connection.backout()
    }
    await connection.close()
    expect(queueManager.engine.queueStatus('BO.Q').currentDepth).toBe(1)
    queueManager = await restart(queueManager)
    expect(queueManager.engine.queueStatus('IN.Q').currentDepth).toBe(0)
    const moved = await queueManager.connect().open('BO.Q', { input: true }).get()
    expect(moved.descriptor.backoutCount).toBe(2)
  })

  it('puts and gets a message of MAXMSGL(4194304), the ceiling', async () => {
    const queueManager = await start()
    await mqsc(queueManager, `DEFINE QLOCAL(BIG.Q) MAXMSGL(${MAX_MESSAGE_BYTES})`)
    const body = Buffer.alloc(MAX_MESSAGE_BYTES, 0x5a)
    body.write('first', 0)
    const handle = queueManager.connect().open('BIG.Q', { input: true, output: true })
    await handle.put(body, { persistence: Persistence.PERSISTENT })
    const got = await handle.get()
    expect(got.body.length).toBe(MAX_MESSAGE_BYTES)
    expect(Buffer.compare(Buffer.from(got.body), body)).toBe(0)
    await expect(
      handle.put(Buffer.alloc(MAX_MESSAGE_BYTES + 1), { persistence: Persistence.PERSISTENT }),
    ).rejects.toMatchObject({ reason: 2031 })
  })
})
