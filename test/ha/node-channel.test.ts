/**
 * Goal: the node channel carries a request and its answer between two daemons of one group,
 * keeps a CommandFailure's message, refuses a stranger at the handshake, and reports a peer that
 * is down as unreachable. Method: frames split at every byte; a real listener on loopback.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CommandFailure } from '../../src/daemon/command-failure.js'
import { nodeRequest, NodeUnreachable } from '../../src/ha/node-channel/client.js'
import {
  encodeNodeFrame,
  NodeFrameError,
  NodeFrameSplitter,
} from '../../src/ha/node-channel/frames.js'
import { answerHello, helloOf, identityOf } from '../../src/ha/node-channel/handshake.js'
import { NodeChannelServer } from '../../src/ha/node-channel/server.js'
import { parseRdqmIni } from '../../src/ha/rdqm-ini.js'
import { rootLogger } from '../../src/log.js'

const INI = ['a', 'b', 'c']
  .map((name, index) => `Node:\n Name=${name}\n HA_Replication=127.0.0.${index + 1}\n`)
  .join('')
const GROUP = parseRdqmIni(INI)

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

describe('node channel', () => {
  let server: NodeChannelServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function listen(): Promise<number> {
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
      identity: identityOf(GROUP, 'b'),
      handlers,
      logger: rootLogger(),
    })
    return server.port
  }

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
