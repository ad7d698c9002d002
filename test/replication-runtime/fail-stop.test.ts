/**
 * Goal: show the supervisor's behaviour for a crashed replication worker: fail-stop. The member
 * fails at once (no restart in place), stops acknowledging, and a restart of the member recovers
 * its hard state from disk, so it never reuses an epoch it voted in.
 * Method: a one-member group in this process (its own majority), so the test can reach the
 * worker through the member's supervisor and terminate it like a crash.
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { REPLICATION_ACTOR_NAME } from '../../src/actors/replication/handle.js'
import { ErrorCode, isQmqError } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { ReplicatedQueueManager } from '../../src/queue-manager/replicated-queue-manager.js'
import { groupPort } from '../../src/replication-group/member-group.js'

let root: string

beforeEach(() => {
  root = fs.mkdtempSync(join(os.tmpdir(), 'qmq-fail-stop-'))
})

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true })
})

async function openServing(port: number): Promise<ReplicatedQueueManager> {
  const member = await ReplicatedQueueManager.open({
    dataDirectory: join(root, 'a'),
    queueManager: 'QMR',
    group: 'QMR',
    self: 'a',
    members: [{ id: 'a', host: '127.0.0.1', port }],
    queues: ['APP.Q'],
  })
  if (!member.serving) {
    await new Promise<void>((resolve) => {
      const check = (serving: boolean): void => {
        if (!serving) return
        member.off('serving', check)
        resolve()
      }
      member.on('serving', check)
    })
  }
  return member
}

function hardState(): { epoch: number; votedFor?: string } {
  const text = fs.readFileSync(join(root, 'a', 'replication.json'), 'utf8')
  return JSON.parse(text) as { epoch: number; votedFor?: string }
}

describe('replication worker crash', () => {
  it('fails the member without a restart in place; a restarted member keeps its vote', async () => {
    const port = await groupPort()
    const member = await openServing(port)
    const queue = member.connect().open('APP.Q', { output: true })
    await queue.put(Buffer.from('before'), { persistence: Persistence.PERSISTENT })
    const voted = hardState()
    expect(voted.votedFor).toBe('a')
    expect(voted.epoch).toBeGreaterThan(0)

    const failed = new Promise<Error>((resolve) => member.once('failed', resolve))
    const actor = member.supervisor.current(REPLICATION_ACTOR_NAME)
    expect(actor?.generation).toBe(1)
    await actor!.worker.terminate()
    const error = await failed
    expect(isQmqError(error) && error.code === ErrorCode.ACTOR_FAILED).toBe(true)
    // Fail-stop: not restarted, and nothing more is acknowledged.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(member.supervisor.current(REPLICATION_ACTOR_NAME)?.generation).toBe(1)
    expect(member.serving).toBe(false)
    await expect(
      queue.put(Buffer.from('after'), { persistence: Persistence.PERSISTENT }),
    ).rejects.toThrow()
    await member.close()

    const restarted = await openServing(port)
    try {
      // The epoch it voted in is on disk: the new term is a later one, never the same again.
      expect(restarted.epoch).toBeGreaterThan(voted.epoch)
      expect(hardState().epoch).toBe(restarted.epoch)
    } finally {
      await restarted.close()
    }
  }, 60_000)
})
