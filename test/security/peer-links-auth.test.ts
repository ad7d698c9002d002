/**
 * Replication links authenticate before any record: two PeerLinks in this process on loopback,
 * the dialer 'a' and the acceptor 'b' (the lower name dials). Method: a link is up only when
 * both know the same secret; a wrong or absent secret, or a peer that skips its proof and
 * sends records at once, gets nothing delivered to the replica. With TLS on the links, a
 * recording proxy between them never sees a record's bytes (and does see them without TLS).
 */
import net, { type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PeerLinks } from '../../src/actors/replication/peer-links.js'
import { rootLogger } from '../../src/log.js'
import type { LinkTlsFiles } from '../../src/security/link-security.js'
import { readLinkTls } from '../../src/security/link-security.js'
import { helloFor } from '../../src/wire/replication-handshake.js'
import {
  encodeReplicationFrame,
  type WireReplicaMessage,
} from '../../src/wire/replication-protocol.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { makePki } from './certificates.js'
import { RecordingProxy } from './recording-proxy.js'
import fs from 'node:fs'
import { join } from 'node:path'

const MARKER = 'SECRET-RECORD-BODY-91ab'
const directory = temporaryDirectory('links')
const started: { close(): unknown }[] = []
let tlsA: LinkTlsFiles
let tlsB: LinkTlsFiles

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const identity = (node: string, secret: string | undefined) => ({
  queueManager: 'QMHA',
  group: 'G1',
  node,
  members: ['a', 'b'],
  secret: secret === undefined ? undefined : Buffer.from(secret),
})

function append(): WireReplicaMessage {
  const payload = Buffer.alloc(64)
  payload.write(MARKER, 8)
  return {
    type: 'append',
    from: 'a',
    to: 'b',
    epoch: 3,
    prevLsn: 64,
    prevEpoch: 3,
    endLsn: 128,
    entriesEpoch: 3,
    commitLsn: 64,
    payload,
  } as WireReplicaMessage
}

interface Pair {
  readonly a: PeerLinks
  readonly received: WireReplicaMessage[]
  readonly proxy: RecordingProxy
}

async function startPair(secrets: { a?: string; b?: string }, tls: boolean): Promise<Pair> {
  const portB = await freePort()
  const proxy = await RecordingProxy.start(portB)
  const received: WireReplicaMessage[] = []
  const logger = rootLogger()
  const b = new PeerLinks({
    identity: identity('b', secrets.b),
    self: { id: 'b', host: '127.0.0.1', port: portB },
    peers: [{ id: 'a', host: '127.0.0.1', port: 1 }],
    logger,
    tls: tls ? tlsB : undefined,
    onMessage: (message) => received.push(message),
  })
  await b.start()
  const a = new PeerLinks({
    identity: identity('a', secrets.a),
    self: { id: 'a', host: '127.0.0.1', port: await freePort() },
    peers: [{ id: 'b', host: '127.0.0.1', port: proxy.port }],
    logger,
    tls: tls ? tlsA : undefined,
    onMessage: () => undefined,
  })
  await a.start()
  started.push(a, b, proxy)
  return { a, received, proxy }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(20)) {
    if (check()) return true
  }
  return check()
}

/** Sends records for a while: a link that comes up delivers them. */
async function feed(pair: Pair, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(20)) {
    pair.a.send(append())
    if (pair.received.length > 0) return
  }
}

beforeAll(() => {
  makePki(directory.path, ['alice'], [])
  const write = (name: string, files: Record<string, string>): string => {
    const target = join(directory.path, name)
    fs.mkdirSync(target)
    for (const [file, source] of Object.entries(files)) {
      fs.copyFileSync(join(directory.path, source), join(target, file))
    }
    return target
  }
  tlsA = readLinkTls(
    write('a', { 'key.pem': 'alice.key', 'cert.pem': 'alice.pem', 'ca.pem': 'ca.pem' }),
  )
  tlsB = readLinkTls(
    write('b', { 'key.pem': 'server.key', 'cert.pem': 'server.pem', 'ca.pem': 'ca.pem' }),
  )
}, 30_000)

afterAll(async () => {
  for (const item of started) await item.close()
  directory.remove()
})

describe('replication link authentication', () => {
  it('the same secret on both ends: the link comes up and records flow', async () => {
    const pair = await startPair(
      { a: 'group-secret-0123456789', b: 'group-secret-0123456789' },
      false,
    )
    await feed(pair, 5_000)
    expect(pair.received.map((message) => message.type)).toContain('append')
    // Without TLS the record crosses in the clear: the proxy sees it (so the TLS case means it).
    expect(pair.proxy.captured.includes(MARKER)).toBe(true)
  })

  it('a wrong secret, or none, is refused and nothing is applied', async () => {
    const wrong = await startPair(
      { a: 'not-the-secret-0123456', b: 'group-secret-0123456789' },
      false,
    )
    const none = await startPair({ b: 'group-secret-0123456789' }, false)
    await Promise.all([feed(wrong, 1_500), feed(none, 1_500)])
    expect(wrong.received).toEqual([])
    expect(none.received).toEqual([])
    expect(wrong.a.connected).toEqual([])
    expect(none.a.connected).toEqual([])
  })

  it('a peer that sends records right after HELLO, without its proof, feeds nothing', async () => {
    const pair = await startPair({ b: 'group-secret-0123456789' }, false)
    const socket = net.connect({ host: '127.0.0.1', port: pair.proxy.port })
    socket.resume()
    socket.on('error', () => undefined)
    const hello = helloFor(identity('a', 'guessing-without-secret'), 'b')
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.write(Buffer.concat([encodeReplicationFrame(hello), encodeReplicationFrame(append())]))
    const closed = await until(() => socket.destroyed || socket.readableEnded, 3_000)
    socket.destroy()
    expect(closed).toBe(true)
    expect(pair.received).toEqual([])
  })

  it('with TLS and the secret, records flow and the captured bytes never show them', async () => {
    const pair = await startPair(
      { a: 'group-secret-0123456789', b: 'group-secret-0123456789' },
      true,
    )
    await feed(pair, 8_000)
    expect(pair.received.map((message) => message.type)).toContain('append')
    expect(pair.proxy.captured.length).toBeGreaterThan(1000)
    expect(pair.proxy.captured.includes(MARKER)).toBe(false)
    expect(pair.proxy.captured.includes('QMHA')).toBe(false)
  })
})
