/**
 * Sequential put latency: one connection, one put at a time, each waiting for the system's
 * acknowledgement (MQPUT return, publisher confirm, PubAck). Nothing consumes meanwhile, as with
 * amqsput; the run stops at the time limit or when the byte budget is queued.
 */
import { nowMicros, secondsSince } from '../measure/clock.js'
import { BodyFactory } from '../measure/payload.js'
import { messagesWithinBudget } from '../parameters.js'
import type { ScenarioResult } from '../types.js'
import {
  LatencySet,
  buildResult,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  const bodies = new BodyFactory(variant.messageBytes)
  const limit = messagesWithinBudget(parameters, variant.messageBytes, Number.MAX_SAFE_INTEGER)
  return withQueue(context, 'put-latency', variant, (queueName) =>
    withSessions(context, queueName, variant, 1, async ([session]) => {
      if (session === undefined) throw new Error('no session')
      const latencies = new LatencySet()
      let sequence = 0
      const warmupEnd = nowMicros() + parameters.warmupSeconds * 1_000_000
      while (nowMicros() < warmupEnd && sequence < limit / 2) {
        await session.put(bodies.create(sequence++, nowMicros()), variant)
      }
      const start = nowMicros()
      const end = start + parameters.durationSeconds * 1_000_000
      let measured = 0
      while (nowMicros() < end && sequence < limit) {
        const sent = nowMicros()
        await session.put(bodies.create(sequence++, sent), variant)
        latencies.record('put', nowMicros() - sent)
        measured++
      }
      return buildResult(context, 'put-latency', variant, {
        connections: 1,
        inFlight: 1,
        durationSeconds: secondsSince(start),
        messages: measured,
        latencies: latencies.summaries(),
        notes: sequence >= limit ? ['stopped at the queued-bytes budget'] : [],
      })
    }),
  )
}

export const putLatencyScenario: Scenario = {
  name: 'put-latency',
  title: 'Sequential put latency (1 connection, 1 in flight)',
  primaryMetric: 'put',
  run,
}
