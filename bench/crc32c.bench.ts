/**
 * CRC32C throughput, native (@node-rs/crc32 through N-API) against portable (slicing-by-8 JS),
 * and the record operations whose cost the checksum dominates.
 *
 * Goal: know what a record checksum costs per KiB on each path, where the fixed cost of the
 * N-API call makes the JS loop cheaper (the crossover behind NATIVE_CROSSOVER_BYTES), and what
 * encodeRecord / finalizeRecord / readRecordHeader / decodePutRecord cost for a 1 KiB PUT in the
 * SharedArrayBuffer ring.
 * Method: for each case, repeat the operation for a fixed time after a warm-up and report
 * nanoseconds per call (and per KiB for checksums). Results feed a sink so the JIT cannot drop
 * the work.
 *
 * Run: npm run build && node dist/bench/crc32c.bench.js
 */
import { randomFillSync } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import {
  crc32cAppend,
  crc32cImplementation,
  crc32cNativeAppend,
  crc32cPortableAppend,
} from '../src/checksum/crc32c.js'
import { RecordType, type MessagePutRecord } from '../src/actors/journal/record-types.js'
import {
  decodePutRecord,
  encodeRecord,
  encodedRecordLength,
  finalizeRecord,
  readRecordHeader,
} from '../src/actors/journal/journal-record.js'

const SIZES_BYTES = [16, 48, 64, 96, 128, 192, 256, 1024, 64 * 1024, 1024 * 1024]
const WARM_UP_MS = 100
const MEASURE_MS = 300

type Checksum = (previous: number, bytes: Uint8Array, start?: number, end?: number) => number

export interface Crc32cBenchRow {
  readonly implementation: string
  readonly sizeBytes: number
  readonly nanosecondsPerCall: number
  readonly nanosecondsPerKiB: number
}

/** Nanoseconds per call of `operation(iteration)`, after a warm-up. */
function measure(operation: (iteration: number) => number): number {
  let sink = 0
  let iteration = 0
  const run = (durationMs: number): { calls: number; elapsedNs: number } => {
    const started = process.hrtime.bigint()
    const deadline = started + BigInt(durationMs) * 1_000_000n
    let calls = 0
    let now = started
    while (now < deadline) {
      // Batches of calls between clock reads, so reading the clock does not dominate small inputs.
      for (let index = 0; index < 64; index++) sink ^= operation(iteration++)
      calls += 64
      now = process.hrtime.bigint()
    }
    return { calls, elapsedNs: Number(now - started) }
  }
  run(WARM_UP_MS)
  const { calls, elapsedNs } = run(MEASURE_MS)
  if (sink === 0.5) console.log('unreachable')
  return elapsedNs / calls
}

export function runCrc32cBench(): Crc32cBenchRow[] {
  const implementations: [string, Checksum][] = [['portable', crc32cPortableAppend]]
  if (crc32cNativeAppend !== null) implementations.push(['native', crc32cNativeAppend])
  implementations.push([`crc32c (dispatch, ${crc32cImplementation})`, crc32cAppend])
  const rows: Crc32cBenchRow[] = []
  for (const sizeBytes of SIZES_BYTES) {
    const input = randomFillSync(new Uint8Array(sizeBytes))
    for (const [implementation, checksum] of implementations) {
      const nanosecondsPerCall = measure(() => checksum(0, input, 0, input.length))
      const nanosecondsPerKiB = (nanosecondsPerCall * 1024) / sizeBytes
      rows.push({ implementation, sizeBytes, nanosecondsPerCall, nanosecondsPerKiB })
    }
  }
  return rows
}

const putRecord: MessagePutRecord = {
  type: RecordType.MESSAGE_PUT,
  queueId: 7,
  uowId: 0,
  descriptor: {
    msgId: new Uint8Array(24).fill(1),
    correlId: new Uint8Array(24),
    persistent: true,
    priority: 4,
    expiry: -1,
    putTimeMs: 1_767_225_600_123,
    backoutCount: 0,
    format: 'MQSTR',
    replyToQueue: '',
    replyToQueueManager: '',
  },
  body: randomFillSync(new Uint8Array(1024)),
}

/** Record operations on 1 KiB PUTs laid end to end in a 16 MiB SharedArrayBuffer "ring". */
export function runRecordBench(): Record<string, number> {
  const ring = new Uint8Array(new SharedArrayBuffer(16 * 1024 * 1024))
  const length = encodedRecordLength(putRecord)
  const slots = Math.floor(ring.length / length)
  const slotOffset = (iteration: number): number => (iteration % slots) * length
  for (let slot = 0; slot < slots; slot++) {
    encodeRecord(ring, slot * length, putRecord, slot * length, 1)
    finalizeRecord(ring, slot * length, 0)
  }
  return {
    encodedRecordLength: measure(() => encodedRecordLength(putRecord)),
    'encodeRecord (1 KiB PUT, SAB)': measure((iteration) => {
      const offset = slotOffset(iteration)
      return encodeRecord(ring, offset, putRecord, offset, 1)
    }),
    'body copy alone (1 KiB, SAB)': measure((iteration) => {
      ring.set(putRecord.body, slotOffset(iteration) + 136)
      return 0
    }),
    'finalizeRecord (1 KiB PUT)': measure((iteration) => {
      finalizeRecord(ring, slotOffset(iteration), 0)
      return 0
    }),
    'readRecordHeader (1 KiB PUT)': measure((iteration) => {
      const offset = slotOffset(iteration)
      return readRecordHeader(ring, offset, length, offset).kind.length
    }),
    'decodePutRecord (1 KiB PUT)': measure((iteration) => {
      const offset = slotOffset(iteration)
      return decodePutRecord(ring, offset, length, offset).body.length
    }),
  }
}

function main(): void {
  const records = runRecordBench()
  console.table(
    Object.entries(records).map(([operation, nanoseconds]) => ({
      operation,
      'ns/call': nanoseconds.toFixed(1),
    })),
  )
  const rows = runCrc32cBench()
  console.table(
    rows.map((row) => ({
      implementation: row.implementation,
      bytes: row.sizeBytes,
      'ns/call': row.nanosecondsPerCall.toFixed(1),
      'ns/KiB': row.nanosecondsPerKiB.toFixed(1),
    })),
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
}
