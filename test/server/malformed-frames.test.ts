/**
 * Goal: bad bytes from one client cost that client only. A frame that keeps its boundaries is
 * answered ERROR under its request id and the connection goes on; a header that cannot be
 * trusted is answered ERROR under id 0 and the connection closes; the server keeps serving
 * everyone else, and no request ever meets an unexpected exception.
 * Method: raw bytes over real sockets: truncated and oversized frames, a golden request
 * sequence sent one byte per write, and a time-boxed fast-check fuzz of random bytes and
 * bit-flipped valid frames, each on its own connection, followed by a clean client.
 */
import { Buffer } from 'node:buffer'
import { Writable } from 'node:stream'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import {
  GET_WAIT_UNLIMITED_MS,
  Opcode,
  encodeFrame,
  type ClientMessage,
} from '../../src/wire/client-protocol.js'
import type { QueueManagerServer } from '../../src/server/server.js'
import {
  ServerFixture,
  bodyText,
  errorReason,
  eventually,
  getRequest,
  openQueue,
  putRequest,
} from './server-fixture.js'
import { WireClient, expectType, helloFrame, type Request } from './wire-client.js'

let fixture: ServerFixture
const QUEUE = 'Q.MALFORMED'

beforeAll(async () => {
  fixture = await ServerFixture.start()
  await fixture.defineQueue({ name: QUEUE, maxDepth: 100_000 })
})
afterEach(async () => {
  await fixture.closeServers()
})
afterAll(async () => {
  await fixture.stop()
})

/** Encodes requests with ids 1, 2, 3... as one client would pipeline them. */
function encodeRequests(requests: readonly Request[]): Buffer {
  const frames = requests.map((request, index) =>
    encodeFrame({ ...request, requestId: index + 1 } as ClientMessage),
  )
  return Buffer.concat(frames)
}

async function assertCleanClientWorks(server: QueueManagerServer): Promise<void> {
  const client = await fixture.connect(server)
  const handle = await openQueue(client, QUEUE, { input: true, output: true })
  await client.request(putRequest(handle, 'clean', { persistent: false }))
  const got = await client.request({ ...getRequest(handle), options: { waitMs: 0 } })
  expect(got.type).toBe(Opcode.MESSAGE)
  await client.goodbye()
}

describe('malformed frames', () => {
  it('answers a truncated payload under its request id and keeps the connection', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, QUEUE, { output: true })
    const put = client.frame(putRequest(handle, 'a body of some length'))
    const bytes = encodeFrame(put)
    const cut = 5
    // The header now promises 5 bytes fewer: the frame is whole but the body field is short.
    bytes.writeUInt32LE(bytes.readUInt32LE(0) - cut, 0)
    const reply = client.expect(put.requestId)
    client.writeRaw(bytes.subarray(0, bytes.length - cut))
    expect(expectType(await reply, Opcode.ERROR).message).toContain('body')
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  })

  it('answers an unknown opcode and a server-only opcode, and keeps the connection', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const ping = client.frame({ type: Opcode.PING })
    const unknown = encodeFrame(ping)
    unknown.writeUInt8(0x42, 4)
    const reply = client.expect(ping.requestId)
    client.writeRaw(unknown)
    expect(errorReason(await reply)).toBe(Reason.UNEXPECTED_ERROR)
    const ok = client.frame({ type: Opcode.OK })
    const okReply = client.expect(ok.requestId)
    client.writeRaw(encodeFrame(ok))
    expect(expectType(await okReply, Opcode.ERROR).message).toContain('server')
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  })

  it('closes a connection whose length field is 0xFFFFFFFF; others are unaffected', async () => {
    const server = await fixture.listen()
    const bystander = await fixture.connect(server)
    const client = await fixture.connect(server)
    const bytes = encodeFrame(client.frame({ type: Opcode.PING }))
    bytes.writeUInt32LE(0xffff_ffff, 0)
    client.writeRaw(bytes)
    const error = expectType(await client.nextUnsolicited(), Opcode.ERROR)
    expect(error.requestId).toBe(0)
    expect(error.reason).toBe(Reason.CONNECTION_BROKEN)
    await client.closed
    expect((await bystander.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
    await assertCleanClientWorks(server)
  })

  it('closes a connection with reserved header bits set', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const bytes = encodeFrame(client.frame({ type: Opcode.PING }))
    bytes.writeUInt8(1, 5)
    client.writeRaw(bytes)
    expect(errorReason(await client.nextUnsolicited())).toBe(Reason.CONNECTION_BROKEN)
    await client.closed
  })

  it('closes a connection whose stream ends inside a frame, and serves others', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const bytes = encodeFrame(client.frame(putRequest(1, 'never finished')))
    client.socket.end(bytes.subarray(0, bytes.length - 3))
    await client.closed
    await assertCleanClientWorks(server)
  })

  it('serves a golden request sequence sent one byte per write', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const bytes = encodeRequests([
      helloFrame(),
      { type: Opcode.OPEN, queueName: QUEUE, options: { input: true, output: true } },
      putRequest(1, 'byte by byte'),
      { ...getRequest(1), options: { waitMs: GET_WAIT_UNLIMITED_MS } },
      { type: Opcode.QUERY, queueName: QUEUE },
      { type: Opcode.PING },
    ])
    const replies = [1, 2, 3, 4, 5, 6].map((id) => client.expect(id))
    for (const byte of bytes) {
      client.writeRaw(Buffer.from([byte]))
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const [hello, open, put, get, query, pong] = await Promise.all(replies)
    expect(hello?.type).toBe(Opcode.HELLO_OK)
    expect(expectType(open!, Opcode.OPEN_OK).handle).toBe(1)
    expect(put?.type).toBe(Opcode.PUT_OK)
    expect(bodyText(get!)).toBe('byte by byte')
    expect(query?.type).toBe(Opcode.QUEUE_INFO)
    expect(pong?.type).toBe(Opcode.PONG)
    await client.goodbye()
  })

  it('survives random bytes and bit-flipped frames (fuzz, time-boxed)', async () => {
    const logged: Record<string, unknown>[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const server = await fixture.listen({ logger: pino({ level: 'error' }, sink) })
    const hello = encodeRequests([helloFrame()])
    const golden = encodeRequests([
      helloFrame(),
      { type: Opcode.OPEN, queueName: QUEUE, options: { input: true, output: true } },
      putRequest(1, 'fuzz', { syncpoint: true }),
      { ...getRequest(1), options: { waitMs: GET_WAIT_UNLIMITED_MS, syncpoint: true } },
      { type: Opcode.CANCEL, targetRequestId: 4 },
      { type: Opcode.QUERY, queueName: QUEUE },
      { type: Opcode.ADMIN, command: 'DISPLAY QLOCAL(*)' },
      { type: Opcode.COMMIT },
      { type: Opcode.BACKOUT },
      { type: Opcode.CLOSE_HANDLE, handle: 1 },
      { type: Opcode.PING },
    ])
    const flipped = fc
      .array(fc.nat({ max: golden.length * 8 - 1 }), { minLength: 1, maxLength: 6 })
      .map((bits) => {
        const bytes = Buffer.from(golden)
        for (const bit of bits) bytes[bit >> 3]! ^= 1 << (bit & 7)
        return bytes
      })
    const random = fc
      .tuple(fc.boolean(), fc.uint8Array({ maxLength: 600 }))
      .map(([afterHello, bytes]) => Buffer.concat([afterHello ? hello : Buffer.alloc(0), bytes]))
    const cuts = fc.nat({ max: golden.length }).map((length) => golden.subarray(0, length))

    await fc.assert(
      fc.asyncProperty(fc.oneof(flipped, random, cuts), async (bytes) => {
        const client = await WireClient.connect(server.port)
        // The end of the stream makes the server finish, back out and close this connection.
        client.socket.end(bytes)
        await client.closed
      }),
      { numRuns: 5000, interruptAfterTimeLimit: 4000 },
    )
    await assertCleanClientWorks(server)
    await eventually(() => server.connectionCount === 0)
    expect(logged.filter((line) => line['msg'] !== 'listener error')).toEqual([])
    expect(fixture.queueManager.engine.queueStatus(QUEUE)).toMatchObject({
      openInputCount: 0,
      openOutputCount: 0,
      uncommittedCount: 0,
    })
  })
})
