/**
 * Goal: the client library against the real server and a real queue manager on disk behaves as
 * an MQ application expects, end to end. Method: QueueManager + QueueManagerServer on
 * 127.0.0.1 (port 0), the exported `connect` as a user would call it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, MQError, Persistence, QueueManager, Reason } from '../../src/index.js'
import { QueueManagerServer } from '../../src/server/server.js'
import { formatTranscript, runMqsc } from '../../src/mqsc/index.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const directory = temporaryDirectory('e2e')
let queueManager: QueueManager
let server: QueueManagerServer
let connName: string

beforeAll(async () => {
  queueManager = await QueueManager.open({
    dataDirectory: directory.path,
    create: { name: 'QM1', segmentBytes: 1024 * 1024 },
  })
  server = await QueueManagerServer.listen({
    queueManager,
    port: 0,
    admin: async (text) => {
      const run = await runMqsc(queueManager.engine, text, 'QM1')
      return { lines: formatTranscript(run, 'QM1'), failedCount: run.commandsFailed }
    },
  })
  connName = `127.0.0.1(${server.port})`
})

afterAll(async () => {
  await server.close({ graceful: false })
  await queueManager.close()
  directory.remove()
})

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString()

describe('client and server end to end', () => {
  it('defines a queue with MQSC and moves messages in priority order', async () => {
    const connection = await connect({ queueManager: 'QM1', connName })
    const admin = await connection.admin('DEFINE QLOCAL(E2E.Q1) DEFPSIST(YES) MAXDEPTH(100)')
    expect(admin.failedCount).toBe(0)
    expect(admin.lines.join('\n')).toContain('AMQ8006I')
    const queue = await connection.open('E2E.Q1')
    await queue.put('low', { priority: 1 })
    await queue.put('high', { priority: 8 })
    const first = await queue.get()
    expect(text(first.body)).toBe('high')
    expect(first.descriptor.persistent).toBe(true)
    expect(text((await queue.get()).body)).toBe('low')
    await expect(queue.get()).rejects.toMatchObject({ reason: Reason.NO_MSG_AVAILABLE })
    await connection.close()
  })

  it('units of work over the wire: backout restores with BackoutCount, commit removes', async () => {
    const connection = await connect({ connName })
    await connection.admin('DEFINE QLOCAL(E2E.UOW)')
    const queue = await connection.open('E2E.UOW')
    await queue.put('work', { persistence: Persistence.PERSISTENT })
    await queue.get({ syncpoint: true })
    await connection.backout()
    const again = await queue.get({ syncpoint: true })
    expect(again.descriptor.backoutCount).toBe(1)
    await connection.commit()
    const status = await connection.query('E2E.UOW')
    expect(status.status.currentDepth).toBe(0)
    await connection.close()
  })

  it('a waiting get is woken by a put from another connection, and can be aborted', async () => {
    const consumer = await connect({ connName })
    const producer = await connect({ connName })
    await producer.admin('DEFINE QLOCAL(E2E.WAIT)')
    const input = await consumer.open('E2E.WAIT', { input: true })
    const waiting = input.get({ waitMs: 30_000 })
    await (await producer.open('E2E.WAIT', { output: true })).put('wake up')
    expect(text((await waiting).body)).toBe('wake up')
    const controller = new AbortController()
    const aborted = input.get({ waitMs: 30_000, signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toThrow()
    await producer.close()
    await consumer.close()
  })

  it('reports MQ reason codes for bad requests', async () => {
    const connection = await connect({ connName })
    await expect(connection.open('NO.SUCH.QUEUE')).rejects.toMatchObject({
      reason: Reason.UNKNOWN_OBJECT_NAME,
    })
    await connection.admin('DEFINE QLOCAL(E2E.SMALL) MAXMSGL(10) MAXDEPTH(1)')
    const queue = await connection.open('E2E.SMALL')
    await expect(queue.put('more than ten bytes')).rejects.toMatchObject({
      reason: Reason.MSG_TOO_BIG_FOR_Q,
    })
    await queue.put('ok')
    await expect(queue.put('full')).rejects.toMatchObject({ reason: Reason.Q_FULL })
    await connection.admin('ALTER QLOCAL(E2E.SMALL) GET(DISABLED)')
    await expect(queue.get()).rejects.toMatchObject({ reason: Reason.GET_INHIBITED })
    await expect(connect({ queueManager: 'QM9', connName })).rejects.toMatchObject({
      reason: Reason.Q_MGR_NAME_ERROR,
    })
    await connection.close()
    await expect(connection.open('E2E.SMALL')).rejects.toBeInstanceOf(MQError)
  })

  it('a client that vanishes mid unit of work has its work backed out', async () => {
    const setup = await connect({ connName })
    await setup.admin('DEFINE QLOCAL(E2E.VANISH) DEFPSIST(YES)')
    const doomed = await connect({ connName })
    const queue = await doomed.open('E2E.VANISH')
    await queue.put('uncommitted', { syncpoint: true })
    expect((await setup.query('E2E.VANISH')).status.uncommittedCount).toBe(1)
    // Drop the socket without GOODBYE, as a killed process would.
    ;(doomed as unknown as { session: { destroy(error: MQError): void } }).session.destroy(
      new MQError(Reason.CONNECTION_BROKEN),
    )
    for (let attempt = 0; attempt < 200; attempt++) {
      if ((await setup.query('E2E.VANISH')).status.uncommittedCount === 0) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const status = (await setup.query('E2E.VANISH')).status
    expect(status).toMatchObject({ uncommittedCount: 0, currentDepth: 0, openOutputCount: 0 })
    await setup.close()
  })

  it('consumes with the async iterator until the queue stays empty', async () => {
    const connection = await connect({ connName })
    await connection.admin('DEFINE QLOCAL(E2E.ITER)')
    const queue = await connection.open('E2E.ITER')
    await Promise.all(Array.from({ length: 100 }, (_, index) => queue.put(`m${index}`)))
    const seen: string[] = []
    for await (const message of queue.messages({ waitMs: 200 })) seen.push(text(message.body))
    expect(seen).toEqual(Array.from({ length: 100 }, (_, index) => `m${index}`))
    await connection.close()
  })
})
