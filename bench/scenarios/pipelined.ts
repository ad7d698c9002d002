/**
 * Pipelined throughput: M producer connections keep N puts in flight between them while M
 * consumer connections drain the queue (prefetch N / M each). Throughput is what the consumers
 * receive during the measured window; put latency is the acknowledgement time under that load and
 * end-to-end latency is put start to delivery. Producers pause when the backlog passes a bound, so
 * the figure is a sustainable rate rather than how fast a queue can grow.
 */
import { nowMicros, sleepMs } from '../measure/clock.js'
import { BodyFactory, readTimestampMicros } from '../measure/payload.js'
import type { MessageStream, QueueSession, ScenarioResult } from '../types.js'
import {
  LatencySet,
  buildResult,
  capacityKey,
  closeStreams,
  waitFor,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

/** How long consumers wait per request before re-checking whether the run is over. */
const CONSUMER_POLL_MS = 100
/** After producers stop, consumers get this long to drain what was acknowledged. */
const DRAIN_TIMEOUT_MS = 10_000

export interface PipelinedOutcome {
  readonly consumedInWindow: number
  readonly windowSeconds: number
  readonly latencies: LatencySet
  readonly connections: number
  readonly inFlight: number
  readonly failures: number
}

interface LoadState {
  sequence: number
  acknowledged: number
  consumed: number
  consumedInWindow: number
  failures: number
  producing: boolean
  consuming: boolean
  consumerError: unknown
}

function producerLoop(
  session: QueueSession,
  state: LoadState,
  variant: ScenarioVariant,
  bodies: BodyFactory,
  window: { start: number; end: number; backlogLimit: number; latencies: LatencySet },
): Promise<void> {
  return (async () => {
    while (state.producing) {
      if (state.acknowledged - state.consumed > window.backlogLimit) {
        await sleepMs(1)
        continue
      }
      const sent = nowMicros()
      try {
        await session.put(bodies.create(state.sequence++, sent), variant)
      } catch {
        state.failures++
        continue
      }
      state.acknowledged++
      if (sent >= window.start && sent < window.end) {
        window.latencies.record('put', nowMicros() - sent)
      }
    }
  })()
}

function consumerLoop(
  stream: MessageStream,
  state: LoadState,
  window: { start: number; end: number; latencies: LatencySet },
): Promise<void> {
  return (async () => {
    while (state.consuming) {
      let body: Buffer | undefined
      try {
        body = await stream.next(CONSUMER_POLL_MS)
      } catch (error) {
        // Kept for the end of the run, where it fails the scenario with this cause.
        state.consumerError ??= error
        return
      }
      if (body === undefined) continue
      const received = nowMicros()
      state.consumed++
      if (received >= window.start && received < window.end) state.consumedInWindow++
      const sent = readTimestampMicros(body)
      if (sent >= window.start && sent < window.end) {
        window.latencies.record('endToEnd', received - sent)
      }
    }
  })()
}

/** The load itself, shared with the open-loop scenario's capacity probe. */
export async function runPipelinedLoad(
  context: ScenarioContext,
  variant: ScenarioVariant,
  queueName: string,
  timing: { warmupSeconds: number; durationSeconds: number },
): Promise<PipelinedOutcome> {
  const { connections, inFlight } = context.parameters
  const perConnection = Math.max(1, Math.round(inFlight / connections))
  const bodies = new BodyFactory(variant.messageBytes)
  return withSessions(context, queueName, variant, connections * 2, async (sessions) => {
    const producers = sessions.slice(0, connections)
    const streams: MessageStream[] = []
    try {
      for (const session of sessions.slice(connections)) {
        streams.push(await session.consume(perConnection))
      }
      const latencies = new LatencySet()
      const start = nowMicros() + timing.warmupSeconds * 1_000_000
      const end = start + timing.durationSeconds * 1_000_000
      const window = { start, end, latencies, backlogLimit: Math.max(1000, inFlight * 8) }
      const state: LoadState = {
        sequence: 0,
        acknowledged: 0,
        consumed: 0,
        consumedInWindow: 0,
        failures: 0,
        producing: true,
        consuming: true,
        consumerError: undefined,
      }
      const consumers = streams.map((stream) => consumerLoop(stream, state, window))
      const workers = producers.flatMap((session) =>
        Array.from({ length: perConnection }, () =>
          producerLoop(session, state, variant, bodies, window),
        ),
      )
      await sleepMs((end - nowMicros()) / 1000)
      // A window that saw no delivery (a stalled or starved process: quick runs use windows of
      // a fraction of a second) is stretched to the first delivery, so a rate is never computed
      // over nothing.
      if (state.consumedInWindow === 0) {
        window.end = Number.POSITIVE_INFINITY
        await waitFor(() => state.consumedInWindow > 0, DRAIN_TIMEOUT_MS)
        window.end = Math.max(end, nowMicros())
      }
      state.producing = false
      await Promise.all(workers)
      await waitFor(() => state.consumed >= state.acknowledged, DRAIN_TIMEOUT_MS)
      state.consuming = false
      await Promise.all(consumers)
      if (state.consumerError !== undefined) throw state.consumerError
      return {
        consumedInWindow: state.consumedInWindow,
        windowSeconds: (window.end - start) / 1_000_000,
        latencies,
        connections,
        inFlight: perConnection * connections,
        failures: state.failures,
      }
    } finally {
      await closeStreams(streams)
    }
  })
}

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  return withQueue(context, 'pipelined', variant, async (queueName) => {
    const outcome = await runPipelinedLoad(context, variant, queueName, parameters)
    const result = buildResult(context, 'pipelined', variant, {
      connections: outcome.connections,
      inFlight: outcome.inFlight,
      durationSeconds: outcome.windowSeconds,
      messages: outcome.consumedInWindow,
      latencies: outcome.latencies.summaries(),
      notes: outcome.failures > 0 ? [`${outcome.failures} puts failed`] : [],
    })
    context.capacityCache.set(capacityKey(variant), result.throughputMessagesPerSecond)
    return result
  })
}

export const pipelinedScenario: Scenario = {
  name: 'pipelined',
  title: 'Pipelined throughput (N in flight over M connections, consumers draining)',
  primaryMetric: 'throughput',
  run,
}
