/**
 * Goal: copy-forward compaction is crash-safe at every point: after kill -9, every old message is
 * present exactly once, in delivery order, with its identity and body, and the log's floor can
 * still move past where it was.
 * Method: a child process (fixtures/compaction-child.mjs) puts 60 old messages and closes; then
 *  1. an injected crash: the child moves every old message, waits until the MOVE records are
 *     durable and kills itself before any checkpoint; recovery must replay the MOVEs;
 *  2. random kills: the child runs traffic with compaction on and is killed with SIGKILL at a
 *     seeded random moment after its first moves (QMQ_COMPACTION_CRASH_ROUNDS, default 3).
 * After each crash the test opens the queue manager and browses the old queue.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { temporaryDirectory } from '../support/temporary-directory.js'

const ROUNDS = Number(process.env['QMQ_COMPACTION_CRASH_ROUNDS'] ?? 3)
const SEED = Number(process.env['QMQ_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
const CHILD = fileURLToPath(new URL('./fixtures/compaction-child.mjs', import.meta.url))
const OLD_COUNT = 60
const directory = temporaryDirectory('compaction-crash')
afterAll(() => directory.remove())

function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

interface Child {
  readonly output: () => string
  readonly exited: Promise<unknown>
  readonly kill: () => void
  readonly errors: () => string
}

function startChild(mode: string): Child {
  const child = spawn(process.execPath, [CHILD, directory.path, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QMQ_LOG_LEVEL: 'error' },
  })
  let output = ''
  let errors = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  return {
    output: () => output,
    errors: () => errors,
    exited: once(child, 'exit'),
    kill: () => child.kill('SIGKILL'),
  }
}

async function until(child: Child, done: (output: string) => boolean): Promise<void> {
  const deadline = Date.now() + 50_000
  while (!done(child.output()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  if (!done(child.output())) {
    child.kill()
    await child.exited
    throw new Error(`child did not get there: ${child.output().slice(-300)} ${child.errors()}`)
  }
}

/** Browses the old queue: each message once, in delivery order, body intact. */
async function verifyOldMessages(): Promise<{ oldestLiveLsn: number }> {
  const queueManager = await QueueManager.open({ dataDirectory: directory.path })
  try {
    const handle = queueManager.connect().open('OLD', { browse: true })
    const seen: string[] = []
    for (let browse: 'first' | 'next' = 'first'; ; browse = 'next') {
      let message
      try {
        message = await handle.get({ browse })
      } catch (error) {
        if ((error as { reason?: number }).reason === 2033) break
        throw error
      }
      const body = Buffer.from(message.body)
      const index = Number(/^old-(\d+):/.exec(body.toString('latin1'))?.[1])
      expect(body.length).toBe(512 + 61 * index)
      expect(body.at(-1)).toBe(0x30 + (index % 10))
      expect(message.descriptor.priority).toBe(index % 10)
      seen.push(`${index}`)
    }
    // Priority order, then arrival order within a priority: as put, whatever moved.
    const expected = Array.from({ length: OLD_COUNT }, (_, index) => index)
      .sort((left, right) => (right % 10) - (left % 10) || left - right)
      .map(String)
    expect(seen).toEqual(expected)
    return { oldestLiveLsn: queueManager.logStatus().oldestLiveLsn }
  } finally {
    await queueManager.close()
  }
}

describe(`compaction under kill -9 (seed ${SEED}, ${ROUNDS} rounds)`, () => {
  it('keeps every old message exactly once through moves and crashes', async () => {
    const setup = startChild('setup')
    await until(setup, (output) => output.includes('DONE'))
    await setup.exited
    const setupEnd = Number(/END (\d+)/.exec(setup.output())?.[1])

    const injected = startChild('move-and-die')
    await until(injected, (output) => /MOVED \d+/.test(output))
    await injected.exited
    expect(injected.output()).toContain(`MOVED ${OLD_COUNT}`)
    const afterInjected = await verifyOldMessages()
    // Recovery replayed the MOVEs: the oldest message now lives past the original puts.
    expect(afterInjected.oldestLiveLsn).toBeGreaterThan(setupEnd)

    const next = random(SEED)
    for (let round = 0; round < ROUNDS; round++) {
      const child = startChild('traffic')
      await until(child, (output) => /M [1-9]\d* \d+\n/.test(output))
      const killAfterMs = Math.floor(next() * 400)
      await new Promise((resolve) => setTimeout(resolve, killAfterMs))
      expect(child.errors()).toBe('')
      child.kill()
      await child.exited
      await verifyOldMessages()
    }
  })
})
