/**
 * Sequential put latency: one connection, one put at a time, each waiting for the system's
 * acknowledgement (MQPUT return, publisher confirm, PubAck). Nothing consumes meanwhile, as with
 * amqsput; the run stops at the time limit or when the byte budget is queued.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureRawDisk } from '../core/raw-disk.js'
import { nowMicros, secondsSince } from '../measure/clock.js'
import { BodyFactory } from '../measure/payload.js'
import { messagesWithinBudget } from '../parameters.js'
import type { PercentileSummary, ScenarioResult } from '../types.js'
import {
  LatencySet,
  buildResult,
  withQueue,
  withSessions,
  type Scenario,
  type ScenarioContext,
  type ScenarioVariant,
} from './common.js'

const RAW_FDATASYNC_ITERATIONS = 300

/**
 * The disk's own floor in the same run, right after the measurement: write + fdatasync of one
 * message-sized record, and the put's ratio to it (the only comparison that survives a loaded
 * machine, whose fdatasync time moves several-fold between runs).
 */
function rawFdatasyncNote(messageBytes: number, put: PercentileSummary | undefined): string {
  const directory = mkdtempSync(join(tmpdir(), 'qmq-bench-raw-'))
  try {
    const raw = measureRawDisk(directory, messageBytes, RAW_FDATASYNC_ITERATIONS, 64).single
    const ratio = (value: number | undefined, floor: number) =>
      value === undefined || floor <= 0 ? '?' : (value / floor).toFixed(1)
    return (
      `raw write + fdatasync on the same disk, same run: p50 ${Math.round(raw.p50Micros)} µs, ` +
      `p99 ${Math.round(raw.p99Micros)} µs; put ÷ raw: p50 ${ratio(put?.p50Micros, raw.p50Micros)}, ` +
      `p99 ${ratio(put?.p99Micros, raw.p99Micros)}`
    )
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

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
      const putLatencies = latencies.summaries()
      const notes = sequence >= limit ? ['stopped at the queued-bytes budget'] : []
      if (variant.persistent) notes.push(rawFdatasyncNote(variant.messageBytes, putLatencies.put))
      return buildResult(context, 'put-latency', variant, {
        connections: 1,
        inFlight: 1,
        durationSeconds: secondsSince(start),
        messages: measured,
        latencies: putLatencies,
        notes,
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
