/**
 * Goal: no acknowledged work is lost or repeated across failover. Reconnecting clients that put
 * and get persistent messages while the queue manager under them is killed with -9, several
 * times, end with every acknowledged put present exactly once (delivered once, or still on the
 * queue) and no message delivered twice; no call fails (no 2549: interrupted puts and gets are
 * sent again with their request identity and answered with their first outcome). A unit of
 * work open across a failover reports 2003. Events 2544 and 2545 reach onEvent.
 * Method: real processes on loopback, each stopped by its pid. (1) A replicated group of three
 * members (src/replication-group/member-group.ts): the primary is killed, another member
 * takes over, the killed one is started again and catches up before the next round. (2) A
 * single qmqd, killed and started again with strmqm; the clients reconnect to the same node.
 * Needs `npm run build` (members, commands and daemons run dist/).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { CompCode, Reason, type MQError } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
import { SMALL_LOG_FILE_PAGES, TestNode, freePort } from '../cli/support.js'
import { groupPort, MemberGroup, type NodeName } from '../../src/replication-group/member-group.js'
import { temporaryDirectory } from '../support/temporary-directory.js'
import {
  drainQueue,
  expectExactlyOnce,
  ReconnectingLoad,
  type LoadOptions,
} from './exactly-once-load.js'

const ROUNDS = Number(process.env['QMQ_EXACTLY_ONCE_ROUNDS'] ?? '3')
const ACKS_PER_ROUND = 150

/** A connection with a unit of work open: one put under syncpoint, not committed. */
async function openUnitOfWork(
  connName: string,
  queueManager: string,
  queueName: string,
): Promise<{ connection: QueueManagerConnection; events: MQError[]; put: () => Promise<unknown> }> {
  const events: MQError[] = []
  const connection = await connect({
    connName,
    queueManager,
    connectTimeoutMs: 2_000,
    reconnect: { timeoutMs: 120_000, onEvent: (event) => events.push(event) },
  })
  const queue = await connection.open(queueName, { output: true })
  const put = () =>
    queue.put('in a unit of work', { persistence: Persistence.PERSISTENT, syncpoint: true })
  await put()
  return { connection, events, put }
}

async function waitForEvent(events: MQError[], reason: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (!events.some((event) => event.reason === reason)) {
    if (Date.now() > deadline) throw new Error(`no event ${reason} in ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The unit of work did not survive: 2003 on the next call in it, 2003 WARNING on commit. */
async function expectBackedOut(unit: Awaited<ReturnType<typeof openUnitOfWork>>) {
  await waitForEvent(unit.events, Reason.RECONNECTED)
  expect(unit.events.map((event) => event.reason).slice(0, 2)).toEqual([
    Reason.RECONNECTING,
    Reason.RECONNECTED,
  ])
  await expect(unit.put()).rejects.toMatchObject({
    reason: Reason.BACKED_OUT,
    compCode: CompCode.FAILED,
  })
  await expect(unit.connection.commit()).rejects.toMatchObject({
    reason: Reason.BACKED_OUT,
    compCode: CompCode.WARNING,
  })
  await unit.connection.close()
}

describe('exactly once across kill -9 of the primary of a replicated group', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  let group: MemberGroup

  beforeEach(async () => {
    directory = temporaryDirectory('once-group')
    group = new MemberGroup(directory.path, await groupPort())
  })

  afterEach(async () => {
    await group.stopAll()
    if (process.env['QMQ_KEEP_TEST_DIRECTORY'] === undefined) directory.remove()
    else console.log(`kept ${directory.path}`)
  })

  it(`${ROUNDS} failovers under reconnecting producers and consumers`, async () => {
    group.startAll()
    let primary: NodeName = await group.waitForPrimary()
    const options: LoadOptions = {
      connName: group.connName,
      queueManager: 'QMR',
      queue: 'APP.Q',
      producers: 3,
      consumers: 2,
    }
    const load = new ReconnectingLoad(options)
    await load.start()
    const unit = await openUnitOfWork(group.connName, 'QMR', 'APP.Q')
    for (let round = 0; round < ROUNDS; round++) {
      await load.acknowledgedMore(ACKS_PER_ROUND)
      await group.member(primary).kill9()
      const next = await group.waitForPrimary(30_000, primary)
      expect(next).not.toBe(primary)
      if (round === 0) await expectBackedOut(unit)
      group.start(primary)
      await group.waitCaughtUp(primary, next, 30_000)
      primary = next
    }
    await load.acknowledgedMore(ACKS_PER_ROUND)
    await load.stop()
    expectExactlyOnce(load, await drainQueue(options))
    expect(load.eventCount(Reason.RECONNECTING)).toBeGreaterThanOrEqual(ROUNDS)
    expect(load.eventCount(Reason.RECONNECTED)).toBe(load.eventCount(Reason.RECONNECTING))
  }, 300_000)
})

describe('exactly once across kill -9 and restart of a single qmqd', () => {
  let node: TestNode

  beforeEach(() => {
    node = new TestNode('once')
  })

  afterEach(async () => {
    await node.dispose()
  })

  it(`${ROUNDS} crashes under reconnecting producers and consumers`, async () => {
    const port = await freePort()
    const created = await node.run('crtmqm', [
      '-p',
      String(port),
      '-lf',
      SMALL_LOG_FILE_PAGES,
      'QMS',
    ])
    expect(created.code, created.stderr).toBe(0)
    expect((await node.run('strmqm', ['QMS'])).code).toBe(0)
    const define = 'DEFINE QLOCAL(ONCE.Q) DEFPSIST(YES) MAXDEPTH(999999999)\n'
    expect((await node.run('runmqsc', ['QMS'], { input: define })).code).toBe(0)
    const options: LoadOptions = {
      connName: `127.0.0.1(${port})`,
      queueManager: 'QMS',
      queue: 'ONCE.Q',
      producers: 3,
      consumers: 2,
    }
    const load = new ReconnectingLoad(options)
    await load.start()
    const unit = await openUnitOfWork(options.connName, 'QMS', 'ONCE.Q')
    for (let round = 0; round < ROUNDS; round++) {
      await load.acknowledgedMore(ACKS_PER_ROUND)
      process.kill(node.daemonPid()!, 'SIGKILL')
      const restarted = await node.run('strmqm', ['QMS'])
      expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0)
      if (round === 0) await expectBackedOut(unit)
    }
    await load.acknowledgedMore(ACKS_PER_ROUND)
    await load.stop()
    expectExactlyOnce(load, await drainQueue(options))
    expect(load.eventCount(Reason.RECONNECTED)).toBeGreaterThanOrEqual(ROUNDS)
  }, 300_000)
})
