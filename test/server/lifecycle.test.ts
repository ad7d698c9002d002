/**
 * Goal: however a connection ends, its engine connection is closed: handles released (IPPROCS,
 * OPPROCS drop), its unit of work backed out, its waiting GETs gone; and closing the server
 * tells clients GOODBYE 2161 first. A port in use is reported naming the port.
 * Method: real sockets and queue manager; clients vanish (destroy), say GOODBYE, or are closed
 * by the server; effects are read from the engine's queue status.
 */
import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors.js'
import { QueueManagerServer } from '../../src/server/server.js'
import { GET_WAIT_UNLIMITED_MS, Opcode } from '../../src/wire/client-protocol.js'
import {
  ServerFixture,
  errorReason,
  eventually,
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

async function freshQueue(): Promise<string> {
  queueNumber++
  const name = `Q.LIFECYCLE.${queueNumber}`
  await fixture.defineQueue({ name })
  return name
}

function status(queueName: string) {
  return fixture.queueManager.engine.queueStatus(queueName)
}

describe('connection lifecycle', () => {
  it('backs out the unit of work of a client that vanishes mid-way', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true, output: true })
    for (const body of ['m0', 'm1', 'm2']) await client.request(putRequest(handle, body))
    await client.request(putRequest(handle, 'u0', { syncpoint: true }))
    await client.request(putRequest(handle, 'u1', { syncpoint: true }))
    await client.request(getRequest(handle, { syncpoint: true }))
    expect(status(queue)).toMatchObject({ openInputCount: 1, openOutputCount: 1 })
    expect(status(queue).uncommittedCount).toBe(3)

    client.destroy()
    await eventually(() => server.connectionCount === 0)
    expect(status(queue)).toMatchObject({
      currentDepth: 3,
      uncommittedCount: 0,
      openInputCount: 0,
      openOutputCount: 0,
    })
    const reader = await fixture.connect(server)
    const input = await openQueue(reader, queue, { input: true })
    const first = expectType(await reader.request(getRequest(input)), Opcode.MESSAGE)
    expect(Buffer.from(first.body).toString()).toBe('m0')
    expect(first.descriptor.backoutCount).toBe(1)
  })

  it('forgets the waiting GET of a client that vanishes', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { input: true })
    void client.request(getRequest(handle, { waitMs: GET_WAIT_UNLIMITED_MS }))
    await client.request({ type: Opcode.PING })
    client.destroy()
    await eventually(() => server.connectionCount === 0)
    const producer = await fixture.connect(server)
    const output = await openQueue(producer, queue, { output: true })
    await producer.request(putRequest(output, 'nobody took me'))
    expect(status(queue).currentDepth).toBe(1)
  })

  it('backs out and closes after GOODBYE', async () => {
    const queue = await freshQueue()
    const server = await fixture.listen()
    const client = await fixture.connect(server)
    const handle = await openQueue(client, queue, { output: true })
    await client.request(putRequest(handle, 'undone', { syncpoint: true }))
    await client.goodbye()
    await eventually(() => server.connectionCount === 0)
    expect(status(queue)).toMatchObject({ currentDepth: 0, openOutputCount: 0 })
  })

  for (const graceful of [true, false]) {
    it(`closes the server (graceful: ${graceful}): GOODBYE 2161, waits answered, work backed out`, async () => {
      const queue = await freshQueue()
      const server = await fixture.listen()
      const client = await fixture.connect(server)
      const handle = await openQueue(client, queue, { input: true, output: true })
      await client.request(putRequest(handle, 'in a unit of work', { syncpoint: true }))
      const waiting = client.request(getRequest(handle, { waitMs: GET_WAIT_UNLIMITED_MS }))
      await client.request({ type: Opcode.PING })

      await server.close({ graceful })
      expect(server.connectionCount).toBe(0)
      await client.closed
      const goodbye = client.received.find((message) => message.type === Opcode.GOODBYE)
      expect(goodbye).toMatchObject({ requestId: 0, reason: Reason.Q_MGR_QUIESCING })
      if (graceful) expect(errorReason(await waiting)).toBe(Reason.Q_MGR_QUIESCING)
      expect(status(queue)).toMatchObject({ currentDepth: 0, uncommittedCount: 0 })
      expect(status(queue)).toMatchObject({ openInputCount: 0, openOutputCount: 0 })
      await expect(connectOnce(server.port)).rejects.toThrow(/ECONNREFUSED/)
    })
  }

  it('rejects a port in use, naming it', async () => {
    const server = await fixture.listen()
    const clash = QueueManagerServer.listen({
      queueManager: fixture.queueManager,
      port: server.port,
    })
    await expect(clash).rejects.toThrow(
      new RegExp(`port ${server.port} is already in use \\(EADDRINUSE\\)`),
    )
  })
})

function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.destroy()
      resolve()
    })
  })
}
