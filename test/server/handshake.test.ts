/**
 * Goal: the server answers HELLO as the protocol says (version, queue manager name, heartbeat)
 * and refuses anything else as a first frame with ERROR, then closes that connection only.
 * Method: raw clients against a real server and queue manager on 127.0.0.1.
 */
import { Buffer } from 'node:buffer'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES } from '../../src/constants.js'
import { Reason } from '../../src/errors.js'
import { CLIENT_FRAME_HEADER_BYTES } from '../../src/constants.js'
import { Opcode, encodeFrame } from '../../src/wire/client-protocol.js'
import { ServerFixture, errorReason, putRequest } from './server-fixture.js'
import { WireClient, expectType, helloFrame } from './wire-client.js'

let fixture: ServerFixture

beforeAll(async () => {
  fixture = await ServerFixture.start()
})
afterEach(async () => {
  await fixture.closeServers()
})
afterAll(async () => {
  await fixture.stop()
})

describe('handshake', () => {
  it('answers HELLO with HELLO_OK: version, name, larger heartbeat, limit, connection id', async () => {
    const server = await fixture.listen({ heartbeatMs: 60_000 })
    const client = await fixture.connectRaw(server)
    const reply = await client.request(helloFrame({ heartbeatMs: 90_000, maxVersion: 7 }))
    const ok = expectType(reply, Opcode.HELLO_OK)
    expect(ok.version).toBe(1)
    expect(ok.queueManager).toBe('QM1')
    expect(ok.heartbeatMs).toBe(90_000)
    expect(ok.maxMessageBytes).toBe(MAX_MESSAGE_BYTES)
    expect(ok.connectionId).toHaveLength(24)
    expect(server.connectionCount).toBe(1)
  })

  it('accepts an empty queue manager name as "whichever listens here"', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const reply = await client.request(helloFrame({ queueManager: '' }))
    expect(expectType(reply, Opcode.HELLO_OK).queueManager).toBe('QM1')
  })

  it('refuses another queue manager name with 2058 and closes', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const reply = await client.request(helloFrame({ queueManager: 'QM2' }))
    expect(errorReason(reply)).toBe(Reason.Q_MGR_NAME_ERROR)
    await client.closed
    await assertServesCleanClient(server.port)
  })

  it('refuses a HELLO with a bad magic and closes', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const hello = client.frame(helloFrame())
    const bytes = encodeFrame(hello)
    bytes.write('QMQX', CLIENT_FRAME_HEADER_BYTES, 'latin1')
    const reply = client.expect(hello.requestId)
    client.writeRaw(bytes)
    expect(errorReason(await reply)).toBe(Reason.UNEXPECTED_ERROR)
    expect(expectType(await reply, Opcode.ERROR).message).toContain('magic')
    await client.closed
    await assertServesCleanClient(server.port)
  })

  it('refuses a request sent before HELLO with 2018 and closes', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const reply = await client.request(putRequest(1, 'too early'))
    expect(errorReason(reply)).toBe(Reason.HCONN_ERROR)
    await client.closed
  })

  it('refuses a client with no version in common and closes', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    const reply = await client.request(helloFrame({ minVersion: 2, maxVersion: 3 }))
    expect(expectType(reply, Opcode.ERROR).message).toContain('no protocol version in common')
    await client.closed
  })

  it('answers a second HELLO with ERROR and keeps the connection', async () => {
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    expect(errorReason(await client.request(helloFrame()))).toBe(Reason.ALREADY_CONNECTED)
    expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  })

  it('closes a connection whose stream ends before HELLO', async () => {
    const server = await fixture.listen()
    const client = await fixture.connectRaw(server)
    client.socket.end(Buffer.from([1, 2, 3]))
    await client.closed
    await assertServesCleanClient(server.port)
  })
})

async function assertServesCleanClient(port: number): Promise<void> {
  const client = await WireClient.connected(port)
  expect((await client.request({ type: Opcode.PING })).type).toBe(Opcode.PONG)
  await client.goodbye()
}
