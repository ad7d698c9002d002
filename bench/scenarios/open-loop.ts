/**
 * Fixed-rate (open-loop) load at several offered rates up to and past saturation. Message i is
 * due at start + i / rate whatever happened to earlier ones; put and end-to-end latency are
 * measured from that intended time, so a system that stalls is charged for every message the
 * stall delayed (no coordinated omission). Rates are fractions of the capacity measured by the
 * pipelined scenario (or by a short probe when that did not run). The ladder stops after two
 * saturated rates: the point of interest is where latency turns up, not how bad it gets.
 */
import { nowMicros, sleepMs } from '../measure/clock.js'
import { createHistogram, recordMicros, summarize } from '../measure/histogram.js'
import {
  achievedRate,
  dueMessageCount,
  firstSaturatedRate,
  intendedSendTimeMicros,
  isSaturated,
  latencyFromIntendedMicros,
  rateLadder,
  roundToSignificant,
} from '../measure/open-loop.js'
import { BodyFactory, readSequence, readTimestampMicros } from '../measure/payload.js'
import type { MessageStream, OpenLoopPoint, QueueSession, ScenarioResult } from '../types.js'
import {
  buildResult,
  capacityKey,
  closeStreams,
  round,
  waitFor,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'
import { runPipelinedLoad } from './pipelined.js'

const CONSUMER_POLL_MS = 100
/** A rate whose schedule overruns by this factor (plus a fixed margin) is abandoned. */
const OVERRUN_FACTOR = 3
const OVERRUN_MARGIN_SECONDS = 10
/** Consecutive saturated rates after which higher rates are not tried. */
const SATURATED_RATES_TO_STOP = 2
const PROBE_SECONDS = 3
const MINIMUM_SLEEP_MS = 1
/** Beyond the ladder, rates grow by this factor until saturation, at most EXTRA_STEPS times. */
const EXTRA_STEP_FACTOR = 1.5
const EXTRA_STEPS = 4

interface RateRun {
  readonly producers: readonly QueueSession[]
  readonly streams: readonly MessageStream[]
  readonly ratePerSecond: number
  readonly seconds: number
  readonly maxInFlight: number
  readonly variant: ScenarioVariant
  readonly bodies: BodyFactory
  /** Sequence numbers of this rate start here; older deliveries are leftovers and ignored. */
  readonly firstSequence: number
}

interface RateState {
  sent: number
  completed: number
  failures: number
  inFlight: number
  received: number
  lastCompletion: number
  wake: (() => void) | undefined
  consumerError: unknown
}

function consumeRate(run: RateRun, state: RateState, done: () => boolean) {
  const endToEnd = createHistogram()
  const loops = run.streams.map(async (stream) => {
    while (!done()) {
      let body: Buffer | undefined
      try {
        body = await stream.next(CONSUMER_POLL_MS)
      } catch (error) {
        // Kept for the end of the rate, where it fails the scenario with this cause.
        state.consumerError ??= error
        return
      }
      if (body === undefined || readSequence(body) < run.firstSequence) continue
      state.received++
      recordMicros(endToEnd, latencyFromIntendedMicros(readTimestampMicros(body), nowMicros()))
    }
  })
  return { endToEnd, finished: Promise.all(loops) }
}

/** Sends on schedule; returns whether the schedule was abandoned for overrunning. */
async function sendOnSchedule(
  run: RateRun,
  state: RateState,
  put: ReturnType<typeof createHistogram>,
  start: number,
  total: number,
): Promise<boolean> {
  const deadline = start + (run.seconds * OVERRUN_FACTOR + OVERRUN_MARGIN_SECONDS) * 1_000_000
  const complete = (intended: number, failed: boolean): void => {
    const completed = nowMicros()
    state.inFlight--
    if (failed) state.failures++
    else {
      state.completed++
      state.lastCompletion = completed
      recordMicros(put, latencyFromIntendedMicros(intended, completed))
    }
    const wake = state.wake
    state.wake = undefined
    wake?.()
  }
  while (state.sent < total) {
    const now = nowMicros()
    if (now > deadline) return true
    const due = dueMessageCount(start, now, run.ratePerSecond, total)
    while (state.sent < due && state.inFlight < run.maxInFlight) {
      const intended = intendedSendTimeMicros(start, state.sent, run.ratePerSecond)
      const sequence = run.firstSequence + state.sent
      const producer = run.producers[state.sent % run.producers.length]
      state.sent++
      state.inFlight++
      producer?.put(run.bodies.create(sequence, intended), run.variant).then(
        () => complete(intended, false),
        () => complete(intended, true),
      )
    }
    if (state.sent >= total) break
    if (state.inFlight >= run.maxInFlight) {
      await new Promise<void>((resolve) => (state.wake = resolve))
      continue
    }
    // Sleep at least one timer tick even when the next message is due sooner: spinning on
    // setImmediate would take a whole core from the servers on a small machine. Messages then
    // leave in bursts of up to a millisecond's worth, each charged from its intended time.
    const nextDue = intendedSendTimeMicros(start, state.sent, run.ratePerSecond)
    await sleepMs(Math.max(MINIMUM_SLEEP_MS, (nextDue - nowMicros()) / 1000))
  }
  const remainingMs = Math.max(0, (deadline - nowMicros()) / 1000)
  return !(await waitFor(() => state.inFlight === 0, remainingMs))
}

async function runRate(run: RateRun): Promise<OpenLoopPoint> {
  const total = Math.max(1, Math.round(run.ratePerSecond * run.seconds))
  const state: RateState = {
    sent: 0,
    completed: 0,
    failures: 0,
    inFlight: 0,
    received: 0,
    lastCompletion: 0,
    wake: undefined,
    consumerError: undefined,
  }
  let consuming = true
  const consumers = consumeRate(run, state, () => !consuming)
  const put = createHistogram()
  const start = nowMicros() + 1000
  const abandoned = await sendOnSchedule(run, state, put, start, total)
  await waitFor(() => state.received >= state.completed, abandoned ? 1000 : 10_000)
  consuming = false
  await consumers.finished
  if (state.consumerError !== undefined) throw state.consumerError
  const achieved = achievedRate(state.completed, start, state.lastCompletion)
  return {
    offeredMessagesPerSecond: run.ratePerSecond,
    achievedMessagesPerSecond: round(achieved, 1),
    put: summarize(put),
    endToEnd: summarize(consumers.endToEnd),
    saturated: isSaturated(run.ratePerSecond, achieved, abandoned || state.failures > 0),
  }
}

async function measureCapacity(
  context: ScenarioContext,
  variant: ScenarioVariant,
): Promise<number> {
  const cached = context.capacityCache.get(capacityKey(variant))
  if (cached !== undefined && cached > 0) return cached
  const seconds = Math.min(PROBE_SECONDS, context.parameters.durationSeconds)
  const outcome = await withQueue(context, 'open-loop', variant, (queueName) =>
    runPipelinedLoad(context, variant, queueName, { warmupSeconds: 0.5, durationSeconds: seconds }),
  )
  return outcome.consumedInWindow / outcome.windowSeconds
}

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  const capacity = await measureCapacity(context, variant)
  const rates = rateLadder(capacity, parameters.openLoopFractions)
  context.log(`  capacity ${Math.round(capacity)} msg/s; offered rates ${rates.join(', ')}`)
  const connections = parameters.connections
  const bodies = new BodyFactory(variant.messageBytes)
  return withQueue(context, 'open-loop', variant, (queueName) =>
    withSessions(context, queueName, variant, connections * 2, async (sessions) => {
      const streams: MessageStream[] = []
      try {
        const prefetch = Math.max(1, Math.round(parameters.openLoopMaxInFlight / connections))
        for (const session of sessions.slice(connections)) {
          streams.push(await session.consume(prefetch))
        }
        const points: OpenLoopPoint[] = []
        let firstSequence = 0
        let saturatedInARow = 0
        let extended = 0
        for (let step = 0; step < rates.length; step++) {
          const ratePerSecond = rates[step] as number
          const point = await runRate({
            producers: sessions.slice(0, connections),
            streams,
            ratePerSecond,
            seconds: parameters.openLoopSecondsPerRate,
            maxInFlight: parameters.openLoopMaxInFlight,
            variant,
            bodies,
            firstSequence,
          })
          firstSequence += Math.round(ratePerSecond * parameters.openLoopSecondsPerRate) + 1
          points.push(point)
          context.log(
            `  offered ${ratePerSecond}/s achieved ${point.achievedMessagesPerSecond}/s ` +
              `p99 ${point.put.p99Micros} µs${point.saturated ? ' (saturated)' : ''}`,
          )
          saturatedInARow = point.saturated ? saturatedInARow + 1 : 0
          if (saturatedInARow >= SATURATED_RATES_TO_STOP) break
          // The capacity estimate can be low (the pipelined window limits it): go on up until
          // the system saturates, within a bounded number of extra steps.
          if (step === rates.length - 1 && !point.saturated && extended < EXTRA_STEPS) {
            extended++
            rates.push(roundToSignificant(ratePerSecond * EXTRA_STEP_FACTOR, 2))
          }
        }
        return resultFromPoints(context, variant, capacity, points)
      } finally {
        await closeStreams(streams)
      }
    }),
  )
}

/** The highest rate below the first saturated one: later recoveries are noise, not capacity. */
function lastSustainedPoint(points: readonly OpenLoopPoint[]): OpenLoopPoint | undefined {
  const firstSaturated = points.findIndex((point) => point.saturated)
  const sustained = firstSaturated === -1 ? points : points.slice(0, firstSaturated)
  return sustained[sustained.length - 1]
}

function resultFromPoints(
  context: ScenarioContext,
  variant: ScenarioVariant,
  capacity: number,
  points: readonly OpenLoopPoint[],
): ScenarioResult {
  const best = lastSustainedPoint(points) ?? points[0]
  const saturation = firstSaturatedRate(points)
  const seconds = context.parameters.openLoopSecondsPerRate
  return buildResult(context, 'open-loop', variant, {
    connections: context.parameters.connections,
    inFlight: context.parameters.openLoopMaxInFlight,
    durationSeconds: seconds,
    // The headline throughput is the highest rate sustained without saturating.
    // Rounded up: a point with completions had at least one message, even when a stalled
    // sender stretched its few messages (quick runs offer ~2) well past `seconds`.
    messages: best === undefined ? 0 : Math.ceil(best.achievedMessagesPerSecond * seconds),
    latencies: best === undefined ? {} : { put: best.put },
    openLoop: points,
    ...(saturation === undefined ? {} : { saturationMessagesPerSecond: saturation }),
    notes: [`capacity estimate ${Math.round(capacity)} msg/s from pipelined load`],
  })
}

export const openLoopScenario: Scenario = {
  name: 'open-loop',
  title: 'Fixed-rate open-loop load (latency from intended send time)',
  primaryMetric: 'throughput',
  run,
}
