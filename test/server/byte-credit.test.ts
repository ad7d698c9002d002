/**
 * Goal: the reply bytes one connection can have outstanding are bounded, end to end, and
 * nothing is lost on the way. A raw client that ignores any budget and pipelines many GETs of
 * large messages is stopped by the server's byte credit (SERVER_MAX_REPLY_BYTES_OUTSTANDING)
 * and then served in full as its replies are read; the client library keeps its GETs inside
 * its own budget, so the server never has to stop reading it, and a CANCEL still gets through.
 * Method: a real server and queue manager on loopback; a queue with MAXMSGL 1 MiB; more GETs
 * (waiting, unlimited) than the credit covers, then as many 1 MiB non-persistent messages put
 * from a second connection. The server's per-connection credit in use is sampled on every
 * turn while the test runs; every body is checked to arrive exactly once.
 */
import { Buffer } from 'node:buffer'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/client/index.js'
import {
  CLIENT_MAX_REPLY_BYTES_OUTSTANDING,
  SERVER_MAX_REPLY_BYTES_OUTSTANDING,
} from '../../src/constants.js'
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
const GET_COUNT = GETS_IN_CREDIT + 24

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

async function largeMessageQueue(): Promise<string> {
  queueNumber++
  const name = `Q.CREDIT.${queueNumber}`
  await fixture.defineQueue({ name, maxDepth: 100_000, maxMessageLength: MESSAGE_BYTES })
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

function body(index: number): Buffer {
  const bytes = Buffer.alloc(MESSAGE_BYTES, index % 251)
  bytes.writeUInt32LE(index, 0)
  return bytes
}

async function putAll(server: QueueManagerServer, queue: string, count: number): Promise<void> {
  const producer = await fixture.connect(server)
  const output = await openQueue(producer, queue, { output: true })
  for (let index = 0; index < count; index++) {
    const reply = await producer.request(putRequest(output, body(index), { persistent: false }))
    expect(reply.type).toBe(Opcode.PUT_OK)
  }
}

describe('byte credit', () => {
  it('stops reading a client whose GETs would exceed the credit, then serves them all', async () => {
    const queue = await largeMessageQueue()
    const server = await fixture.listen()
    const consumer = await fixture.connect(server)
    const input = await openQueue(consumer, queue, { input: true })
    const gets = Array.from({ length: GET_COUNT }, () =>
      consumer.frame(getRequest(input, { waitMs: GET_WAIT_UNLIMITED_MS })),
    )
    const replies = gets.map((get) => consumer.expect(get.requestId))
    const sampler = sampleCredit(server)
    consumer.writeRaw(Buffer.concat(gets.map((get) => encodeFrame(get))))
    await eventually(() => server.stats().creditPauseCount > 0)
    // Reading stopped with the credit used up: not every GET has reached the engine.
    expect(server.stats().requestsInFlight).toBeLessThan(GET_COUNT)
    expect(server.stats().requestsInFlight).toBeGreaterThanOrEqual(GETS_IN_CREDIT)

    await putAll(server, queue, GET_COUNT)
    const seen = new Set<number>()
    for (const reply of await Promise.all(replies)) {
      expect(reply.type).toBe(Opcode.MESSAGE)
      if (reply.type === Opcode.MESSAGE) seen.add(Buffer.from(reply.body).readUInt32LE(0))
    }
    expect(seen.size).toBe(GET_COUNT)
    const maxBytes = sampler.stop()
    expect(maxBytes).toBeLessThanOrEqual(SERVER_MAX_REPLY_BYTES_OUTSTANDING + RESERVED_PER_GET)
    expect(fixture.queueManager.engine.queueStatus(queue).currentDepth).toBe(0)
  })

  it('keeps the client library inside its budget: no credit stop, no loss, CANCEL works', async () => {
    const queue = await largeMessageQueue()
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

      await putAll(server, queue, GET_COUNT)
      const bodies = await Promise.all(gets)
      const seen = new Set(bodies.map((got) => Buffer.from(got.body).readUInt32LE(0)))
      expect(seen.size).toBe(GET_COUNT)
      const maxBytes = sampler.stop()
      expect(server.stats().creditPauseCount).toBe(0)
      expect(maxBytes).toBeLessThanOrEqual(CLIENT_MAX_REPLY_BYTES_OUTSTANDING + RESERVED_PER_GET)
    } finally {
      await connection.close()
    }
  })

  it('lets a PUT pass GETs held for the budget, so they cannot wait for it forever', async () => {
    const queue = await largeMessageQueue()
    const server = await fixture.listen()
    const connection = await connect({
      queueManager: 'QM1',
      connName: `127.0.0.1(${server.port})`,
    })
    try {
      const input = await connection.open(queue, { input: true })
      const output = await connection.open(queue, { output: true })
      // More waiting GETs than the budget lets on the wire, then the PUTs that satisfy them.
      const getCount = Math.ceil(CLIENT_MAX_REPLY_BYTES_OUTSTANDING / RESERVED_PER_GET) + 4
      const gets = Array.from({ length: getCount }, () => input.get({ waitMs: -1 }))
      const puts = Array.from({ length: getCount }, (_, index) =>
        output.put(body(index), { persistence: Persistence.NOT_PERSISTENT }),
      )
      await Promise.all(puts)
      expect((await Promise.all(gets)).length).toBe(getCount)
    } finally {
      await connection.close()
    }
  })
})
