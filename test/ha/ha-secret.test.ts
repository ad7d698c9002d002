/**
 * Goal: an HA group with a secret lets no process in that knows its ports but not its secret.
 * Method: three qmqd on 127.0.0.1..3 (ha-nodes.ts); `rdqmadm -k` on a, rdqm.secret copied (0600)
 * to b and c, rdqmadm -c, crtmqm -sx, strmqm, messages put through the group. Then a rogue in
 * this process: node-channel requests to every node as node 'a' with no secret, a wrong secret,
 * and a made-up proof (ha-end, ha-delete: commands that would stop or destroy the queue manager);
 * replication HELLOs to every node's replication port as each other member, with a wrong
 * secret or none, each followed at once by an append frame. Every attempt is refused; the
 * refusals are in the nodes' logs; the group still serves (the messages are all there, a new
 * put and get work, HA control is still enabled everywhere). Also: rdqmadm -c refuses a group
 * off loopback without a secret, and a secret file other users may read.
 */
import fs from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/client/index.js'
import { nodeRequest } from '../../src/ha/node-channel/client.js'
import { encodeNodeFrame, NodeFrameSplitter } from '../../src/ha/node-channel/frames.js'
import { helloOf, identityOf } from '../../src/ha/node-channel/handshake.js'
import { parseRdqmIni } from '../../src/ha/rdqm-ini.js'
import { Persistence } from '../../src/queue/types.js'
import { helloFor } from '../../src/wire/replication-handshake.js'
import {
  encodeReplicationFrame,
  type WireReplicaMessage,
} from '../../src/wire/replication-protocol.js'
import { statusOf, TestNode } from '../cli/support.js'
import {
  HA_HOSTS,
  HA_NODES,
  HaTestNode,
  groupPorts,
  rdqmIni,
  type GroupPorts,
  type HaNodeName,
} from './ha-nodes.js'

const QM = 'HASEC'
const WRONG = new Uint8Array(Buffer.from('not the secret of this HA group'))
const nodes = new Map(HA_NODES.map((name) => [name, new HaTestNode(name)]))
const node = (name: HaNodeName): HaTestNode => nodes.get(name)!
const extra: TestNode[] = []

afterAll(async () => {
  await Promise.all([...nodes.values()].map((each) => each.node.dispose()))
  await Promise.all(extra.map((each) => each.dispose()))
})

/** Commands with the daemon's log on (tests default to silent): the refusals must show. */
function run(on: HaNodeName, command: string, words: readonly string[] = [], input?: string) {
  const env = { QMQ_NODE: on, QMQ_LOG_LEVEL: 'info' }
  return node(on).node.run(command, words, input === undefined ? { env } : { env, input })
}

const connName = (ports: GroupPorts): string =>
  HA_NODES.map((name) => `${HA_HOSTS[name]}(${ports.listener})`).join(',')

async function connectToGroup(ports: GroupPorts) {
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      return await connect({ connName: connName(ports), queueManager: QM, connectTimeoutMs: 1_000 })
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

async function buildGroup(ports: GroupPorts): Promise<HaNodeName> {
  for (const name of HA_NODES) node(name).writeIni(rdqmIni(ports))
  const made = await run('a', 'rdqmadm', ['-k'])
  expect(made.code, made.stderr).toBe(0)
  expect(made.stdout).toContain('group secret has been written')
  const secretOfA = join(node('a').node.home, 'rdqm.secret')
  expect(fs.statSync(secretOfA).mode & 0o777).toBe(0o600)
  expect((await run('a', 'rdqmadm', ['-k'])).stderr).toContain('AMQ3977E')
  for (const name of ['b', 'c'] as const) {
    const target = join(node(name).node.home, 'rdqm.secret')
    fs.copyFileSync(secretOfA, target)
    fs.chmodSync(target, 0o600)
  }
  for (const name of HA_NODES) {
    const joined = await run(name, 'rdqmadm', ['-c'])
    expect(joined.code, joined.stderr).toBe(0)
  }
  const created = await run('a', 'crtmqm', ['-sx', '-p', `${ports.listener}`, '-lf', '2049', QM])
  expect(created.code, created.stderr).toBe(0)
  const started = await run('b', 'strmqm', [QM])
  expect(started.code, started.stderr).toBe(0)
  const primary = /running on node '(\w)'/.exec(started.stdout)?.[1] as HaNodeName | undefined
  expect(primary, started.stdout).toBeDefined()
  return primary!
}

/** Frames written at once to a node-channel listener; its answers until it closes. */
function rawNodeExchange(host: string, port: number, frames: Buffer[]): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const splitter = new NodeFrameSplitter()
    const types: string[] = []
    socket.on('connect', () => socket.write(Buffer.concat(frames)))
    socket.on('data', (chunk: Buffer) => {
      for (const message of splitter.push(chunk)) types.push(String(message['type'] ?? 'answer'))
    })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(types))
  })
}

/** A replication HELLO as `claimed`, an append right behind it; resolves when the node hangs up. */
function rogueReplication(
  host: string,
  port: number,
  claimed: string,
  to: string,
  secret: Uint8Array | undefined,
): Promise<boolean> {
  const hello = helloFor(
    { queueManager: QM, group: QM, node: claimed, members: [...HA_NODES], secret },
    to,
  )
  const append = {
    type: 'append',
    from: claimed,
    to,
    epoch: 99,
    prevLsn: 64,
    prevEpoch: 99,
    endLsn: 128,
    entriesEpoch: 99,
    commitLsn: 128,
    payload: Buffer.alloc(64, 7),
  } as WireReplicaMessage
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, 5_000)
    socket.resume()
    socket.on('error', () => undefined)
    socket.on('connect', () =>
      socket.write(Buffer.concat([encodeReplicationFrame(hello), encodeReplicationFrame(append)])),
    )
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

async function logContains(home: string, file: string, text: string): Promise<boolean> {
  const path = join(home, 'logs', file)
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if (fs.existsSync(path) && fs.readFileSync(path, 'utf8').includes(text)) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

describe('an HA group with a secret', () => {
  it('refuses a rogue that knows the ports but not the secret, and keeps serving', async () => {
    const ports = await groupPorts()
    await buildGroup(ports)
    const connection = await connectToGroup(ports)
    const queue = await connection.open('SYSTEM.DEFAULT.LOCAL.QUEUE', { output: true, input: true })
    const bodies = Array.from({ length: 20 }, (_, index) => `before-${index}`)
    for (const body of bodies) await queue.put(body, { persistence: Persistence.PERSISTENT })

    const group = parseRdqmIni(rdqmIni(ports))
    for (const victim of HA_NODES) {
      const claimed = HA_NODES.find((name) => name !== victim)!
      const target = { node: victim, host: HA_HOSTS[victim], port: ports.node }
      for (const secret of [undefined, WRONG]) {
        const attempt = nodeRequest(identityOf(group, claimed, secret), target, 'ha-end', {
          queueManager: QM,
          mode: 'immediate',
        })
        await expect(attempt).rejects.toThrow(/handshake refused/)
      }
      // A rogue that skips checking the node's proof and sends a made-up one, then a request.
      const answers = await rawNodeExchange(HA_HOSTS[victim], ports.node, [
        encodeNodeFrame(helloOf(identityOf(group, claimed, WRONG))),
        encodeNodeFrame({ type: 'proof', proof: 'ab'.repeat(32) }),
        encodeNodeFrame({ id: 1, command: 'ha-delete', arguments: { queueManager: QM } }),
      ])
      expect(answers).toEqual(['welcome', 'refused'])
      for (const other of HA_NODES.filter((name) => name !== victim)) {
        for (const secret of [undefined, WRONG]) {
          const host = HA_HOSTS[victim]
          expect(await rogueReplication(host, ports.replication, other, victim, secret)).toBe(true)
        }
      }
    }

    for (const name of HA_NODES) {
      const home = node(name).node.home
      expect(await logContains(home, 'current.log', 'node channel connection refused')).toBe(true)
      expect(await logContains(home, 'qmqd.out', 'replication handshake refused')).toBe(true)
    }

    // Still serving: every message there, once; a new one goes through; HA control on everywhere.
    await queue.put('after', { persistence: Persistence.PERSISTENT })
    const got: string[] = []
    for await (const message of queue.messages({ waitMs: 0 })) {
      got.push(Buffer.from(message.body).toString())
    }
    expect(got).toEqual([...bodies, 'after'])
    await connection.close()
    for (const name of HA_NODES) {
      const shown = await run(name, 'dspmq', ['-o', 'ha'])
      expect(statusOf(shown.stdout, QM), name).toMatch(/^Running( elsewhere)?$/)
    }
    expect((await run('a', 'endmqm', [QM])).code).toBe(0)
    expect((await run('a', 'dltmqm', [QM])).code).toBe(0)
  }, 180_000)

  it('rdqmadm -c refuses a group off loopback without a secret, and an open secret file', async () => {
    const lone = new TestNode('hasecret')
    extra.push(lone)
    const ini = rdqmIni({ node: 1, replication: 2, listener: 3 }).replace('127.0.0.3', '10.9.9.3')
    fs.writeFileSync(join(lone.home, 'rdqm.ini'), ini)
    const env = { QMQ_NODE: 'a' }
    const missing = await lone.run('rdqmadm', ['-c'], { env })
    expect(missing.code).toBe(71)
    expect(missing.stderr).toContain('AMQ3978E')
    fs.writeFileSync(join(lone.home, 'rdqm.secret'), 'x'.repeat(40), { mode: 0o644 })
    fs.chmodSync(join(lone.home, 'rdqm.secret'), 0o644)
    const open = await lone.run('rdqmadm', ['-c'], { env })
    expect(open.code).toBe(71)
    expect(open.stderr).toContain('AMQ3977E')
    expect(open.stderr).toContain('chmod 600')
  }, 60_000)
})
