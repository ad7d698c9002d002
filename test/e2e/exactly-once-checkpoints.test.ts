/**
 * Goal: exactly once across failovers when checkpoints are frequent, with units of work. The
 * outcomes a resend needs may then predate the checkpoint a restarted member recovered from, the
 * PUT record of a message a resent get took may be retired, and COMMITs are in flight when the
 * primary dies. Every acknowledged put is present exactly once, nothing is delivered twice, no
 * call fails: a COMMIT interrupted by the failover is sent again and answered OK (it committed:
 * its messages count) or 2003 WARNING (backed out: they must not be there; a unit's gets return
 * to the queue).
 * Method: a replicated group of three members (src/replication-group/member-group.ts) with 64
 * KiB segments and a checkpoint every 32 KiB of log; reconnecting producers and consumers outside
 * syncpoint (exactly-once-load.ts) and, beside them, a producer and a consumer that work in
 * units of three messages; the primary is killed -9 several times, restarted, caught up. Real
 * processes on loopback, each stopped by its pid. Needs `npm run build`.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, type QueueManagerConnection } from '../../src/client/index.js'
import { CompCode, isMQError, Reason } from '../../src/errors.js'
import { Persistence } from '../../src/queue/types.js'
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
const SEGMENT_BYTES = 64 * 1024
const TUNING = { checkpointIntervalBytes: 32 * 1024, retainMaxBytes: 256 * 1024 }
const UNIT_SIZE = 3

/** 2003 on a commit (WARNING) or on a call in the unit (FAILED): the unit was backed out. */
const backedOut = (error: unknown): boolean =>
  isMQError(error) && error.reason === Reason.BACKED_OUT

/** Producers and consumers that work in units of work, counting only what committed. */
class UnitLanes {
  readonly committedUnits: number[] = []
  readonly backedOutUnits: number[] = []
  private stopping = false
  private running: Promise<void>[] = []
  private readonly connections: QueueManagerConnection[] = []

  constructor(
    private readonly options: LoadOptions,
    private readonly load: ReconnectingLoad,
  ) {}

  async start(): Promise<void> {
    this.running.push(this.produce(await this.connect()))
    this.running.push(this.consume(await this.connect()))
  }

  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.running)
    await Promise.all(this.connections.map((connection) => connection.close()))
  }

  private async connect(): Promise<QueueManagerConnection> {
    const connection = await connect({
      connName: this.options.connName,
      queueManager: this.options.queueManager,
      connectTimeoutMs: 2_000,
      heartbeatMs: 1_000,
      reconnect: { timeoutMs: 120_000 },
    })
    this.connections.push(connection)
    return connection
  }

  /** Commits units of UNIT_SIZE puts; a unit's puts are acknowledged only once it commits. */
  private async produce(connection: QueueManagerConnection): Promise<void> {
    const queue = await connection.open(this.options.queue, { output: true })
    for (let unit = 0; !this.stopping; unit++) {
      const bodies = Array.from({ length: UNIT_SIZE }, (_, index) => `u${unit}-${index}`)
      try {
        for (const body of bodies) {
          await queue.put(body, { persistence: Persistence.PERSISTENT, syncpoint: true })
        }
        await connection.commit()
        for (const body of bodies) this.load.acknowledged.add(body)
        this.committedUnits.push(unit)
      } catch (error) {
        if (!(await this.afterFailure(connection, error))) return
        this.backedOutUnits.push(unit)
      }
    }
  }

  /** Gets up to UNIT_SIZE messages in a unit; they count as delivered once it commits. */
  private async consume(connection: QueueManagerConnection): Promise<void> {
    const queue = await connection.open(this.options.queue, { input: true })
    while (!this.stopping) {
      const bodies: string[] = []
      try {
        for (let index = 0; index < UNIT_SIZE; index++) {
          const message = await queue.get({ waitMs: 200, syncpoint: true }).catch((error) => {
            if (isMQError(error) && error.reason === Reason.NO_MSG_AVAILABLE) return undefined
            throw error
          })
          if (message === undefined) break
          bodies.push(Buffer.from(message.body).toString('utf8'))
        }
        // A unit in which no call succeeded has nothing to commit (and its COMMIT is unnamed).
        if (bodies.length === 0) {
          await connection.backout()
          continue
        }
        await connection.commit()
        this.load.delivered.push(...bodies)
      } catch (error) {
        if (!(await this.afterFailure(connection, error))) return
      }
    }
  }

  /** A backed-out unit: back out (ends it at the client) and go on; anything else is an error. */
  private async afterFailure(connection: QueueManagerConnection, error: unknown) {
    if (!backedOut(error)) {
      this.load.errors.push(error)
      return false
    }
    if (isMQError(error) && error.compCode === CompCode.FAILED) await connection.backout()
    return true
  }
}

function checkpointFiles(group: MemberGroup, node: NodeName): number {
  const directory = join(group.dataDirectory(node), 'checkpoints')
  if (!fs.existsSync(directory)) return 0
  return fs.readdirSync(directory).filter((name) => name.endsWith('.qckp')).length
}

describe('exactly once across kill -9 with frequent checkpoints and units of work', () => {
  let directory: ReturnType<typeof temporaryDirectory>
  let group: MemberGroup

  beforeEach(async () => {
    directory = temporaryDirectory('once-checkpoints')
    group = new MemberGroup(directory.path, await groupPort(), SEGMENT_BYTES, TUNING)
  })

  afterEach(async () => {
    await group.stopAll()
    if (process.env['QMQ_KEEP_TEST_DIRECTORY'] === undefined) directory.remove()
    else console.log(`kept ${directory.path}`)
  })

  it(`${ROUNDS} failovers: every acknowledged message once, every commit resolved`, async () => {
    group.startAll()
    let primary: NodeName = await group.waitForPrimary()
    const options: LoadOptions = {
      connName: group.connName,
      queueManager: 'QMR',
      queue: 'APP.Q',
      producers: 2,
      consumers: 2,
    }
    const load = new ReconnectingLoad(options)
    await load.start()
    const units = new UnitLanes(options, load)
    await units.start()
    for (let round = 0; round < ROUNDS; round++) {
      await load.acknowledgedMore(ACKS_PER_ROUND)
      expect(checkpointFiles(group, primary)).toBeGreaterThan(0)
      await group.member(primary).kill9()
      const next = await group.waitForPrimary(30_000, primary)
      expect(next).not.toBe(primary)
      group.start(primary)
      await group.waitCaughtUp(primary, next, 30_000)
      primary = next
    }
    await load.acknowledgedMore(ACKS_PER_ROUND)
    await units.stop()
    await load.stop()
    expectExactlyOnce(load, await drainQueue(options))
    expect(units.committedUnits.length).toBeGreaterThan(0)
    expect(load.eventCount(Reason.RECONNECTING)).toBeGreaterThanOrEqual(ROUNDS)
  }, 300_000)
})
