/**
 * amqsblst-like write/read profile: write `count` messages in units of work of `batch` messages,
 * then read them all back, reporting each phase's rate. Where the system has units of work
 * (QuorumMQ syncpoint) each batch is put under syncpoint and committed; where it has only
 * confirms (RabbitMQ, NATS), a batch is published at once and complete when every confirm is back.
 * Reads issue a batch of MQGETs under syncpoint at once and commit, or use a consumer with
 * prefetch = batch: either way a batch of deliveries is in flight, as the writes are.
 */
import { nowMicros, secondsSince } from '../measure/clock.js'
import { BodyFactory } from '../measure/payload.js'
import { messagesWithinBudget } from '../parameters.js'
import type { PhaseResult, QueueSession, ScenarioResult } from '../types.js'
import {
  buildResult,
  closeStreams,
  round,
  throughputs,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

async function writePhase(
  context: ScenarioContext,
  session: QueueSession,
  variant: ScenarioVariant,
  count: number,
): Promise<void> {
  const bodies = new BodyFactory(variant.messageBytes)
  const batch = context.parameters.blastBatch
  const options = { persistent: variant.persistent, inUnitOfWork: true }
  for (let first = 0; first < count; first += batch) {
    const size = Math.min(batch, count - first)
    const puts: Promise<void>[] = []
    for (let index = 0; index < size; index++) {
      puts.push(session.put(bodies.create(first + index, nowMicros()), options))
    }
    await Promise.all(puts)
    await session.commit()
  }
}

/** Returns the number of messages read (fewer than `count` means some never arrived). */
async function readPhase(
  context: ScenarioContext,
  session: QueueSession,
  count: number,
): Promise<number> {
  const { blastBatch: batch, getWaitMs } = context.parameters
  let read = 0
  if (context.system.unitOfWork === 'syncpoint') {
    while (read < count) {
      const size = Math.min(batch, count - read)
      const gets = Array.from({ length: size }, () =>
        session.get(getWaitMs, { inUnitOfWork: true }),
      )
      const inBatch = (await Promise.all(gets)).filter((body) => body !== undefined).length
      await session.commit()
      read += inBatch
      if (inBatch < size) break
    }
    return read
  }
  const stream = await session.consume(batch)
  try {
    while (read < count && (await stream.next(getWaitMs)) !== undefined) read++
  } finally {
    await closeStreams([stream])
  }
  return read
}

function phase(name: string, messages: number, seconds: number, bytes: number): PhaseResult {
  const rate = throughputs(messages, seconds, bytes)
  return {
    name,
    messages,
    durationSeconds: round(seconds, 3),
    throughputMessagesPerSecond: rate.messagesPerSecond,
    throughputMegabytesPerSecond: rate.megabytesPerSecond,
  }
}

async function run(context: ScenarioContext, variant: ScenarioVariant): Promise<ScenarioResult> {
  const { parameters } = context
  const count = messagesWithinBudget(parameters, variant.messageBytes, parameters.blastMessages)
  return withQueue(context, 'blast', variant, (queueName) =>
    withSessions(context, queueName, variant, 2, async ([writer, reader]) => {
      if (writer === undefined || reader === undefined) throw new Error('no session')
      const writeStart = nowMicros()
      await writePhase(context, writer, variant, count)
      const writeSeconds = secondsSince(writeStart)
      const readStart = nowMicros()
      const read = await readPhase(context, reader, count)
      const readSeconds = secondsSince(readStart)
      const phases = [
        phase('write', count, writeSeconds, variant.messageBytes),
        phase('read', read, readSeconds, variant.messageBytes),
      ]
      return buildResult(context, 'blast', variant, {
        connections: 1,
        inFlight: parameters.blastBatch,
        durationSeconds: writeSeconds,
        messages: count,
        // A unit of work's time is not one message's latency; this scenario reports rates only.
        latencies: {},
        phases,
        notes: [
          `${count} messages in units of ${parameters.blastBatch} ` +
            `(${context.system.unitOfWork === 'syncpoint' ? 'syncpoint + commit' : 'confirms'})`,
          ...(read < count ? [`read phase got only ${read} of ${count}`] : []),
        ],
      })
    }),
  )
}

export const blastScenario: Scenario = {
  name: 'blast',
  title: 'amqsblst-like write then read in units of work',
  primaryMetric: 'throughput',
  run,
}
