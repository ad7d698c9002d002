/**
 * Goal: the ring carries every byte intact between two real threads, through wrap-arounds, a full
 * ring and both waiting styles, and close, fail and a generation bump wake a thread blocked in a
 * wait. Method: worker fixtures in plain JavaScript (Node 20 cannot start a .ts worker) import the
 * compiled ring from dist/ (run `npm run build` first; the test fails, never skips, without it)
 * and a seeded frame sequence that both threads regenerate, so every byte is checked on arrival
 * and a checksum is compared. Nothing here asserts on timing: only hangs are bounded, by a
 * watchdog that reports the ring's statistics.
 */
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isQmqError } from '../../src/errors.js'
import { FramedRing, type FrameVisitor } from '../../src/ring/framed-ring.js'
import { ringFrameBytes } from '../../src/ring/ring-layout.js'

interface FrameSequence {
  readonly payloadLength: number
  readonly tag: number
  readonly byteSeed: number
  next(): void
  writePayload(target: Uint8Array, offset: number): void
}

interface Checksum {
  readonly value: number
  addFrame(data: Uint8Array, payloadOffset: number, payloadLength: number, tag: number): void
}

interface FrameSequenceModule {
  FrameSequence: new (seed: number, maxPayloadLength: number) => FrameSequence
  Checksum: new () => Checksum
  createRandom(seed: number): () => number
  randomBelow(nextRandom: () => number, bound: number): number
  payloadByte(byteSeed: number, index: number): number
}

interface ConsumerReport {
  readonly outcome: 'ring-closed' | 'data' | 'timed-out'
  readonly reason: string
  readonly failureCode: number
  readonly framesRead: number
  readonly mismatches: number
  readonly firstMismatch: string
  readonly declines: number
  readonly batches: number
  readonly checksum: number
}

interface ProducerReport {
  readonly checksum: number
  readonly waits: number
}

const KiB = 1024
const WATCHDOG_MS = 20_000
/** fail() code the watchdog uses, so every waiter on the stalled ring wakes and the test ends. */
const WATCHDOG_FAILURE_CODE = 999
const projectRoot = fileURLToPath(new URL('../../', import.meta.url))
const fixturesUrl = new URL('./fixtures/', import.meta.url)
const compiledRingFiles = ['framed-ring', 'ring-layout']

let sequenceModule: FrameSequenceModule
const runningWorkers = new Set<Worker>()

beforeAll(async () => {
  for (const name of compiledRingFiles) {
    const compiled = `${projectRoot}dist/src/ring/${name}.js`
    const source = `${projectRoot}src/ring/${name}.ts`
    expect(existsSync(compiled), `${compiled} missing: run npm run build`).toBe(true)
    const isFresh = statSync(compiled).mtimeMs >= statSync(source).mtimeMs
    expect(isFresh, `${compiled} older than its source: run npm run build`).toBe(true)
  }
  // Dynamic import: the module is plain JavaScript shared with the workers, typed here by hand.
  const moduleUrl = new URL('frame-sequence.mjs', fixturesUrl).href
  sequenceModule = (await import(moduleUrl)) as FrameSequenceModule
})

afterEach(async () => {
  await Promise.all([...runningWorkers].map((worker) => worker.terminate()))
  runningWorkers.clear()
})

/** Starts a fixture; the promise settles with its first message, or fails if it dies first. */
function startWorker<Report>(fixture: string, workerData: object): Promise<Report> {
  const worker = new Worker(new URL(fixture, fixturesUrl), { workerData })
  runningWorkers.add(worker)
  return new Promise<Report>((resolve, reject) => {
    worker.once('message', (report: Report) => resolve(report))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`${fixture} exited (${code}) before reporting`)))
  })
}

/**
 * Bounds a hang (a lost wake-up would be one) without asserting anything about speed: the normal
 * run takes well under a second. On expiry the ring is failed, which wakes every waiter.
 */
async function withWatchdog<Result>(ring: FramedRing, work: Promise<Result>): Promise<Result> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const stats = JSON.stringify(ring.stats())
      ring.fail(WATCHDOG_FAILURE_CODE)
      reject(new Error(`ring stalled: ${stats}`))
    }, WATCHDOG_MS)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

interface ProduceResult {
  readonly checksum: number
  readonly wrapMarkers: number
  readonly timesFull: number
}

/**
 * Main-thread producer with waitForSpaceAsync. The consumer is started only when the ring is
 * first full, so the wait-for-space path runs in every test whatever the machine's speed.
 */
async function produceSequence(
  ring: FramedRing,
  seed: number,
  frameCount: number,
  startConsumer: () => void,
): Promise<ProduceResult> {
  const sequence = new sequenceModule.FrameSequence(seed, ring.maxPayloadBytes)
  const decide = sequenceModule.createRandom(seed ^ 0x5bd1e995)
  const checksum = new sequenceModule.Checksum()
  let consumerStarted = false
  let timesFull = 0
  let wrapMarkers = 0
  let expectedPosition = ring.stats().writePosition
  for (let frame = 0; frame < frameCount; frame++) {
    sequence.next()
    let offset = ring.tryReserve(sequence.payloadLength, sequence.tag)
    while (offset < 0) {
      timesFull += 1
      if (!consumerStarted) startConsumer()
      consumerStarted = true
      expect(await ring.waitForSpaceAsync(sequence.payloadLength, Infinity)).toBe(true)
      offset = ring.tryReserve(sequence.payloadLength, sequence.tag)
    }
    sequence.writePayload(ring.data, offset)
    checksum.addFrame(ring.data, offset, sequence.payloadLength, sequence.tag)
    const position = ring.commit()
    if (position !== expectedPosition) wrapMarkers += 1
    expectedPosition = (position + ringFrameBytes(sequence.payloadLength)) >>> 0
    if (sequenceModule.randomBelow(decide, 8) === 0) ring.flush()
  }
  if (!consumerStarted) startConsumer()
  ring.flush()
  ring.close()
  return { checksum: checksum.value, wrapMarkers, timesFull }
}

describe('main-thread producer, worker consumer', () => {
  const cases = [
    { mode: 'verify-sync', capacityBytes: 64 * KiB, frameCount: 20_000, seed: 1 },
    { mode: 'verify-async', capacityBytes: 64 * KiB, frameCount: 20_000, seed: 2 },
    { mode: 'verify-sync', capacityBytes: 1 * KiB, frameCount: 5_000, seed: 3 },
    { mode: 'verify-async', capacityBytes: 1 * KiB, frameCount: 5_000, seed: 4 },
  ] as const

  it.each(cases)(
    '$mode, $capacityBytes-byte ring, $frameCount frames: every byte arrives',
    async ({ mode, capacityBytes, frameCount, seed }) => {
      const ring = FramedRing.create(capacityBytes)
      let consumerReport: Promise<ConsumerReport> | undefined
      const startConsumer = (): void => {
        const workerData = { sharedBuffer: ring.sharedBuffer, mode, seed, decisionSeed: seed + 100 }
        consumerReport = startWorker<ConsumerReport>('ring-consumer.mjs', workerData)
      }
      const produced = await withWatchdog(
        ring,
        produceSequence(ring, seed, frameCount, startConsumer),
      )
      expect(consumerReport).toBeDefined()
      const report = await withWatchdog(ring, consumerReport as Promise<ConsumerReport>)

      expect(report.firstMismatch).toBe('')
      expect(report.mismatches).toBe(0)
      expect(report.framesRead).toBe(frameCount)
      expect(report.checksum).toBe(produced.checksum)
      expect(report.outcome).toBe('ring-closed')
      expect(report.reason).toBe('closed')
      // Deterministic given the seed: positions depend only on the frame sizes.
      expect(produced.wrapMarkers).toBeGreaterThan(0)
      expect(produced.timesFull).toBeGreaterThan(0)
      const stats = ring.stats()
      expect(stats.framesWritten).toBe(frameCount)
      expect(stats.usedBytes).toBe(0)
      expect(stats.state).toBe('closed')
    },
  )
})

describe('worker producer (Atomics.wait for space), main-thread consumer (waitAsync)', () => {
  it('carries a seeded sequence through a 1 KiB ring', async () => {
    const ring = FramedRing.create(1 * KiB)
    const seed = 5
    const frameCount = 5_000
    const workerData = { sharedBuffer: ring.sharedBuffer, seed, frameCount, decisionSeed: 55 }
    const producerReport = startWorker<ProducerReport>('ring-producer.mjs', workerData)

    const expected = new sequenceModule.FrameSequence(seed, ring.maxPayloadBytes)
    const checksum = new sequenceModule.Checksum()
    let framesRead = 0
    let mismatches = 0
    const visitFrame: FrameVisitor = (data, payloadOffset, payloadLength, tag) => {
      expected.next()
      if (payloadLength !== expected.payloadLength || tag !== expected.tag) mismatches += 1
      for (let index = 0; index < Math.min(payloadLength, expected.payloadLength); index++) {
        const wanted = sequenceModule.payloadByte(expected.byteSeed, index)
        if (data[payloadOffset + index] !== wanted) mismatches += 1
      }
      checksum.addFrame(data, payloadOffset, payloadLength, tag)
      framesRead += 1
    }
    const consume = async (): Promise<unknown> => {
      try {
        while (true) {
          if (await ring.waitForDataAsync(Infinity)) {
            ring.readBatch(visitFrame)
            ring.releaseAll()
          }
        }
      } catch (error) {
        return error
      }
    }
    const ending = await withWatchdog(ring, consume())
    const report = await withWatchdog(ring, producerReport)

    expect(isQmqError(ending) && ending.code).toBe('QMQ_RING_CLOSED')
    expect(isQmqError(ending) && ending.details['reason']).toBe('closed')
    expect(mismatches).toBe(0)
    expect(framesRead).toBe(frameCount)
    expect(checksum.value).toBe(report.checksum)
    expect(ring.stats().usedBytes).toBe(0)
  })
})

describe('a consumer blocked in a wait is woken', () => {
  const actions = [
    { action: 'close', reason: 'closed', failureCode: 0 },
    { action: 'fail', reason: 'failed', failureCode: 42 },
    { action: 'bumpGeneration', reason: 'fenced', failureCode: 0 },
    { action: 'write', reason: '', failureCode: 0 },
  ] as const
  const modes = ['wait-sync', 'wait-async'] as const
  const cases = modes.flatMap((mode) => actions.map((action) => ({ mode, ...action })))

  it.each(cases)('$mode, woken by $action', async ({ mode, action, reason, failureCode }) => {
    const ring = FramedRing.create(1 * KiB)
    const workerData = { sharedBuffer: ring.sharedBuffer, mode, seed: 0, decisionSeed: 0 }
    const report = startWorker<ConsumerReport>('ring-consumer.mjs', workerData)
    // The flag is raised just before the wait: acting now tests the hand-over, whether the
    // worker is already asleep or about to be.
    await withWatchdog(
      ring,
      (async () => {
        while (!ring.stats().consumerSleeping) await sleep(1)
      })(),
    )
    if (action === 'close') expect(ring.close()).toBe(true)
    if (action === 'fail') expect(ring.fail(failureCode)).toBe(true)
    if (action === 'bumpGeneration') expect(ring.bumpGeneration()).toBe(1)
    if (action === 'write') {
      const offset = ring.tryReserve(3, 7)
      expect(offset).toBeGreaterThanOrEqual(0)
      ring.data.set([1, 2, 3], offset)
      ring.commit()
      // The consumer flagged sleep and only a wake clears the flag: flush must notify.
      expect(ring.flush()).toBe(true)
    }
    const result = await withWatchdog(ring, report)

    if (action === 'write') {
      expect(result.outcome).toBe('data')
      expect(ring.stats().consumerWakeUps).toBe(1)
    } else {
      expect(result.outcome).toBe('ring-closed')
      expect(result.reason).toBe(reason)
      expect(result.failureCode).toBe(failureCode)
    }
  })
})
