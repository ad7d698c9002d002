/**
 * Goal: one client cannot hurt the others or the server's memory. A client that never reads its
 * replies stops being read (its buffered replies stay bounded) while others are served; a
 * client at its in-flight window is paused, not dropped, and resumes as requests complete;
 * hundreds of connections are served at once; heartbeats find a silent client and back out
 * its work, while a client that answers PINGs stays.
 * Method: real sockets; a raw client that pauses its socket plays the slow consumer. Progress
 * is observed through the server's stats, never through elapsed time.
 */
import { Buffer } from 'node:buffer'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SERVER_MAX_REQUESTS_IN_FLIGHT } from '../../src/constants.js'
import { GET_WAIT_UNLIMITED_MS, Opcode, encodeFrame } from '../../src/wire/client-protocol.js'
import {
  ServerFixture,
  bodyText,
  eventually,
  getRequest,
  openQueue,
  putRequest,
} from './server-fixture.js'
import { WireClient, expectType } from './wire-client.js'

let fixture: ServerFixture

beforeAll(async () => {
  fixture = await ServerFixture.start()
  await fixture.defineQueue({ name: 'Q.SLOW', maxDepth: 100_000 })
  await fixture.defineQueue({ name: 'Q.OTHER', maxDepth: 100_000 })
  // Small MAXMSGL: its GETs reserve little byte credit, so the request window is what binds.
  await fixture.defineQueue({ name: 'Q.WINDOW', maxDepth: 100_000, maxMessageLength: 1024 })
  await fixture.defineQueue({ name: 'Q.MANY', maxDepth: 100_000 })
  await fixture.defineQueue({ name: 'Q.HEARTBEAT', maxDepth: 100_000 })
})
afterEach(async () => {
  await fixture.closeServers()
})
afterAll(async () => {
  await fixture.stop()
})

describe('flow control', () => {
  it('stops reading a client that does not read, keeps its buffer bounded, serves others', async () => {
    const server = await fixture.listen()
    const setup = await fixture.connect(server)
    const output = await openQueue(setup, 'Q.SLOW', { output: true })
    const body = Buffer.alloc(64 * 1024, 7)
    await setup.request(putRequest(output, body, { persistent: false }))

    const slow = await fixture.connect(server)
    const browse = await openQueue(slow, 'Q.SLOW', { browse: true })
    slow.socket.pause()
    // 1,000 browses of a 64 KiB message: 64 MiB of replies the client will not read for now.
    const gets = Array.from({ length: 1000 }, () =>
      slow.frame(getRequest(browse, { browse: 'first' })),
    )
    const replies = gets.map((get) => slow.expect(get.requestId))
    slow.writeRaw(Buffer.concat(gets.map((get) => encodeFrame(get))))
    await eventually(() => server.stats().pausedForOutputCount === 1)

    const other = await fixture.connect(server)
    const handle = await openQueue(other, 'Q.OTHER', { input: true, output: true })
    await other.request(putRequest(handle, 'not blocked'))
    expect(bodyText(await other.request(getRequest(handle)))).toBe('not blocked')
    // Bounded: the high-water mark plus one turn of replies, far below the 64 MiB asked for.
    expect(server.stats().bufferedOutputBytes).toBeLessThan(16 * 1024 * 1024)
    expect(server.stats().pausedForOutputCount).toBe(1)

    slow.socket.resume()
    const answered = await Promise.all(replies)
    expect(answered.every((reply) => reply.type === Opcode.MESSAGE)).toBe(true)
    expect(server.stats().pausedForOutputCount).toBe(0)
  })

  it('pauses a client at its in-flight window and resumes it as requests complete', async () => {
    const server = await fixture.listen()
    const consumer = await fixture.connect(server)
    const input = await openQueue(consumer, 'Q.WINDOW', { input: true })
    const count = SERVER_MAX_REQUESTS_IN_FLIGHT + 72
    const gets = Array.from({ length: count }, () =>
      consumer.frame(getRequest(input, { waitMs: GET_WAIT_UNLIMITED_MS })),
    )
    const replies = gets.map((get) => consumer.expect(get.requestId))
    consumer.writeRaw(Buffer.concat(gets.map((get) => encodeFrame(get))))
    await eventually(() => server.stats().requestsInFlight === SERVER_MAX_REQUESTS_IN_FLIGHT)
    expect(fixture.queueManager.engine.queueStatus('Q.WINDOW').openInputCount).toBe(1)

    const producer = await fixture.connect(server)
    const output = await openQueue(producer, 'Q.WINDOW', { output: true })
    const puts = Array.from({ length: count }, (_, index) =>
      producer.request(putRequest(output, `w${index}`, { persistent: false })),
    )
    await Promise.all(puts)
    const answered = await Promise.all(replies)
    const bodies = new Set(answered.map((reply) => bodyText(reply)))
    expect(bodies.size).toBe(count)
  })

  it('serves 500 connections at once', async () => {
    const server = await fixture.listen()
    const clients = await Promise.all(Array.from({ length: 500 }, () => fixture.connect(server)))
    expect(server.connectionCount).toBe(500)
    await Promise.all(
      clients.map(async (client, index) => {
        const handle = await openQueue(client, 'Q.MANY', { input: true, output: true })
        await client.request(putRequest(handle, `c${index}`, { persistent: false }))
        expect((await client.request(getRequest(handle))).type).toBe(Opcode.MESSAGE)
      }),
    )
    await Promise.all(clients.map((client) => client.goodbye()))
    await eventually(() => server.connectionCount === 0)
    expect(fixture.queueManager.engine.queueStatus('Q.MANY')).toMatchObject({
      currentDepth: 0,
      openInputCount: 0,
    })
  })

  it('PINGs a silent client, closes it when PINGs go unanswered, and backs out its work', async () => {
    const server = await fixture.listen({ heartbeatMs: 40 })
    const silent = await WireClient.connected(server.port, {}, { answerPings: false })
    const handle = await openQueue(silent, 'Q.HEARTBEAT', { output: true })
    await silent.request(putRequest(handle, 'uncommitted', { syncpoint: true }))
    expect(expectType(await silent.nextUnsolicited(), Opcode.PING).requestId).toBeGreaterThan(0)
    await silent.closed
    await eventually(() => server.connectionCount === 0)
    expect(fixture.queueManager.engine.queueStatus('Q.HEARTBEAT')).toMatchObject({
      currentDepth: 0,
      uncommittedCount: 0,
      openOutputCount: 0,
    })
  })

  it('keeps a client that answers its PINGs', async () => {
    const server = await fixture.listen({ heartbeatMs: 150 })
    const client = await fixture.connect(server)
    for (let ping = 0; ping < 3; ping++) {
      expect((await client.nextUnsolicited()).type).toBe(Opcode.PING)
    }
    expect(client.hasClosed).toBe(false)
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  })
})
