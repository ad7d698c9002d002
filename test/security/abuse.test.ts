/**
 * Abuse before authentication leaves the node serving others, with bounded memory: huge frames
 * before HELLO, a connection flood past the pre-auth caps, malformed TLS. Method: a client that
 * authenticated first keeps working throughout, and each abusive socket is closed by the server.
 * The handshake decoder is fuzzed: any bytes, any split, never a throw.
 */
import fc from 'fast-check'
import net from 'node:net'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, QueueManager } from '../../src/index.js'
import type { QueueManagerConnection } from '../../src/client/queue-manager-connection.js'
import { rootLogger } from '../../src/log.js'
import { FileClientGuard } from '../../src/security/client-guard.js'
import { readServerTls } from '../../src/security/listener-policy.js'
import { securityPaths } from '../../src/security/security-files.js'
import { answerHello, credentialsOf } from '../../src/server/handshake.js'
import { PreAuthGate } from '../../src/server/pre-auth-gate.js'
import { QueueManagerServer } from '../../src/server/server.js'
import { FrameParser } from '../../src/wire/client-frame-parser.js'
import {
  AuthMechanism,
  encodeFrame,
  isFrameError,
  Opcode,
  type HelloFrame,
} from '../../src/wire/client-protocol.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { makePki } from './certificates.js'

const directory = temporaryDirectory('abuse')
let queueManager: QueueManager
let server: QueueManagerServer
let tlsServer: QueueManagerServer
let steady: QueueManagerConnection
let ca: string

beforeAll(async () => {
  queueManager = await QueueManager.open({
    dataDirectory: `${directory.path}/data`,
    create: { name: 'QMABUSE', segmentBytes: 1024 * 1024 },
  })
  await queueManager.engine.defineQueue({ name: 'STEADY.Q' })
  const pki = makePki(directory.path, [], [])
  ca = pki.ca
  const guard = new FileClientGuard({
    paths: securityPaths(directory.path),
    logger: rootLogger(),
    failureDelayMs: 10,
  })
  const common = { queueManager, port: 0, guard }
  server = await QueueManagerServer.listen({
    ...common,
    preAuthGate: new PreAuthGate({ total: 20, perAddress: 8 }),
  })
  tlsServer = await QueueManagerServer.listen({
    ...common,
    tls: readServerTls(pki.serverDirectory),
  })
  steady = await connect({ connName: `127.0.0.1(${server.port})` })
}, 60_000)

afterAll(async () => {
  await steady.close()
  await server.close({ graceful: false })
  await tlsServer.close({ graceful: false })
  await queueManager.close()
  directory.remove()
})

/** Resolves with true when the server closes the socket within `ms`. */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  socket.resume()
  socket.on('error', () => undefined)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

async function stillServing(): Promise<void> {
  const queue = await steady.open('STEADY.Q', { input: true, output: true })
  await queue.put('still here')
  expect(Buffer.from((await queue.get()).body).toString()).toBe('still here')
  await queue.close()
}

describe('abuse before authentication', () => {
  it('a frame header claiming 4 MiB before HELLO is cut off at the pre-auth byte limit', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port })
    await new Promise((resolve) => socket.once('connect', resolve))
    const header = Buffer.alloc(12)
    header.writeUInt32LE(4 * 1024 * 1024, 0)
    header.writeUInt8(Opcode.PUT, 4)
    socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024, 0x41)]))
    expect(await closedWithin(socket, 5_000)).toBe(true)
    await stillServing()
  })

  it('a flood of silent connections is capped per address; the authenticated client goes on', async () => {
    const flood = Array.from({ length: 30 }, () =>
      net.connect({ host: '127.0.0.1', port: server.port }),
    )
    const closed = await Promise.all(flood.map((socket) => closedWithin(socket, 1_500)))
    // At most perAddress (8) are held; every other one was closed at once.
    expect(closed.filter((wasClosed) => !wasClosed).length).toBeLessThanOrEqual(8)
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(22)
    await stillServing()
    for (const socket of flood) socket.destroy()
  })

  it('malformed TLS is dropped and a good TLS client still gets in', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: tlsServer.port })
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), Buffer.alloc(4096, 7)]),
    )
    expect(await closedWithin(socket, 8_000)).toBe(true)
    const good = tls.connect({
      host: '127.0.0.1',
      port: tlsServer.port,
      ca,
      servername: 'localhost',
    })
    await new Promise((resolve, reject) => {
      good.once('secureConnect', resolve)
      good.once('error', reject)
    })
    good.destroy()
    const client = await connect({ connName: `127.0.0.1(${tlsServer.port})`, tls: { ca } })
    await client.close()
  })
})

describe('handshake decoder fuzz', () => {
  it('any bytes, split anywhere, never throw; a decoded HELLO is answered without a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(600), (bytes, cut) => {
        const parser = new FrameParser({ from: 'client' })
        parser.push(Buffer.from(bytes.subarray(0, cut)))
        parser.push(Buffer.from(bytes.subarray(cut)))
        for (let item = parser.next(); item !== undefined; item = parser.next()) {
          if (isFrameError(item) || item.type !== Opcode.HELLO) continue
          credentialsOf(item)
          answerHello(item, { queueManagerName: 'QM', heartbeatMs: 0 })
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('HELLOs with random credentials decode to what was sent, bit flips never throw', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }),
        fc.string({ maxLength: 200 }),
        fc.nat(),
        (userId, password, flip) => {
          const hello: HelloFrame = {
            type: Opcode.HELLO,
            requestId: 1,
            minVersion: 1,
            maxVersion: 1,
            queueManager: 'QM',
            clientName: 'fuzz',
            heartbeatMs: 0,
            authMechanism: AuthMechanism.USER_PASSWORD,
            credentials: Buffer.from(`${userId}\u0000${password}`, 'utf8'),
          }
          const bytes = Buffer.from(encodeFrame(hello))
          const parser = new FrameParser({ from: 'client' })
          parser.push(bytes)
          const decoded = parser.next()
          expect(isFrameError(decoded)).toBe(false)
          expect(credentialsOf(decoded as HelloFrame)).toEqual(
            Buffer.from(userId, 'utf8').toString('utf8') === userId
              ? { userId, password: Buffer.from(password, 'utf8').toString('utf8') }
              : expect.anything(),
          )
          const flipped = Buffer.from(bytes)
          const at = flip % flipped.length
          flipped[at] = flipped[at]! ^ (1 << (flip % 8))
          const other = new FrameParser({ from: 'client' })
          other.push(flipped)
          const item = other.next()
          if (item !== undefined && !isFrameError(item) && item.type === Opcode.HELLO) {
            credentialsOf(item)
          }
        },
      ),
      { numRuns: 1_000 },
    )
  })
})
