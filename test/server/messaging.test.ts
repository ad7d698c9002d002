/**
 * Goal: every request of the protocol reaches the engine with MQ semantics over a real socket:
 * put, get, browse, units of work, pipelining with arrival-order effects, waiting gets that
 * hold up nothing else, CANCEL, handle errors, QUERY and ADMIN.
 * Method: raw clients (encodeFrame + FrameParser) against a real server and queue manager;
 * effects are checked over the wire or through the engine's status.
 */
import { Buffer } from 'node:buffer'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import {
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  encodeFrame,
  type ClientMessage,
} from '../../src/wire/client-protocol.js'
import {
  ServerFixture,
  bodyText,
  errorReason,
  getRequest,
  openQueue,
  putRequest,
} from './server-fixture.js'
import { expectType } from './wire-client.js'

let fixture: ServerFixture
let queueNumber = 0

beforeAll(async () => {
  fixture = await ServerFixture.start()
})
afterEach(async () => {
  await fixture.closeServers()
})
afterAll(async () => {
  await fixture.stop()
})

/** A fresh queue per test, so tests share the queue manager but not its state. */
async function freshQueue(maxDepth = 5000): Promise<string> {
  queueNumber++
  const name = `Q.MESSAGING.${queueNumber}`
  await fixture.defineQueue({ name, maxDepth })
  return name
}

function status(queueName: string) {
  return fixture.queueManager.engine.queueStatus(queueName)
}

describe('messaging over the wire', () => {
  it('puts and gets persistent and non-persistent messages with their descriptors', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true, output: true })
    const put = expectType(await client.request(putRequest(handle, 'one')), Opcode.PUT_OK)
    expect(put.descriptor.persistent).toBe(true)
    await client.request(putRequest(handle, 'two', { persistent: false }))
    const first = expectType(await client.request(getRequest(handle)), Opcode.MESSAGE)
    expect(Buffer.from(first.body).toString()).toBe('one')
    expect(Buffer.from(first.descriptor.msgId)).toEqual(Buffer.from(put.descriptor.msgId))
    const second = expectType(await client.request(getRequest(handle)), Opcode.MESSAGE)
    expect(Buffer.from(second.body).toString()).toBe('two')
    expect(second.descriptor.persistent).toBe(false)
    expect(errorReason(await client.request(getRequest(handle)))).toBe(Reason.NO_MSG_AVAILABLE)
  })

  it('browses first and next without removing', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { browse: true, output: true, input: true })
    for (const body of ['a', 'b']) await client.request(putRequest(handle, body))
    expect(bodyText(await client.request(getRequest(handle, { browse: 'first' })))).toBe('a')
    expect(bodyText(await client.request(getRequest(handle, { browse: 'next' })))).toBe('b')
    const end = await client.request(getRequest(handle, { browse: 'next' }))
    expect(errorReason(end)).toBe(Reason.NO_MSG_AVAILABLE)
    expect(status(queue).currentDepth).toBe(2)
    expect(bodyText(await client.request(getRequest(handle)))).toBe('a')
  })

  it('commits and backs out units of work', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const producer = await fixture.connect(server)
    const consumer = await fixture.connect(server)
    const output = await openQueue(producer, queue, { output: true })
    const input = await openQueue(consumer, queue, { input: true })
    await producer.request(putRequest(output, 'kept', { syncpoint: true }))
    expect(errorReason(await consumer.request(getRequest(input)))).toBe(Reason.NO_MSG_AVAILABLE)
    expect(expectType(await producer.request({ type: Opcode.COMMIT }), Opcode.OK)).toBeTruthy()
    await producer.request(putRequest(output, 'dropped', { syncpoint: true }))
    await producer.request({ type: Opcode.BACKOUT })
    expect(status(queue).currentDepth).toBe(1)

    const got = await consumer.request(getRequest(input, { syncpoint: true }))
    expect(bodyText(got)).toBe('kept')
    await consumer.request({ type: Opcode.BACKOUT })
    const again = expectType(await consumer.request(getRequest(input)), Opcode.MESSAGE)
    expect(Buffer.from(again.body).toString()).toBe('kept')
    expect(again.descriptor.backoutCount).toBe(1)
    expect(status(queue).currentDepth).toBe(0)
  })

  it('serves 1,000 pipelined puts and a COMMIT sent in one write, in arrival order', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { output: true })
    const frames: ClientMessage[] = []
    for (let index = 0; index < 1000; index++) {
      frames.push(client.frame(putRequest(handle, `m${index}`, { syncpoint: true })))
    }
    frames.push(client.frame({ type: Opcode.COMMIT }))
    const replies = frames.map((frame) => client.expect(frame.requestId))
    client.writeRaw(Buffer.concat(frames.map((frame) => encodeFrame(frame))))
    const answered = await Promise.all(replies)
    expect(answered.slice(0, 1000).every((reply) => reply.type === Opcode.PUT_OK)).toBe(true)
    expect(answered[1000]?.type).toBe(Opcode.OK)
    // The COMMIT took every put with it: all 1,000 are committed, none left in a unit of work.
    expect(status(queue)).toMatchObject({ currentDepth: 1000, uncommittedCount: 0 })

    const consumer = await fixture.connect(server)
    const input = await openQueue(consumer, queue, { input: true })
    expect(bodyText(await consumer.request(getRequest(input)))).toBe('m0')
  })

  it('applies a pipelined syncpoint GET before the BACKOUT that follows it', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true, output: true })
    await client.request(putRequest(handle, 'returned'))
    const get = client.frame(getRequest(handle, { syncpoint: true }))
    const backout = client.frame({ type: Opcode.BACKOUT })
    const replies = [client.expect(get.requestId), client.expect(backout.requestId)]
    client.writeRaw(Buffer.concat([encodeFrame(get), encodeFrame(backout)]))
    const [got, backedOut] = await Promise.all(replies)
    expect(bodyText(got!)).toBe('returned')
    expect(backedOut?.type).toBe(Opcode.OK)
    const again = expectType(await client.request(getRequest(handle)), Opcode.MESSAGE)
    expect(again.descriptor.backoutCount).toBe(1)
  })

  it('wakes a waiting GET with a put from another connection', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const consumer = await fixture.connect(server)
    const producer = await fixture.connect(server)
    const input = await openQueue(consumer, queue, { input: true })
    const output = await openQueue(producer, queue, { output: true })
    const waiting = consumer.request(getRequest(input, { waitMs: GET_WAIT_UNLIMITED_MS }))
    await producer.request(putRequest(output, 'wake up'))
    expect(bodyText(await waiting)).toBe('wake up')
  })

  it('keeps serving a connection while one of its GETs waits', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true, output: true })
    const waiting = client.request(getRequest(handle, { waitMs: GET_WAIT_UNLIMITED_MS }))
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
    const info = expectType(
      await client.request({ type: Opcode.QUERY, queueName: queue }),
      Opcode.QUEUE_INFO,
    )
    expect(info.status.openInputCount).toBe(1)
    await client.request(putRequest(handle, 'to myself'))
    expect(bodyText(await waiting)).toBe('to myself')
  })

  it('cancels a waiting GET: ERROR 2033 for the GET, then OK for the CANCEL', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true })
    const get = client.frame(getRequest(handle, { waitMs: GET_WAIT_UNLIMITED_MS }))
    const getReply = client.expect(get.requestId)
    client.writeRaw(encodeFrame(get))
    const cancelReply = await client.request({
      type: Opcode.CANCEL,
      targetRequestId: get.requestId,
    })
    expect(cancelReply.type).toBe(Opcode.OK)
    expect(errorReason(await getReply)).toBe(Reason.NO_MSG_AVAILABLE)
    const order = client.received.map((message) => message.requestId)
    expect(order.indexOf(get.requestId)).toBeLessThan(order.indexOf(cancelReply.requestId))
    // Nothing waits under that id any more: a second CANCEL is simply OK.
    const again = await client.request({ type: Opcode.CANCEL, targetRequestId: get.requestId })
    expect(again.type).toBe(Opcode.OK)
  })

  it('answers 2019 HOBJ_ERROR for unknown and closed handles', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    expect(errorReason(await client.request(putRequest(77, 'x')))).toBe(Reason.HOBJ_ERROR)
    expect(errorReason(await client.request(getRequest(77)))).toBe(Reason.HOBJ_ERROR)
    const unknownClose = await client.request({ type: Opcode.CLOSE_HANDLE, handle: 77 })
    expect(errorReason(unknownClose)).toBe(Reason.HOBJ_ERROR)

    const handle = await openQueue(client, queue, { input: true })
    const waiting = client.request(getRequest(handle, { waitMs: GET_WAIT_UNLIMITED_MS }))
    expect((await client.request({ type: Opcode.CLOSE_HANDLE, handle })).type).toBe(Opcode.OK)
    expect(errorReason(await waiting)).toBe(Reason.HOBJ_ERROR)
    expect(errorReason(await client.request(getRequest(handle)))).toBe(Reason.HOBJ_ERROR)
    expect(status(queue).openInputCount).toBe(0)
  })

  it('passes engine reasons through: unknown queue, wrong open purpose', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const unknown = await client.request({
      type: Opcode.OPEN,
      queueName: 'NO.SUCH.QUEUE',
      options: { input: true },
    })
    expect(errorReason(unknown)).toBe(Reason.UNKNOWN_OBJECT_NAME)
    const handle = await openQueue(client, queue, { input: true })
    const put = expectType(await client.request(putRequest(handle, 'x')), Opcode.ERROR)
    expect(put.reason).toBe(Reason.NOT_OPEN_FOR_OUTPUT)
    expect(put.compCode).toBe(2)
    const query = await client.request({ type: Opcode.QUERY, queueName: 'NO.SUCH.QUEUE' })
    expect(errorReason(query)).toBe(Reason.UNKNOWN_OBJECT_NAME)
  })

  it('answers QUERY with attributes and status', async () => {
    const queue = await freshQueue(42)
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { output: true })
    await client.request(putRequest(handle, 'x', { syncpoint: true }))
    const reply = await client.request({ type: Opcode.QUERY, queueName: queue })
    const info = expectType(reply, Opcode.QUEUE_INFO)
    expect(info.attributes).toMatchObject({ name: queue, maxDepth: 42 })
    expect(info.status).toMatchObject({ openOutputCount: 1, uncommittedCount: 1 })
  })

  it('runs ADMIN through the injected function, and refuses it without one', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const reply = await client.request({ type: Opcode.ADMIN, command: 'DISPLAY QLOCAL(*)' })
    const result = expectType(reply, Opcode.ADMIN_RESULT)
    expect(result).toMatchObject({ failedCount: 0, lines: ['ran: DISPLAY QLOCAL(*)'] })

    const bare = await fixture.listen({ admin: undefined })
    const other = await fixture.connect(bare)
    const refused = await other.request({ type: Opcode.ADMIN, command: 'DISPLAY QMGR' })
    expect(errorReason(refused)).toBe(Reason.NOT_AUTHORIZED)
  })

  it('answers an unexpected exception with 2195, logs it, and keeps serving', async () => {
    const logged: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString())
        done()
      },
    })
    const server = await fixture.listen({
      admin: () => Promise.reject(new TypeError('interpreter bug')),
      logger: pino({ level: 'error' }, sink),
    })
    const client = await fixture.connect(server)
    const reply = await client.request({ type: Opcode.ADMIN, command: 'DISPLAY QMGR' })
    const error = expectType(reply, Opcode.ERROR)
    expect(error.reason).toBe(Reason.UNEXPECTED_ERROR)
    expect(error.message).toContain('interpreter bug')
    expect(logged.join('')).toContain('interpreter bug')
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  })

  it('cuts an ADMIN transcript that would not fit one frame', async () => {
    const line = 'x'.repeat(10_000)
    const server = await fixture.listen({
      admin: async () => ({ lines: Array.from({ length: 200 }, () => line), failedCount: 3 }),
    })
    const client = await fixture.connect(server)
    const reply = await client.request({ type: Opcode.ADMIN, command: 'DISPLAY QLOCAL(*)' })
    const result = expectType(reply, Opcode.ADMIN_RESULT)
    expect(result.failedCount).toBe(3)
    expect(result.lines[0]?.length).toBe(8 * 1024)
    expect(result.lines.at(-1)).toContain('more lines left out')
  })
})
