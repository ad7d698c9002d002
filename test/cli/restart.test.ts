/**
 * Goal: a daemon killed with -9 never stands in the way of the next start, and nothing a client
 * was told is durable is lost or duplicated across such crashes.
 * - Racing starts: N `qmqd start` at once, on a fresh node and right after a kill -9 (the dead
 *   daemon still a zombie, its pid file and socket left behind), give exactly one daemon: every
 *   command names the same pid and the log shows one "qmqd started" per round.
 * - Crash rounds: clients put persistent messages (several puts in flight) while the daemon is
 *   killed through its pid file; dspmq says "Ended unexpectedly"; strmqm brings the queue manager
 *   back at once (no waiting for the zombie to be reaped). At the end every acknowledged message is
 *   there exactly once, and no message is there twice.
 * Method: real processes on loopback, each stopped by its pid.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, Persistence, Reason, isMQError } from '../../src/index.js'
import type { QueueManagerConnection } from '../../src/index.js'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort, statusOf } from './support.js'

const RACERS = 6
const CRASH_ROUNDS = Number(process.env['QMQ_DAEMON_CRASH_ROUNDS'] ?? '4')
const PUTTERS = 4
const QUEUE = 'CRASH.Q'
/** Daemons log at info, so the test can count their starts (tests run them silent otherwise). */
const LOGGING = { QMQ_LOG_LEVEL: 'info' }

function daemonPidsNamed(output: string): number[] {
  return [...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1]))
}

function startedLines(node: TestNode): number {
  const logs = join(node.home, 'logs')
  const files = fs.readdirSync(logs).filter((name) => /^qmqd\.\d+\.log$/.test(name))
  const log = files.map((name) => fs.readFileSync(join(logs, name), 'utf8')).join('\n')
  return log.split('\n').filter((line) => line.includes('"msg":"qmqd started"')).length
}

/**
 * The daemon logs through a pino transport (a worker thread writing the rolling file), so its
 * "qmqd started" line reaches the file some time after the daemon answers: wait until the file
 * shows `expected` starts (a loaded machine delays the writer), then check there are no more.
 */
async function expectStartedLines(node: TestNode, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000
  while (startedLines(node) < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(startedLines(node)).toBe(expected)
}

async function raceStarts(node: TestNode): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: RACERS }, () => node.run('qmqd', ['start'], { env: LOGGING })),
  )
  for (const result of results) expect(result.code, result.stderr).toBe(0)
  const pids = new Set(results.flatMap((result) => daemonPidsNamed(result.stdout)))
  expect(pids.size).toBe(1)
  const [pid] = [...pids]
  expect(node.daemonPid()).toBe(pid)
  return pid!
}

describe('a killed daemon comes back', () => {
  const node = new TestNode('cli-rst')
  afterAll(async () => {
    await node.dispose()
  })

  it('gives exactly one daemon to racing starts, fresh and after kill -9', async () => {
    const first = await raceStarts(node)
    await expectStartedLines(node, 1)
    process.kill(first, 'SIGKILL')
    const second = await raceStarts(node)
    expect(second).not.toBe(first)
    await expectStartedLines(node, 2)
  })

  it('keeps every acknowledged persistent message exactly once across kill -9 rounds', async () => {
    const port = await freePort()
    const created = await node.run('crtmqm', [
      '-p',
      String(port),
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QMR',
    ])
    expect(created.code, created.stderr).toBe(0)
    expect((await node.run('strmqm', ['QMR'])).code).toBe(0)
    const define = `DEFINE QLOCAL(${QUEUE}) DEFPSIST(YES) MAXDEPTH(999999999)\n`
    expect((await node.run('runmqsc', ['QMR'], { input: define })).code).toBe(0)
    const acknowledged = new Set<string>()
    const connName = `127.0.0.1(${port})`
    for (let round = 0; round < CRASH_ROUNDS; round++) {
      await putUntilKilled(node, connName, round, acknowledged)
      const display = await node.run('dspmq')
      expect(statusOf(display.stdout, 'QMR')).toBe('Ended unexpectedly')
      const restarted = await node.run('strmqm', ['QMR'])
      expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0)
    }
    const present = await drain(connName)
    const counts = new Map<string, number>()
    for (const body of present) counts.set(body, (counts.get(body) ?? 0) + 1)
    expect([...counts].filter(([, count]) => count > 1)).toEqual([])
    expect([...acknowledged].filter((body) => !counts.has(body))).toEqual([])
    expect(acknowledged.size).toBeGreaterThan(CRASH_ROUNDS * 50)
  })
})

/**
 * PUTTERS loops put persistent messages; the daemon is killed once this round has had enough of
 * them acknowledged, so puts are in flight when it dies.
 */
async function putUntilKilled(
  node: TestNode,
  connName: string,
  round: number,
  acknowledged: Set<string>,
): Promise<void> {
  const connection = await connect({ queueManager: 'QMR', connName })
  const queue = await connection.open(QUEUE, { output: true })
  const killAfter = 50 + round * 37
  let roundAcknowledged = 0
  let killed = false
  const killDaemon = (): void => {
    if (killed) return
    killed = true
    process.kill(node.daemonPid()!, 'SIGKILL')
  }
  const putter = async (lane: number): Promise<void> => {
    for (let sequence = 0; ; sequence++) {
      const body = `r${round}-l${lane}-s${sequence}`
      try {
        await queue.put(body, { persistence: Persistence.PERSISTENT })
      } catch (error) {
        if (!isMQError(error)) throw error
        return
      }
      acknowledged.add(body)
      if (++roundAcknowledged >= killAfter) killDaemon()
    }
  }
  await Promise.all(Array.from({ length: PUTTERS }, (_, lane) => putter(lane)))
  expect(killed).toBe(true)
  await closeQuietly(connection)
}

async function drain(connName: string): Promise<string[]> {
  const connection = await connect({ queueManager: 'QMR', connName })
  const queue = await connection.open(QUEUE, { input: true })
  const bodies: string[] = []
  for (;;) {
    try {
      const message = await queue.get()
      bodies.push(Buffer.from(message.body).toString('utf8'))
    } catch (error) {
      if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) break
      throw error
    }
  }
  await connection.close()
  return bodies
}

async function closeQuietly(connection: QueueManagerConnection): Promise<void> {
  try {
    await connection.close()
  } catch {
    // The queue manager it talked to was killed: nothing left to close.
  }
}
