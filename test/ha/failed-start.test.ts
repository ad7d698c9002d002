/**
 * Goal: a member whose open fails leaves nothing running, so the retry (rdqmadm -r after a
 * failed-start ban) can bind and serve: once a replication worker and journal left behind by a
 * failed open kept the replication port (and voted as the node) while the retry's worker could
 * not listen, and the retry's open waited for it forever (the node stayed Starting).
 * Method: a one-member group in this process (its own majority); the client port, then the
 * replication port, taken by a squatter: the open fails (it does not hang), no worker of it is
 * left (the replication port is free again), and once the squatter leaves the same open serves
 * a persistent put.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Persistence } from '../../src/queue/types.js'
import { ReplicatedQueueManager } from '../../src/queue-manager/replicated-queue-manager.js'
import { groupPort } from '../../src/replication-group/member-group.js'
import { freePort } from '../cli/support.js'

let root: string
const HOST = '127.0.0.1'

beforeEach(() => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'qmq-failed-start-'))
})

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

function open(replicationPort: number, clientPort: number): Promise<ReplicatedQueueManager> {
  return ReplicatedQueueManager.open({
    dataDirectory: join(root, 'a'),
    queueManager: 'QMF',
    group: 'QMF',
    self: 'a',
    members: [{ id: 'a', host: HOST, port: replicationPort }],
    clientPort,
    queues: ['APP.Q'],
  })
}

async function squat(port: number): Promise<net.Server> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: HOST, port, exclusive: true }, resolve)
  })
  return server
}

function bindable(port: number): Promise<boolean> {
  return squat(port).then(
    (server) => new Promise<boolean>((resolve) => server.close(() => resolve(true))),
    () => false,
  )
}

async function serves(member: ReplicatedQueueManager): Promise<void> {
  if (!member.serving) {
    await new Promise<void>((resolve) => {
      const check = (serving: boolean): void => {
        if (serving) resolve()
      }
      member.on('serving', check)
    })
  }
  const queue = member.connect().open('APP.Q', { output: true })
  await queue.put(Buffer.from('after the retry'), { persistence: Persistence.PERSISTENT })
}

describe('a failed open of a replicated member', () => {
  it('with its client port taken: fails, frees the replication port, and the retry serves', async () => {
    const [replicationPort, clientPort] = [await groupPort(), await freePort()]
    const squatter = await squat(clientPort)
    try {
      await expect(open(replicationPort, clientPort)).rejects.toThrow(/EADDRINUSE|in use/)
      // Nothing of the failed open holds the replication port (its worker was stopped).
      expect(await bindable(replicationPort)).toBe(true)
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
    const member = await open(replicationPort, clientPort)
    try {
      await serves(member)
    } finally {
      await member.close()
    }
  }, 60_000)

  it('with its replication port taken: fails instead of waiting, and the retry serves', async () => {
    const [replicationPort, clientPort] = [await groupPort(), await freePort()]
    const squatter = await squat(replicationPort)
    try {
      await expect(open(replicationPort, clientPort)).rejects.toThrow(/EADDRINUSE|in use/)
      expect(await bindable(clientPort)).toBe(true)
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
    const member = await open(replicationPort, clientPort)
    try {
      await serves(member)
    } finally {
      await member.close()
    }
  }, 60_000)
})
