/**
 * Shared by the log-bound tests: a queue manager with small segments, a few old messages that
 * stay unread, and put/get traffic behind them, sampling the log's size as it goes.
 */
import { expect } from 'vitest'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { Persistence, type MessageDescriptor } from '../../src/queue/types.js'

export const MiB = 1024 * 1024
export const SEGMENT_BYTES = 1 * MiB
export const CHECKPOINT_INTERVAL_BYTES = 8 * MiB

export async function openQueueManager(
  dataDirectory: string,
  compaction = true,
): Promise<QueueManager> {
  return QueueManager.open({
    dataDirectory,
    create: { name: 'QMBOUND', segmentBytes: SEGMENT_BYTES },
    checkpointIntervalBytes: CHECKPOINT_INTERVAL_BYTES,
    maintenancePollMs: 20,
    compaction,
  })
}

export interface OldMessage {
  readonly queue: string
  readonly body: string
  readonly descriptor: MessageDescriptor
}

/** Old messages on two queues (priority and FIFO), with distinct priorities and identifiers. */
export async function putOldMessages(queueManager: QueueManager): Promise<OldMessage[]> {
  const { engine } = queueManager
  await engine.defineQueue({ name: 'OLD.P', defaultPersistent: true })
  await engine.defineQueue({ name: 'OLD.F', defaultPersistent: true, deliverySequence: 'FIFO' })
  await engine.defineQueue({ name: 'TRAFFIC', defaultPersistent: true, maxDepth: 1_000_000 })
  const connection = queueManager.connect()
  const old: OldMessage[] = []
  for (const [index, queue] of ['OLD.P', 'OLD.P', 'OLD.F', 'OLD.P'].entries()) {
    const body = `old-${index}`
    const descriptor = await connection.open(queue, { output: true }).put(Buffer.from(body), {
      persistence: Persistence.PERSISTENT,
      priority: index * 2,
      expiry: index === 3 ? 30 * 24 * 36_000 : -1,
      correlId: Buffer.from(`corr-${index}`.padEnd(24, '.')),
    })
    old.push({ queue, body, descriptor })
  }
  await connection.close()
  return old
}

export interface TrafficResult {
  readonly bytesPut: number
  readonly maxLogBytesOnDisk: number
  readonly maxLogBytesInUse: number
  readonly durationMs: number
  readonly putLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number }
}

/** Puts and gets `totalBytes` of messages, `window` at a time, sampling the log after each. */
export async function runTraffic(
  queueManager: QueueManager,
  totalBytes: number,
  messageBytes = 32 * 1024,
  window = 32,
): Promise<TrafficResult> {
  const connection = queueManager.connect()
  const handle = connection.open('TRAFFIC', { input: true, output: true })
  const body = Buffer.alloc(messageBytes, 0x61)
  const latencies: number[] = []
  let bytesPut = 0
  let maxLogBytesOnDisk = 0
  let maxLogBytesInUse = 0
  const started = performance.now()
  while (bytesPut < totalBytes) {
    const puts = Array.from({ length: window }, async () => {
      const putStarted = performance.now()
      await handle.put(body)
      latencies.push(performance.now() - putStarted)
    })
    await Promise.all(puts)
    bytesPut += window * messageBytes
    await Promise.all(Array.from({ length: window }, () => handle.get()))
    const status = queueManager.logStatus()
    maxLogBytesOnDisk = Math.max(maxLogBytesOnDisk, status.logBytesOnDisk)
    maxLogBytesInUse = Math.max(maxLogBytesInUse, status.logBytesInUse)
  }
  await connection.close()
  latencies.sort((left, right) => left - right)
  const at = (fraction: number): number => latencies[Math.floor(fraction * (latencies.length - 1))]!
  return {
    bytesPut,
    maxLogBytesOnDisk,
    maxLogBytesInUse,
    durationMs: performance.now() - started,
    putLatencyMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
  }
}

/**
 * The old messages are all there, once, in order, unchanged (but for their put LSN); got under
 * syncpoint and backed out, so each call raises their backout count by one.
 */
export async function expectOldMessages(
  queueManager: QueueManager,
  old: readonly OldMessage[],
  expectedBackoutCount = 0,
): Promise<void> {
  const connection = queueManager.connect()
  for (const queue of ['OLD.P', 'OLD.F']) {
    const handle = connection.open(queue, { input: true })
    const expected = old
      .filter((message) => message.queue === queue)
      .sort((left, right) => right.descriptor.priority - left.descriptor.priority)
    for (const message of expected) {
      const got = await handle.get({ syncpoint: true })
      expect(Buffer.from(got.body).toString()).toBe(message.body)
      const { msgId, correlId, priority, expiry, backoutCount, putTimeMs } = got.descriptor
      expect(putTimeMs).toBe(message.descriptor.putTimeMs)
      expect(Buffer.from(msgId)).toEqual(Buffer.from(message.descriptor.msgId))
      expect(Buffer.from(correlId)).toEqual(Buffer.from(message.descriptor.correlId))
      expect({ priority, backoutCount }).toEqual({
        priority: message.descriptor.priority,
        backoutCount: expectedBackoutCount,
      })
      expect(expiry === -1).toBe(message.descriptor.expiry === -1)
    }
    await expect(handle.get()).rejects.toMatchObject({ reason: 2033 })
  }
  await connection.backout()
  await connection.close()
}
