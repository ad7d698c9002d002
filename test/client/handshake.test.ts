/**
 * Goal: connect() speaks HELLO as the protocol says, takes what HELLO_OK settles, tries a
 * connection-name list in order, and reports failures with MQ's reasons: 2058 for a wrong
 * queue manager name, 2059 with each address's cause when nothing answers, an abort's reason.
 * Method: fake queue managers on 127.0.0.1 port 0, ports known to refuse, a listener that
 * accepts and never answers; outcomes only, no timing.
 */
import { createServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { ClientReason, connect } from '../../src/client/index.js'
import { isMQError, Reason } from '../../src/errors.js'
import { CLIENT_PROTOCOL_VERSION, Opcode } from '../../src/wire/client-protocol.js'
import { refusedPort } from './fake-queue-manager.js'
import { afterTest, connectTo, expectReason, startFake } from './helpers.js'

describe('handshake', () => {
  it('sends HELLO and takes the settled name, limit and heartbeat', async () => {
    const fake = await startFake({ name: 'QM1', maxMessageBytes: 1000 })
    const connection = await connectTo(fake, {
      queueManager: 'QM1',
      clientName: 'handshake-test',
      heartbeatMs: 30_000,
    })
    expect(connection.queueManagerName).toBe('QM1')
    expect(connection.maxMessageBytes).toBe(1000)
    expect(connection.connectionId).toEqual(new Uint8Array(24).fill(7))
    const [hello] = fake.framesOf(Opcode.HELLO)
    expect(hello).toMatchObject({
      requestId: 1,
      minVersion: 1,
      maxVersion: CLIENT_PROTOCOL_VERSION,
      queueManager: 'QM1',
      clientName: 'handshake-test',
      heartbeatMs: 30_000,
      authMechanism: 0,
    })
  })

  it('connects to any queue manager when none is named', async () => {
    const fake = await startFake({ name: 'QMANY' })
    const connection = await connectTo(fake)
    expect(connection.queueManagerName).toBe('QMANY')
    expect(fake.framesOf(Opcode.HELLO)[0]?.queueManager).toBe('')
  })

  it('agrees on the highest version both speak', async () => {
    const fake = await startFake({ minVersion: 1, maxVersion: 3 })
    await connectTo(fake)
    const hello = fake.framesOf(Opcode.HELLO)[0]
    expect(hello?.maxVersion).toBe(CLIENT_PROTOCOL_VERSION)
  })

  it('fails when no version is shared', async () => {
    const fake = await startFake({ minVersion: 2, maxVersion: 3 })
    await expectReason(connect({ connName: fake.connName }), Reason.UNEXPECTED_ERROR)
  })

  it('refuses a server that picks a version outside the offer', async () => {
    const fake = await startFake({
      intercept: (message, peer) => {
        if (message.type !== Opcode.HELLO) return false
        peer.send({
          type: Opcode.HELLO_OK,
          requestId: message.requestId,
          version: CLIENT_PROTOCOL_VERSION + 1,
          queueManager: 'QM1',
          heartbeatMs: 0,
          maxMessageBytes: 100,
          connectionId: new Uint8Array(24),
        })
        return true
      },
    })
    await expectReason(connect({ connName: fake.connName }), Reason.UNEXPECTED_ERROR)
  })

  it('fails 2058 when the queue manager has another name', async () => {
    const fake = await startFake({ name: 'QM1' })
    const error = await expectReason(
      connect({ connName: fake.connName, queueManager: 'QM2' }),
      Reason.Q_MGR_NAME_ERROR,
    )
    expect(error.compCode).toBe(2)
  })

  it('fails 2058 when HELLO_OK names another queue manager than asked', async () => {
    const fake = await startFake({
      intercept: (message, peer) => {
        if (message.type !== Opcode.HELLO) return false
        peer.send({
          type: Opcode.HELLO_OK,
          requestId: message.requestId,
          version: 1,
          queueManager: 'OTHER',
          heartbeatMs: 0,
          maxMessageBytes: 100,
          connectionId: new Uint8Array(24),
        })
        return true
      },
    })
    const connecting = connect({ connName: fake.connName, queueManager: 'QM1' })
    await expectReason(connecting, Reason.Q_MGR_NAME_ERROR)
  })

  it('tries the list in order: a refusing first address, then the next', async () => {
    const refused = await refusedPort()
    const second = await startFake({ name: 'SECOND' })
    const third = await startFake({ name: 'THIRD' })
    const connection = await connect({
      connName: `127.0.0.1(${refused}),${second.connName},${third.connName}`,
      heartbeatMs: 0,
    })
    afterTest(() => connection.close())
    expect(connection.queueManagerName).toBe('SECOND')
    expect(third.framesOf(Opcode.HELLO)).toHaveLength(0)
  })

  it('moves past a queue manager with the wrong name to the next address', async () => {
    const wrong = await startFake({ name: 'QMX' })
    const right = await startFake({ name: 'QM1' })
    const connection = await connect({
      connName: `${wrong.connName},${right.connName}`,
      queueManager: 'QM1',
      heartbeatMs: 0,
    })
    afterTest(() => connection.close())
    expect(connection.queueManagerName).toBe('QM1')
  })

  it('fails 2059 with every address cause when all refuse', async () => {
    const first = await refusedPort()
    const second = await refusedPort()
    const connName = `127.0.0.1(${first}),127.0.0.1(${second})`
    const error = await expectReason(connect({ connName }), Reason.Q_MGR_NOT_AVAILABLE)
    expect(error.cause).toBeInstanceOf(AggregateError)
    const causes = (error.cause as AggregateError).errors
    expect(causes).toHaveLength(2)
    for (const cause of causes) {
      expect(isMQError(cause) && cause.reason).toBe(ClientReason.HOST_NOT_AVAILABLE)
      expect((cause as Error).cause).toMatchObject({ code: 'ECONNREFUSED' })
    }
    expect(error.message).toContain(`127.0.0.1(${first})`)
    expect(error.message).toContain(`127.0.0.1(${second})`)
  })

  it('reports the refusal of a reached queue manager over unreachable addresses', async () => {
    const refused = await refusedPort()
    const wrong = await startFake({ name: 'QMX' })
    const connName = `127.0.0.1(${refused}),${wrong.connName}`
    const error = await expectReason(
      connect({ connName, queueManager: 'QM1' }),
      Reason.Q_MGR_NAME_ERROR,
    )
    expect((error.cause as AggregateError).errors).toHaveLength(2)
  })

  it('gives up on an address that accepts but never answers', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    afterTest(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    })
    const address = silent.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    const connecting = connect({ connName: `127.0.0.1(${address.port})`, connectTimeoutMs: 20 })
    const error = await expectReason(connecting, Reason.Q_MGR_NOT_AVAILABLE)
    expect(error.message).toContain('no connection within 20 ms')
  })

  it('rejects with the signal reason when aborted', async () => {
    const fake = await startFake()
    const controller = new AbortController()
    controller.abort(new Error('stop connecting'))
    const connecting = connect({ connName: fake.connName, signal: controller.signal })
    await expect(connecting).rejects.toThrow('stop connecting')
  })

  it('rejects a malformed connection name before dialling', async () => {
    await expectReason(connect({ connName: 'host(99999)' }), ClientReason.HOST_NOT_AVAILABLE)
  })

  it('rejects a bad heartbeat option with 2046', async () => {
    const fake = await startFake()
    await expectReason(connect({ connName: fake.connName, heartbeatMs: -5 }), 2046)
  })
})
