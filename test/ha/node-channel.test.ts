/**
 * Goal: the node channel carries a request and its answer between two daemons of one group,
 * keeps a CommandFailure's message, refuses a stranger at the handshake, and reports a peer that
 * is down as unreachable; with a group secret, only an end that knows it gets past the handshake,
 * either way round; a stranger that connects and says nothing is closed at the handshake
 * deadline, too many handshakes at once from one address are closed at once, and a refused one
 * keeps its slot until the refusal delay has passed. Method: frames split at every byte; a real
 * listener on loopback (its handshake limits lowered or raised where a test needs it).
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CommandFailure } from '../../src/daemon/command-failure.js'
import { nodeRequest, NodeUnreachable } from '../../src/ha/node-channel/client.js'
import {
  encodeNodeFrame,
  NodeFrameError,
  NodeFrameSplitter,
  type NodeMessage,
} from '../../src/ha/node-channel/frames.js'
import {
  answerHello,
  checkProof,
  checkWelcome,
  helloOf,
  identityOf,
  type NodeIdentity,
} from '../../src/ha/node-channel/handshake.js'
import { NodeChannelServer, type NodeHandshakeLimits } from '../../src/ha/node-channel/server.js'
import { parseRdqmIni } from '../../src/ha/rdqm-ini.js'
import { rootLogger } from '../../src/log.js'

const INI = ['a', 'b', 'c']
  .map((name, index) => `Node:\n Name=${name}\n HA_Replication=127.0.0.${index + 1}\n`)
  .join('')
const GROUP = parseRdqmIni(INI)
const SECRET = new Uint8Array(Buffer.from('the group secret of a, b and c'))
const WRONG = new Uint8Array(Buffer.from('a guess at the group secret....'))

describe('node frames', () => {
  it('decodes whatever the chunking', () => {
    const messages = [
      { id: 1, command: 'status' },
      { id: 2, text: 'é'.repeat(300) },
    ]
    const bytes = Buffer.concat(messages.map((message) => encodeNodeFrame(message)))
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new NodeFrameSplitter()
      const got = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))]
      expect(got).toEqual(messages)
    }
  })

  it('refuses an oversized length before buffering it, and a non-object', () => {
    const header = Buffer.alloc(4)
    header.writeUInt32LE(1025, 0)
    expect(() => new NodeFrameSplitter(1024).push(header)).toThrow(NodeFrameError)
    const array = Buffer.from('[1]')
    const frame = Buffer.concat([Buffer.from([array.length, 0, 0, 0]), array])
    expect(() => new NodeFrameSplitter().push(frame)).toThrow(/not a JSON object/)
  })
})

describe('node handshake', () => {
  const b = identityOf(GROUP, 'b')
  it('welcomes another node of the group', () => {
    const answer = answerHello(b, helloOf(identityOf(GROUP, 'a')))
    expect(answer).toMatchObject({ accepted: true, peer: 'a' })
  })
  it('refuses another group, itself and a stranger', () => {
    const other = parseRdqmIni(INI.replace('127.0.0.3', '127.0.0.9'))
    expect(answerHello(b, helloOf(identityOf(other, 'a'))).accepted).toBe(false)
    expect(answerHello(b, helloOf(b)).accepted).toBe(false)
    expect(answerHello(b, { ...helloOf(b), from: 'z' }).accepted).toBe(false)
  })
})

describe('node handshake with a group secret', () => {
  const a = identityOf(GROUP, 'a', SECRET)
  const b = identityOf(GROUP, 'b', SECRET)

  /** The whole exchange in memory: the dialler's verdict and, if it sent one, the listener's. */
  function handshake(dialler: NodeIdentity, listener: NodeIdentity) {
    const hello = helloOf(dialler)
    const answer = answerHello(listener, hello)
    if (!answer.accepted) return { refused: String(answer.reply['reason']) }
    const welcome = checkWelcome(dialler, listener.node, hello, answer.reply)
    if (welcome.refused !== undefined) return { refused: welcome.refused }
    if (answer.pending === undefined) return { refused: undefined, proved: false }
    const refused = checkProof(listener, answer.pending, welcome.proof ?? {})
    return { refused, proved: true }
  }

  it('lets two nodes that know the secret through, each proving it', () => {
    expect(handshake(a, b)).toEqual({ refused: undefined, proved: true })
  })

  it('refuses a wrong secret on either end, and a missing one', () => {
    // A dialler checks the listener's proof first, so a wrong secret stops it there.
    expect(handshake(identityOf(GROUP, 'a', WRONG), b).refused).toMatch(/does not know/)
    expect(handshake(a, identityOf(GROUP, 'b', WRONG)).refused).toMatch(/does not know/)
    expect(handshake(identityOf(GROUP, 'a'), b).refused).toMatch(/requires its secret/)
    expect(handshake(a, identityOf(GROUP, 'b')).refused).toMatch(/no group secret/)
  })

  it('refuses a replayed proof and a welcome without proof', () => {
    const hello = helloOf(a)
    const first = answerHello(b, hello)
    const second = answerHello(b, hello)
    if (!first.accepted || !second.accepted) throw new Error('hello refused')
    const proof = checkWelcome(a, 'b', hello, first.reply)
    // The listener's fresh challenge makes the first connection's proof useless on the second.
    expect(checkProof(b, second.pending!, proof.proof!)).toBe('wrong group secret')
    const bare = { type: 'welcome', version: 2, node: 'b' }
    expect(checkWelcome(a, 'b', hello, bare).refused).toMatch(/did not prove/)
  })
})

/** Writes `messages` at once to a listener and collects its frames until it closes. */
function rawExchange(port: number, messages: readonly NodeMessage[]): Promise<NodeMessage[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const splitter = new NodeFrameSplitter()
    const answers: NodeMessage[] = []
    socket.on('connect', () => socket.write(Buffer.concat(messages.map(encodeNodeFrame))))
    socket.on('data', (chunk: Buffer) => answers.push(...splitter.push(chunk)))
    socket.on('error', reject)
    socket.on('close', () => resolve(answers))
  })
}

describe('node channel', () => {
  let server: NodeChannelServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function listen(
    identity: NodeIdentity = identityOf(GROUP, 'b'),
    limits?: NodeHandshakeLimits,
  ): Promise<number> {
    const handlers = new Map([
      [
        'echo',
        (parameters: Readonly<Record<string, unknown>>, from: string) =>
          Promise.resolve({ parameters, from }),
      ],
      ['refuse', () => Promise.reject(new CommandFailure('DOES_NOT_EXIST'))],
    ])
    server = await NodeChannelServer.listen({
      host: '127.0.0.1',
      port: 0,
      identity,
      handlers,
      logger: rootLogger(),
      ...(limits === undefined ? {} : { limits }),
    })
    return server.port
  }

  /** A connection that writes `frames` (or nothing); `closed` gives what it got at its end. */
  function quiet(port: number, frames: readonly NodeMessage[] = []) {
    const socket = net.connect({ host: '127.0.0.1', port })
    const received: Buffer[] = []
    // Read: a socket whose data is not read never sees the end of its stream.
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => undefined)
    for (const frame of frames) socket.write(encodeNodeFrame(frame))
    return {
      connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
      closed: new Promise<NodeMessage[]>((resolve) =>
        socket.once('close', () => resolve(new NodeFrameSplitter().push(Buffer.concat(received)))),
      ),
    }
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10))
  }

  it('closes a connection that says nothing at the handshake deadline', async () => {
    const port = await listen(identityOf(GROUP, 'b', SECRET), {
      timeoutMs: 200,
      refusalDelayMs: 0,
      preAuth: { total: 4, perAddress: 4 },
    })
    // Closed by the server without a word, and its slot given back.
    expect(await quiet(port).closed).toEqual([])
    expect(server!.handshakeTimeouts).toBe(1)
    await until(() => server!.handshaking === 0)
    // A hello and then silence (no proof): welcomed, then closed the same way.
    const hello = await quiet(port, [helloOf(identityOf(GROUP, 'a', SECRET))]).closed
    expect(hello.map((frame) => frame['type'])).toEqual(['welcome'])
    expect(server!.handshakeTimeouts).toBe(2)
    // A node that proves the secret is served as before.
    const target = { node: 'b', host: '127.0.0.1', port }
    const data = await nodeRequest(identityOf(GROUP, 'a', SECRET), target, 'echo', { x: 3 })
    expect(data).toEqual({ parameters: { x: 3 }, from: 'a' })
    expect(server!.handshakeTimeouts).toBe(2)
  })

  it('closes handshakes past the per-address cap at once', async () => {
    const port = await listen(identityOf(GROUP, 'b'), {
      timeoutMs: 60_000,
      refusalDelayMs: 0,
      preAuth: { total: 8, perAddress: 2 },
    })
    const holders = [quiet(port), quiet(port)]
    await Promise.all(holders.map((holder) => holder.connected))
    await until(() => server!.handshaking === 2)
    expect(await quiet(port).closed).toEqual([])
    expect(server!.crowdedOut).toBe(1)
    const target = { node: 'b', host: '127.0.0.1', port }
    await expect(nodeRequest(identityOf(GROUP, 'a'), target, 'echo')).rejects.toThrow()
    expect(server!.crowdedOut).toBe(2)
    // Closing the listener ends the holders too.
    await server!.close()
    server = undefined
    await Promise.all(holders.map((holder) => holder.closed))
  })

  it('holds a refused handshake, slot and all, until the refusal delay has passed', async () => {
    const port = await listen(identityOf(GROUP, 'b', SECRET), {
      timeoutMs: 60_000,
      refusalDelayMs: 60_000,
      preAuth: { total: 4, perAddress: 4 },
    })
    const rogue = quiet(port, [
      helloOf(identityOf(GROUP, 'a', WRONG)),
      { type: 'proof', proof: 'ab'.repeat(32) },
    ])
    await until(() => server!.refusedHandshakes === 1)
    // Refused, not yet answered: its slot is still taken, which is what paces a guesser.
    expect(server!.handshaking).toBe(1)
    await server!.close()
    server = undefined
    expect((await rogue.closed).map((frame) => frame['type'])).toEqual(['welcome'])
  })

  it('answers a request from a node of the group', async () => {
    const port = await listen()
    const target = { node: 'b', host: '127.0.0.1', port }
    const data = await nodeRequest(identityOf(GROUP, 'a'), target, 'echo', { x: 1 })
    expect(data).toEqual({ parameters: { x: 1 }, from: 'a' })
  })

  it('carries a CommandFailure with its message', async () => {
    const port = await listen()
    const target = { node: 'b', host: '127.0.0.1', port }
    const request = nodeRequest(identityOf(GROUP, 'a'), target, 'refuse')
    await expect(request).rejects.toThrow(CommandFailure)
    await expect(request).rejects.toThrow(/AMQ8118E/)
  })

  it('refuses a node of another group at the handshake', async () => {
    const port = await listen()
    const other = parseRdqmIni(INI.replace('127.0.0.3', '127.0.0.9'))
    const target = { node: 'b', host: '127.0.0.1', port }
    await expect(nodeRequest(identityOf(other, 'a'), target, 'echo')).rejects.toThrow(
      /handshake refused: not a node of this HA group/,
    )
  })

  it('serves a node with the secret and refuses one with a wrong secret', async () => {
    const port = await listen(identityOf(GROUP, 'b', SECRET))
    const target = { node: 'b', host: '127.0.0.1', port }
    const data = await nodeRequest(identityOf(GROUP, 'a', SECRET), target, 'echo', { x: 2 })
    expect(data).toEqual({ parameters: { x: 2 }, from: 'a' })
    await expect(nodeRequest(identityOf(GROUP, 'a', WRONG), target, 'echo')).rejects.toThrow(
      /handshake refused: the node does not know the group secret/,
    )
    // A rogue that ignores the listener's proof and sends a made-up one of its own is refused.
    const answers = await rawExchange(port, [
      helloOf(identityOf(GROUP, 'a', WRONG)),
      { type: 'proof', proof: 'ab'.repeat(32) },
      { id: 1, command: 'echo', arguments: {} },
    ])
    expect(answers.map((answer) => answer['type'])).toEqual(['welcome', 'refused'])
    expect(answers[1]!['reason']).toBe('wrong group secret')
    await expect(nodeRequest(identityOf(GROUP, 'a'), target, 'echo')).rejects.toThrow(
      /handshake refused: no challenge/,
    )
  })

  it('reports a node that does not listen as unreachable', async () => {
    const probe = net.createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as net.AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const target = { node: 'b', host: '127.0.0.1', port }
    await expect(nodeRequest(identityOf(GROUP, 'a'), target, 'echo')).rejects.toThrow(
      NodeUnreachable,
    )
  })
})
