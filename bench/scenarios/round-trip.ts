/**
 * Put-then-get round trip between two connections: a consumer connection is already waiting
 * (prefetch 1) when the producer connection puts one message; the round trip ends when the
 * consumer has it. One message at a time, so this is the latency floor of a request/reply hop.
 */
import { nowMicros, secondsSince } from '../measure/clock.js'
import { BodyFactory, readSequence } from '../measure/payload.js'
import type { ScenarioResult } from '../types.js'
import {
  LatencySet,
  buildResult,
  closeStreams,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  const bodies = new BodyFactory(variant.messageBytes)
  return withQueue(context, 'round-trip', variant, (queueName) =>
    withSessions(context, queueName, variant, 2, async ([producer, consumer]) => {
      if (producer === undefined || consumer === undefined) throw new Error('no session')
      const stream = await consumer.consume(1)
      const latencies = new LatencySet()
      let sequence = 0
      let measured = 0
      let mismatches = 0
      let lost = 0
      try {
        const warmupEnd = nowMicros() + parameters.warmupSeconds * 1_000_000
        const start = warmupEnd
        const end = start + parameters.durationSeconds * 1_000_000
        while (nowMicros() < end) {
          const measuring = nowMicros() >= warmupEnd
          const sent = nowMicros()
          const expected = sequence++
          const delivery = stream.next(parameters.getWaitMs)
          await producer.put(bodies.create(expected, sent), variant)
          const confirmed = nowMicros()
          const body = await delivery
          const received = nowMicros()
          if (body === undefined) {
            lost++
            break
          }
          if (readSequence(body) !== expected) mismatches++
          if (!measuring) continue
          latencies.record('put', confirmed - sent)
          latencies.record('roundTrip', received - sent)
          measured++
        }
        return buildResult(context, 'round-trip', variant, {
          connections: 2,
          inFlight: 1,
          durationSeconds: secondsSince(start),
          messages: measured,
          latencies: latencies.summaries(),
          notes: [
            ...(mismatches > 0 ? [`${mismatches} deliveries out of sequence`] : []),
            ...(lost > 0 ? ['a message did not arrive within the get wait; stopped'] : []),
          ],
        })
      } finally {
        await closeStreams([stream])
      }
    }),
  )
}

export const roundTripScenario: Scenario = {
  name: 'round-trip',
  title: 'Put then get round trip between two connections',
  primaryMetric: 'roundTrip',
  run,
}
