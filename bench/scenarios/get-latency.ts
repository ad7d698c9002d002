/**
 * Sequential get latency from a deep queue: the queue is filled first (not measured), then a
 * fresh connection gets one message at a time with one request per message (MQGET, basic.get,
 * JetStream next()), acknowledging each before asking for the next.
 */
import { nowMicros, secondsSince } from '../measure/clock.js'
import { BodyFactory } from '../measure/payload.js'
import { messagesWithinBudget } from '../parameters.js'
import type { ScenarioResult } from '../types.js'
import {
  LatencySet,
  buildResult,
  preload,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

/** Puts in flight while filling the queue: quick to fill, and not what is measured. */
const PRELOAD_WINDOW = 64

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  const bodies = new BodyFactory(variant.messageBytes)
  const depth = messagesWithinBudget(parameters, variant.messageBytes, parameters.maxQueueDepth)
  return withQueue(context, 'get-latency', variant, (queueName) =>
    withSessions(context, queueName, variant, 2, async ([producer, consumer]) => {
      if (producer === undefined || consumer === undefined) throw new Error('no session')
      const fillStart = nowMicros()
      await preload(producer, depth, PRELOAD_WINDOW, variant.persistent, (sequence) =>
        bodies.create(sequence, nowMicros()),
      )
      context.log(`  queued ${depth} messages in ${secondsSince(fillStart).toFixed(1)} s`)
      const latencies = new LatencySet()
      const warmupCount = Math.min(Math.floor(depth / 10), 1000)
      for (let index = 0; index < warmupCount; index++) await consumer.get(parameters.getWaitMs)
      const start = nowMicros()
      const end = start + parameters.durationSeconds * 1_000_000
      let measured = 0
      let empty = false
      while (nowMicros() < end && warmupCount + measured < depth) {
        const requested = nowMicros()
        const body = await consumer.get(parameters.getWaitMs)
        if (body === undefined) {
          empty = true
          break
        }
        latencies.record('get', nowMicros() - requested)
        measured++
      }
      return buildResult(context, 'get-latency', variant, {
        connections: 1,
        inFlight: 1,
        durationSeconds: secondsSince(start),
        messages: measured,
        latencies: latencies.summaries(),
        notes: [
          `queue depth at start: ${depth - warmupCount}`,
          ...(empty ? ['a get found the queue empty before it should have been'] : []),
        ],
      })
    }),
  )
}

export const getLatencyScenario: Scenario = {
  name: 'get-latency',
  title: 'Sequential get latency from a deep queue',
  primaryMetric: 'get',
  run,
}
