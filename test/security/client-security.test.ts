/**
 * Client security end to end, with the real client library over loopback TCP: a queue manager
 * whose listener has the file guard (users, authorities, CHCKCLNT) and TLS with a test CA.
 * Method: each refusal is checked for its reason code (2035 for authentication and authority,
 * 2393 for a server certificate the client does not trust), each acceptance by doing the work;
 * a recording proxy shows the message body crosses in the clear without TLS and never with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, QueueManager, Reason } from '../../src/index.js'
import type { ConnectOptions } from '../../src/client/connect-options.js'
import { QueueManagerServer, type ServerOptions } from '../../src/server/server.js'
import { FileClientGuard } from '../../src/security/client-guard.js'
import { readServerTls } from '../../src/security/listener-policy.js'
import {
  addUser,
  parseAuthorityChange,
  setAuthority,
  setCheckClient,
} from '../../src/security/security-commands.js'
import { securityPaths } from '../../src/security/security-files.js'
import { rootLogger } from '../../src/log.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import { makePki, type TestPki } from './certificates.js'
import { RecordingProxy } from './recording-proxy.js'

const directory = temporaryDirectory('security')
const paths = securityPaths(directory.path)
let queueManager: QueueManager
let pki: TestPki
const servers: QueueManagerServer[] = []

async function listen(options: Partial<ServerOptions> = {}): Promise<QueueManagerServer> {
  const guard = new FileClientGuard({
    paths,
    logger: rootLogger(),
    administrator: 'mqm-of-this-test',
    failureDelayMs: 10,
  })
  const server = await QueueManagerServer.listen({ queueManager, port: 0, guard, ...options })
  servers.push(server)
  return server
}

function connName(server: { port: number }): string {
  return `127.0.0.1(${server.port})`
}

async function refusal(options: ConnectOptions): Promise<number | undefined> {
  try {
    const connection = await connect({ connectTimeoutMs: 10_000, ...options })
    await connection.close()
    return undefined
  } catch (error) {
    return (error as { reason?: number }).reason
  }
}

beforeAll(async () => {
  queueManager = await QueueManager.open({
    dataDirectory: `${directory.path}/data`,
    create: { name: 'QMSEC', segmentBytes: 1024 * 1024 },
  })
  await queueManager.engine.defineQueue({ name: 'APP.Q' })
  await queueManager.engine.defineQueue({ name: 'APP.CAPTURE' })
  pki = makePki(directory.path, ['alice', 'carol'], ['carol'])
  await addUser(paths, 'alice', 'alice-password')
  await addUser(paths, 'bob', 'bob-password')
  setAuthority(paths, parseAuthorityChange(['-n', 'APP.*', '-t', 'queue', '-p', 'alice', '+all']))
  setAuthority(paths, parseAuthorityChange(['-n', 'APP.Q', '-t', 'queue', '-p', 'bob', '+get']))
}, 60_000)

afterAll(async () => {
  for (const server of servers) await server.close({ graceful: false })
  await queueManager.close()
  directory.remove()
})

describe('authentication', () => {
  it('OPTIONAL: a client without credentials is accepted (as before security existed)', async () => {
    setCheckClient(paths, 'OPTIONAL')
    const server = await listen()
    expect(await refusal({ connName: connName(server) })).toBeUndefined()
  })

  it('REQUIRED: no credentials, wrong password and unknown user are 2035', async () => {
    setCheckClient(paths, 'REQUIRED')
    const server = await listen()
    const name = connName(server)
    expect(await refusal({ connName: name })).toBe(Reason.NOT_AUTHORIZED)
    expect(await refusal({ connName: name, userId: 'alice', password: 'guess' })).toBe(
      Reason.NOT_AUTHORIZED,
    )
    expect(await refusal({ connName: name, userId: 'mallory', password: 'x' })).toBe(
      Reason.NOT_AUTHORIZED,
    )
    expect(await refusal({ connName: name, userId: 'alice', password: 'alice-password' })).toBe(
      undefined,
    )
    setCheckClient(paths, 'OPTIONAL')
  })
})

describe('authority', () => {
  it('a user lacking +put is refused at MQOPEN with 2035; one holding it puts', async () => {
    const server = await listen()
    const bob = await connect({
      connName: connName(server),
      userId: 'bob',
      password: 'bob-password',
    })
    await expect(bob.open('APP.Q', { output: true })).rejects.toMatchObject({
      reason: Reason.NOT_AUTHORIZED,
    })
    await expect(bob.admin('DEFINE QLOCAL(BOB.Q)')).rejects.toMatchObject({
      reason: Reason.NOT_AUTHORIZED,
    })
    const reader = await bob.open('APP.Q', { input: true })
    const alice = await connect({
      connName: connName(server),
      userId: 'alice',
      password: 'alice-password',
    })
    const writer = await alice.open('APP.Q', { output: true })
    await writer.put('from alice')
    expect(Buffer.from((await reader.get()).body).toString()).toBe('from alice')
    await alice.close()
    await bob.close()
  })

  it('a revoked authority takes effect at the next MQOPEN, without a restart', async () => {
    const server = await listen()
    const alice = await connect({
      connName: connName(server),
      userId: 'alice',
      password: 'alice-password',
    })
    await (await alice.open('APP.Q', { output: true })).put('allowed')
    setAuthority(paths, parseAuthorityChange(['-n', 'APP.*', '-t', 'queue', '-p', 'alice', '-put']))
    await expect(alice.open('APP.Q', { output: true })).rejects.toMatchObject({
      reason: Reason.NOT_AUTHORIZED,
    })
    setAuthority(paths, parseAuthorityChange(['-n', 'APP.*', '-t', 'queue', '-p', 'alice', '+put']))
    await alice.close()
  })
})

describe('TLS', () => {
  it('a trusted client certificate maps its CN to the user; revoked and untrusted are 2035', async () => {
    setCheckClient(paths, 'REQUIRED')
    const server = await listen({ tls: readServerTls(pki.serverDirectory) })
    const name = connName(server)
    const alice = await connect({ connName: name, tls: { ca: pki.ca, ...pki.client('alice') } })
    await (await alice.open('APP.Q', { output: true })).put('over TLS as alice')
    await alice.close()
    const revoked = { ca: pki.ca, ...pki.client('carol') }
    expect(await refusal({ connName: name, tls: revoked })).toBe(Reason.NOT_AUTHORIZED)
    const untrusted = { ca: pki.ca, ...pki.untrustedClient }
    expect(await refusal({ connName: name, tls: untrusted })).toBe(Reason.NOT_AUTHORIZED)
    setCheckClient(paths, 'OPTIONAL')
  })

  it('a server certificate the client does not trust fails with 2393', async () => {
    const server = await listen({ tls: readServerTls(pki.serverDirectory) })
    const name = connName(server)
    expect(await refusal({ connName: name, tls: {} })).toBe(2393)
    // Plain TCP to a TLS listener does not get in either.
    expect(await refusal({ connName: name, connectTimeoutMs: 2_000 })).not.toBeUndefined()
  })

  it('the captured client bytes hold the message body in plain TCP and never over TLS', async () => {
    const body = 'TOP-SECRET-BODY-4f1c2a'
    const plain = await listen()
    const tlsServer = await listen({ tls: readServerTls(pki.serverDirectory) })
    const captured: Record<string, Buffer> = {}
    for (const [label, server, tls] of [
      ['plain', plain, undefined],
      ['tls', tlsServer, { ca: pki.ca, servername: 'localhost' }],
    ] as const) {
      const proxy = await RecordingProxy.start(server.port)
      const connection = await connect({
        connName: `127.0.0.1(${proxy.port})`,
        userId: 'alice',
        password: 'alice-password',
        tls,
      })
      const queue = await connection.open('APP.CAPTURE', { input: true, output: true })
      await queue.put(body)
      expect(Buffer.from((await queue.get()).body).toString()).toBe(body)
      await connection.close()
      captured[label] = proxy.captured
      await proxy.close()
    }
    expect(captured['plain']!.includes(body)).toBe(true)
    expect(captured['plain']!.includes('alice-password')).toBe(true)
    expect(captured['tls']!.length).toBeGreaterThan(body.length)
    expect(captured['tls']!.includes(body)).toBe(false)
    expect(captured['tls']!.includes('alice-password')).toBe(false)
  })

  it('plain TCP on a non-loopback address is refused unless allowed', async () => {
    await expect(
      QueueManagerServer.listen({ queueManager, port: 0, host: '0.0.0.0' }),
    ).rejects.toThrow(/refusing to listen in plain TCP on 0.0.0.0/)
  })
})
