/**
 * FramedRing throughput, main thread to worker, by frame size and notification strategy.
 * Run: npm run build && node dist/bench/ring.bench.js [frameCountScale]
 *
 *   main thread: producer                                 worker (this file): consumer
 *   tryReserve, copy payload, commit; flush per strategy   waitForData (Atomics.wait), readBatch,
 *   waitForSpaceAsync when full       ---- FramedRing ---> release per batch
 *   main thread  <---- postMessage(frames, checksum) after close() ----'
 *
 * A run is timed from the first frame until the worker reports it has read the last one, so it
 * includes the drain. Payload sizes are the frame payloads; MB/s counts payload bytes (10^6).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { isQmqError } from '../src/errors.js'
import { FramedRing, type FrameVisitor } from '../src/ring/framed-ring.js'

const KiB = 1024
const RING_CAPACITY_BYTES = 1024 * KiB
/** About 256 MB of payload per run at 256 B, 512 MB at 1 KiB: shorter runs are too noisy. */
const PAYLOADS = [
  { payloadBytes: 256, frameCount: 1_000_000 },
  { payloadBytes: 1 * KiB, frameCount: 500_000 },
] as const
const WARM_UP_FRAME_COUNT = 20_000

interface Strategy {
  readonly name: string
  readonly framesPerFlush: number
  readonly forceNotify: boolean
  readonly consumerSpinMicros: number
}

const STRATEGIES: readonly Strategy[] = [
  { name: 'notify every frame', framesPerFlush: 1, forceNotify: true, consumerSpinMicros: 0 },
  {
    name: 'flush every frame, notify if sleeping',
    framesPerFlush: 1,
    forceNotify: false,
    consumerSpinMicros: 0,
  },
  {
    name: 'flush every 64, notify if sleeping',
    framesPerFlush: 64,
    forceNotify: false,
    consumerSpinMicros: 0,
  },
  {
    name: 'flush every frame, consumer spins 50 µs',
    framesPerFlush: 1,
    forceNotify: false,
    consumerSpinMicros: 50,
  },
]

interface ConsumerData {
  readonly sharedBuffer: SharedArrayBuffer
  readonly spinMicros: number
}

interface ConsumerReport {
  readonly framesRead: number
  readonly payloadBytes: number
  readonly checksum: number
}

interface RunResult {
  readonly payloadBytes: number
  readonly strategy: string
  readonly framesPerSecond: number
  readonly megabytesPerSecond: number
  readonly consumerWakeUps: number
  readonly producerWakeUps: number
  readonly timesFull: number
}

// ---- Worker side ----------------------------------------------------------------------------

function runConsumer(data: ConsumerData): void {
  const ring = FramedRing.attach(data.sharedBuffer, { spinMicros: data.spinMicros })
  let framesRead = 0
  let payloadBytes = 0
  let checksum = 0
  // One visitor for the whole run: touches the first and last payload byte, allocates nothing.
  const visitFrame: FrameVisitor = (bytes, payloadOffset, payloadLength, tag) => {
    framesRead += 1
    payloadBytes += payloadLength
    const last = bytes[payloadOffset + payloadLength - 1] ?? 0
    checksum = (checksum + tag + (bytes[payloadOffset] ?? 0) + last) >>> 0
  }
  parentPort?.postMessage('ready')
  try {
    while (true) {
      if (ring.waitForData(Infinity)) {
        ring.readBatch(visitFrame)
        ring.releaseAll()
      }
    }
  } catch (error) {
    if (!isQmqError(error) || error.details['reason'] !== 'closed') throw error
  }
  const report: ConsumerReport = { framesRead, payloadBytes, checksum }
  parentPort?.postMessage(report)
}

// ---- Main side ------------------------------------------------------------------------------

function startConsumer(data: ConsumerData): {
  ready: Promise<void>
  done: Promise<ConsumerReport>
} {
  const worker = new Worker(new URL(import.meta.url), { workerData: data })
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  const done = new Promise<ConsumerReport>((resolve, reject) => {
    worker.on('message', (message: 'ready' | ConsumerReport) => {
      if (message === 'ready') resolveReady()
      else resolve(message)
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`consumer exited (${code}) before reporting`)))
  })
  return { ready, done }
}

async function runOnce(
  payloadLength: number,
  frameCount: number,
  strategy: Strategy,
): Promise<RunResult> {
  const ring = FramedRing.create(RING_CAPACITY_BYTES)
  const consumer = startConsumer({
    sharedBuffer: ring.sharedBuffer,
    spinMicros: strategy.consumerSpinMicros,
  })
  await consumer.ready
  const payload = Uint8Array.from({ length: payloadLength }, (_, index) => index & 0xff)
  let expectedChecksum = 0
  let timesFull = 0
  const startedMs = performance.now()
  for (let frame = 0; frame < frameCount; frame++) {
    const tag = frame & 0xffff
    let offset = ring.tryReserve(payloadLength, tag)
    while (offset < 0) {
      timesFull += 1
      await ring.waitForSpaceAsync(payloadLength, Infinity)
      offset = ring.tryReserve(payloadLength, tag)
    }
    ring.data.set(payload, offset)
    ring.commit()
    expectedChecksum = (expectedChecksum + tag + (payload[0] ?? 0) + (payload.at(-1) ?? 0)) >>> 0
    if ((frame + 1) % strategy.framesPerFlush === 0) ring.flush(strategy.forceNotify)
  }
  ring.flush()
  ring.close()
  const report = await consumer.done
  const elapsedSeconds = (performance.now() - startedMs) / 1000
  if (report.framesRead !== frameCount || report.checksum !== expectedChecksum) {
    throw new Error(`consumer saw ${report.framesRead} frames, checksum ${report.checksum}`)
  }
  const stats = ring.stats()
  return {
    payloadBytes: payloadLength,
    strategy: strategy.name,
    framesPerSecond: frameCount / elapsedSeconds,
    megabytesPerSecond: report.payloadBytes / elapsedSeconds / 1e6,
    consumerWakeUps: stats.consumerWakeUps,
    producerWakeUps: stats.producerWakeUps,
    timesFull,
  }
}

function printTable(results: readonly RunResult[]): void {
  const header = ['payload', 'strategy', 'frames/s', 'MB/s', 'consumer wakes', 'producer wakes']
  const rows = results.map((result) => [
    `${result.payloadBytes} B`,
    result.strategy,
    `${(result.framesPerSecond / 1e6).toFixed(2)} M`,
    result.megabytesPerSecond.toFixed(0),
    String(result.consumerWakeUps),
    String(result.producerWakeUps),
  ])
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const format = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`
  console.log(format(header))
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`)
  for (const row of rows) console.log(format(row))
}

async function main(): Promise<void> {
  const scale = Number(process.argv[2] ?? '1')
  const results: RunResult[] = []
  console.log(
    `FramedRing main -> worker, ${RING_CAPACITY_BYTES / KiB} KiB ring, node ${process.version}`,
  )
  for (const { payloadBytes: payloadLength, frameCount: baseFrameCount } of PAYLOADS) {
    const firstStrategy = STRATEGIES[0]
    if (firstStrategy !== undefined)
      await runOnce(payloadLength, WARM_UP_FRAME_COUNT, firstStrategy)
    for (const strategy of STRATEGIES) {
      const frameCount = Math.round(baseFrameCount * scale)
      results.push(await runOnce(payloadLength, frameCount, strategy))
    }
  }
  printTable(results)
}

if (isMainThread) await main()
else runConsumer(workerData as ConsumerData)
