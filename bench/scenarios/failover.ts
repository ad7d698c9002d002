/**
 * Failover under load: kill -9 of the primary's server, `failoverKills` times, while reconnecting
 * clients put and get; the killed node is restarted each time and the next kill waits until it
 * is back in sync (killing a second node before that would leave no majority).
 *
 * Load: M producer connections with 2 persistent puts in flight each, and M consumer
 * connections with 2 destructive gets (outside syncpoint) in flight each. Every body carries a
 * unique sequence number. Clients reconnect through the connection-name list; a put or get that
 * was in flight across the kill is resent with its request identity (exactly once).
 *
 * Figures: the client-visible gap, one sample per producer per kill = from that producer's
 * last acknowledged put before the kill to its first acknowledged put after it; and, once
 * the load stops and the queue is drained, acknowledged messages lost (acknowledged, never got)
 * and messages repeated (got more than once). Both must be 0.
 */
import { nowMicros, secondsSince, sleepMs } from '../measure/clock.js'
import { BodyFactory, readSequence } from '../measure/payload.js'
import type { QueueSession, ScenarioResult, TopologyFaults } from '../types.js'
import {
  LatencySet,
  buildResult,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

const PUTS_IN_FLIGHT_PER_PRODUCER = 2
/** As many gets as puts in flight: a persistent get costs the group what a put does. */
const GETS_IN_FLIGHT_PER_CONSUMER = 2
const HEALTHY_TIMEOUT_MS = 120_000
/** A gap longer than this ends the scenario with an error: the group did not fail over. */
const RECOVERY_TIMEOUT_MS = 60_000
/** Load runs this long between a healthy group and the next kill. */
const LOAD_BEFORE_KILL_MS = 1000
const GET_WAIT_MS = 1000
/** rdqm.ini's default DeadTime: no failover can complete sooner. */
const DEAD_TIME_MICROS = 200_000
/** The drain ends after this many empty gets in a row. */
const EMPTY_GETS_TO_END_DRAIN = 3

class Load {
  running = true
  nextSequence = 0
  readonly acknowledged = new Set<number>()
  readonly seen = new Map<number, number>()
  /** Completion time (µs) of each producer's latest acknowledged put. */
  readonly lastAck: number[]
  readonly failures: string[] = []
  putFailures = 0
  getFailures = 0

  constructor(
    private readonly bodies: BodyFactory,
    producers: number,
  ) {
    this.lastAck = new Array<number>(producers).fill(0)
  }

  async produce(session: QueueSession, producer: number): Promise<void> {
    while (this.running) {
      const sequence = this.nextSequence++
      try {
        await session.put(this.bodies.create(sequence, nowMicros()), { persistent: true })
        this.acknowledged.add(sequence)
        this.lastAck[producer] = nowMicros()
      } catch (error) {
        // Not acknowledged: its outcome is unknown, so it counts as neither lost nor kept.
        this.putFailures++
        this.note(error)
        await sleepMs(50)
      }
    }
  }

  async consume(session: QueueSession): Promise<void> {
    while (this.running) await this.getOne(session)
  }

  /** One get; returns whether it got a message. */
  async getOne(session: QueueSession): Promise<boolean> {
    try {
      const body = await session.get(GET_WAIT_MS)
      if (body === undefined) return false
      const sequence = readSequence(body)
      this.seen.set(sequence, (this.seen.get(sequence) ?? 0) + 1)
      return true
    } catch (error) {
      this.getFailures++
      this.note(error)
      await sleepMs(50)
      return false
    }
  }

  private note(error: unknown): void {
    if (this.failures.length < 5) {
      this.failures.push(error instanceof Error ? error.message : String(error))
    }
  }
}

async function killOnce(
  faults: TopologyFaults,
  load: Load,
  gaps: LatencySet,
  log: (line: string) => void,
): Promise<number> {
  const primary = await faults.waitForHealthyGroup(HEALTHY_TIMEOUT_MS)
  const settled = nowMicros()
  await sleepMs(LOAD_BEFORE_KILL_MS)
  if (load.lastAck.some((at) => at < settled)) {
    // Load is not flowing on every producer: wait for it (bounded), or the gap is meaningless.
    const flowing = await until(
      () => load.lastAck.every((at) => at >= settled),
      RECOVERY_TIMEOUT_MS,
    )
    if (!flowing) throw new Error('producers made no progress on a healthy group')
  }
  // The primary may have moved during the load (an election on a busy machine): ask again, as
  // late as possible, so that the kill hits the node that serves the clients.
  const target = await faults.primaryNode(HEALTHY_TIMEOUT_MS)
  const before = [...load.lastAck]
  const killedAt = nowMicros()
  await faults.killNode(target)
  const recovered = await until(
    () => load.lastAck.every((at) => at > killedAt),
    RECOVERY_TIMEOUT_MS,
  )
  if (!recovered) throw new Error(`clients not served within ${RECOVERY_TIMEOUT_MS} ms of a kill`)
  const perProducer = load.lastAck.map((at, index) => at - (before[index] ?? killedAt))
  for (const gap of perProducer) gaps.record('gap', gap)
  const worst = Math.max(...perProducer)
  log(
    `  kill -9 of node ${primary}'s qmqd: clients served again within ${(worst / 1000).toFixed(0)} ms`,
  )
  await faults.restartNode(primary)
  return worst
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) return false
    await sleepMs(5)
  }
  return true
}

/** Gets on every session at once until each has had EMPTY_GETS_TO_END_DRAIN empty gets. */
async function drain(load: Load, sessions: readonly QueueSession[]): Promise<void> {
  const drainOne = async (session: QueueSession): Promise<void> => {
    let empty = 0
    while (empty < EMPTY_GETS_TO_END_DRAIN) empty = (await load.getOne(session)) ? 0 : empty + 1
  }
  await Promise.all(
    sessions.flatMap((session) =>
      Array.from({ length: GETS_IN_FLIGHT_PER_CONSUMER }, () => drainOne(session)),
    ),
  )
}

function outcomeNotes(load: Load, worstGaps: readonly number[]): string[] {
  const quick = worstGaps.filter((gap) => gap < DEAD_TIME_MICROS).length
  const lost = [...load.acknowledged].filter((sequence) => !load.seen.has(sequence))
  const repeated = [...load.seen].filter(([, count]) => count > 1)
  const repeatedAcknowledged = repeated.filter(([sequence]) => load.acknowledged.has(sequence))
  return [
    `kills: ${worstGaps.length} (kill -9 of the primary's qmqd, restarted each time)`,
    `kills after which every client was served again sooner than the group's DeadTime ` +
      `(200 ms; the primary probably moved just before the kill): ${quick}`,
    `acknowledged puts: ${load.acknowledged.size}; messages got: ${load.seen.size}`,
    `acknowledged messages lost: ${lost.length}` +
      (lost.length > 0 ? ` (e.g. ${lost.slice(0, 5).join(', ')})` : ''),
    `messages got more than once: ${repeated.length} (acknowledged ones: ` +
      `${repeatedAcknowledged.length})`,
    `calls that failed (outcome unknown to the client): puts ${load.putFailures}, gets ` +
      `${load.getFailures}` +
      (load.failures.length > 0 ? `; first errors: ${load.failures.join(' | ')}` : ''),
  ]
}

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const faults = context.topology.faults
  if (faults === undefined) {
    throw new Error('failover needs a topology that can kill its primary (quorummq cluster3)')
  }
  if (!variant.persistent) {
    throw new Error('failover runs persistent messages only (non-persistent ones die with it)')
  }
  const { parameters } = context
  const producers = parameters.connections
  const consumers = producers
  const load = new Load(new BodyFactory(variant.messageBytes), producers)
  const gaps = new LatencySet()
  return withQueue(context, 'failover', variant, (queueName) =>
    withSessions(context, queueName, variant, producers + consumers, async (sessions) => {
      const start = nowMicros()
      const workers = sessions
        .slice(0, producers)
        .flatMap((session, producer) =>
          Array.from({ length: PUTS_IN_FLIGHT_PER_PRODUCER }, () =>
            load.produce(session, producer),
          ),
        )
      const readers = sessions
        .slice(producers, producers + consumers)
        .flatMap((s) => Array.from({ length: GETS_IN_FLIGHT_PER_CONSUMER }, () => load.consume(s)))
      const worstGaps: number[] = []
      try {
        while (worstGaps.length < parameters.failoverKills) {
          worstGaps.push(await killOnce(faults, load, gaps, context.log))
        }
        await faults.waitForHealthyGroup(HEALTHY_TIMEOUT_MS)
      } finally {
        load.running = false
        await Promise.all([...workers, ...readers])
      }
      const durationSeconds = secondsSince(start)
      await drain(load, sessions)
      const notes = outcomeNotes(load, worstGaps)
      for (const note of notes) context.log(`  ${note}`)
      return buildResult(context, 'failover', variant, {
        connections: producers + consumers,
        inFlight: producers * PUTS_IN_FLIGHT_PER_PRODUCER,
        durationSeconds,
        messages: load.acknowledged.size,
        latencies: gaps.summaries(),
        notes,
      })
    }),
  )
}

export const failoverScenario: Scenario = {
  name: 'failover',
  title: 'Failover: kill -9 of the primary under load (client-visible gap)',
  primaryMetric: 'gap',
  run,
}
