/**
 * Goal: the reply bytes one connection holds are bounded by the real size of what its GETs
 * took, end to end, and nothing is lost on the way. A GET takes a message only when its
 * connection has byte credit (SERVER_MAX_REPLY_BYTES_OUTSTANDING) for that message's reply;
 * otherwise the message stays queued and the GET waits. So a client that stops reading stops
 * taking messages, small messages pipeline freely on a queue with a large MAXMSGL, and credit
 * never stops the server reading (CANCEL gets through, also for a GET waiting for credit).
 * Method: a real server and queue manager on loopback; queues with MAXMSGL 1 MiB or 4 MiB; more
 * waiting GETs than the credit covers, a consumer that pauses its socket while as many 1 MiB
 * non-persistent messages are put from a second connection. The server's per-connection credit
 * in use is sampled on every turn while the test runs; every body is checked to arrive once.
 */
import { Buffer } from 'node:buffer'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/client/index.js'
import { SERVER_MAX_REPLY_BYTES_OUTSTANDING } from '../../src/constants.js'
import { Persistence } from '../../src/queue/types.js'
import type { QueueManagerServer } from '../../src/server/server.js'
import {
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  encodeFrame,
  maxMessageFrameBytes,
} from '../../src/wire/client-protocol.js'
import { ServerFixture, eventually, getRequest, openQueue, putRequest } from './server-fixture.js'

const MESSAGE_BYTES = 1024 * 1024
const RESERVED_PER_GET = maxMessageFrameBytes(MESSAGE_BYTES)
const GETS_IN_CREDIT = Math.ceil(SERVER_MAX_REPLY_BYTES_OUTSTANDING / RESERVED_PER_GET)
// Well past the credit plus what loopback socket buffers can take while the consumer pauses.
const GET_COUNT = GETS_IN_CREDIT + 48

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

async function creditQueue(maxMessageLength = MESSAGE_BYTES): Promise<string> {
  queueNumber++
  const name = `Q.CREDIT.${queueNumber}`
  await fixture.defineQueue({ name, maxDepth: 100_000, maxMessageLength })
  return name
}

/** Samples the largest per-connection credit in use, every turn, until stopped. */
function sampleCredit(server: QueueManagerServer): { stop(): number } {
  let maxBytes = 0
  let timer: NodeJS.Immediate | undefined
  const sample = (): void => {
    maxBytes = Math.max(maxBytes, server.stats().maxConnectionReplyBytes)
    timer = setImmediate(sample)
  }
  sample()
  return {
    stop: () => {
      clearImmediate(timer)
      return maxBytes
    },
  }
}

function body(index: number, bytes = MESSAGE_BYTES): Buffer {
  const content = Buffer.alloc(bytes, index % 251)
  content.writeUInt32LE(index, 0)
  return content
}

async function putAll(
  server: QueueManagerServer,
  queue: string,
  count: number,
  bytes = MESSAGE_BYTES,
): Promise<void> {
  const producer = await fixture.connect(server)
  const output = await openQueue(producer, queue, { output: true })
  for (let index = 0; index < count; index++) {
    const reply = await producer.request(
      putRequest(output, body(index, bytes), { persistent: false }),
    )
    expect(reply.type).toBe(Opcode.PUT_OK)
  }
}

describe('byte credit', () => {
  it('takes no message a paused client has no credit for, then serves every GET', async () => {
    const queue = await creditQueue()
    const server = await fixture.listen()
    const consumer = await fixture.connect(server)
    const input = await openQueue(consumer, queue, { input: true })
    const gets = Array.from({ length: GET_COUNT }, () =>
      consumer.frame(getRequest(input, { waitMs: GET_WAIT_UNLIMITED_MS })),
    )
    const replies = gets.map((get) => consumer.expect(get.requestId))
    consumer.writeRaw(Buffer.concat(gets.map((get) => encodeFrame(get))))
    // Credit never stops reading: every GET reaches the engine.
    await eventually(() => server.stats().requestsInFlight === GET_COUNT)
    const sampler = sampleCredit(server)
    consumer.socket.pause()
    await putAll(server, queue, GET_COUNT)
    await eventually(() => server.stats().creditRefusalCount > 0)
    // The messages the credit did not cover are still on the queue.
    expect(fixture.queueManager.engine.queueStatus(queue).currentDepth).toBeGreaterThan(0)
    consumer.socket.resume()

    const seen = new Set<number>()
    for (const reply of await Promise.all(replies)) {
      expect(reply.type).toBe(Opcode.MESSAGE)
      if (reply.type === Opcode.MESSAGE) seen.add(Buffer.from(reply.body).readUInt32LE(0))
    }
    expect(seen.size).toBe(GET_COUNT)
    expect(sampler.stop()).toBeLessThanOrEqual(
      SERVER_MAX_REPLY_BYTES_OUTSTANDING + RESERVED_PER_GET,
    )
    expect(fixture.queueManager.engine.queueStatus(queue).currentDepth).toBe(0)
  })

  it('pipelines GETs of small messages on a queue whose MAXMSGL is large', async () => {
    const count = 400
    const queue = await creditQueue(4 * MESSAGE_BYTES)
    const server = await fixture.listen()
    await putAll(server, queue, count, 1024)
    const consumer = await fixture.connect(server)
    const input = await openQueue(consumer, queue, { input: true })
    const gets = Array.from({ length: count }, () => consumer.frame(getRequest(input)))
    const replies = gets.map((get) => consumer.expect(get.requestId))
    consumer.writeRaw(Buffer.concat(gets.map((get) => encodeFrame(get))))
    for (const reply of await Promise.all(replies)) expect(reply.type).toBe(Opcode.MESSAGE)
    // 400 × 4 MiB would be 1.6 GiB: only the real sizes were counted.
    expect(server.stats().creditRefusalCount).toBe(0)
  })

  it('lets the client library pipeline its GETs: no loss, bounded credit, CANCEL works', async () => {
    const queue = await creditQueue()
    const server = await fixture.listen()
    const connection = await connect({
      queueManager: 'QM1',
      connName: `127.0.0.1(${server.port})`,
    })
    try {
      const handle = await connection.open(queue, { input: true })
      const sampler = sampleCredit(server)
      const gets = Array.from({ length: GET_COUNT }, () => handle.get({ waitMs: -1 }))
      const aborted = new AbortController()
      const cancelled = handle.get({ waitMs: -1, signal: aborted.signal })
      aborted.abort(new Error('no longer wanted'))
      await expect(cancelled).rejects.toThrow('no longer wanted')
      // No byte budget holds GETs in the client any more: all of them are on the server.
      await eventually(() => server.stats().requestsInFlight >= GET_COUNT)

      await putAll(server, queue, GET_COUNT)
      const bodies = await Promise.all(gets)
      const seen = new Set(bodies.map((got) => Buffer.from(got.body).readUInt32LE(0)))
      expect(seen.size).toBe(GET_COUNT)
      const maxBytes = sampler.stop()
      expect(maxBytes).toBeLessThanOrEqual(SERVER_MAX_REPLY_BYTES_OUTSTANDING + RESERVED_PER_GET)
    } finally {
      await connection.close()
    }
  })

  it('lets a PUT pass waiting GETs on the same connection, so they cannot wait forever', async () => {
    const queue = await creditQueue()
    const server = await fixture.listen()
    const connection = await connect({
      queueManager: 'QM1',
      connName: `127.0.0.1(${server.port})`,
    })
    try {
      const input = await connection.open(queue, { input: true })
      const output = await connection.open(queue, { output: true })
      // More waiting GETs than the credit covers, then the PUTs that satisfy them.
      const gets = Array.from({ length: GET_COUNT }, () => input.get({ waitMs: -1 }))
      const puts = Array.from({ length: GET_COUNT }, (_, index) =>
        output.put(body(index), { persistence: Persistence.NOT_PERSISTENT }),
      )
      await Promise.all(puts)
      expect((await Promise.all(gets)).length).toBe(GET_COUNT)
    } finally {
      await connection.close()
    }
  })
})
