/**
 * CRC32C throughput, native (@node-rs/crc32 through N-API) against portable (slicing-by-8 JS).
 *
 * Goal: know what a record checksum costs per KiB on each path, and where the fixed cost of the
 * N-API call makes the JS loop cheaper (the crossover behind NATIVE_CROSSOVER_BYTES).
 * Method: for each input size, sum the same random buffer repeatedly for a fixed time after a
 * warm-up, and report nanoseconds per call and per KiB. The running XOR of results is printed so
 * the JIT cannot drop the work.
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

function measure(checksum: Checksum, input: Uint8Array): { nanosecondsPerCall: number } {
  let sink = 0
  const run = (durationMs: number): { calls: number; elapsedNs: number } => {
    const started = process.hrtime.bigint()
    const deadline = started + BigInt(durationMs) * 1_000_000n
    let calls = 0
    let now = started
    while (now < deadline) {
      // Batches of calls between clock reads, so reading the clock does not dominate small inputs.
      for (let index = 0; index < 64; index++) sink ^= checksum(0, input, 0, input.length)
      calls += 64
      now = process.hrtime.bigint()
    }
    return { calls, elapsedNs: Number(now - started) }
  }
  run(WARM_UP_MS)
  const { calls, elapsedNs } = run(MEASURE_MS)
  if (sink === 0.5) console.log('unreachable')
  return { nanosecondsPerCall: elapsedNs / calls }
}

export function runCrc32cBench(): Crc32cBenchRow[] {
  const implementations: [string, Checksum][] = [['portable', crc32cPortableAppend]]
  if (crc32cNativeAppend !== null) implementations.push(['native', crc32cNativeAppend])
  implementations.push([`crc32c (dispatch, ${crc32cImplementation})`, crc32cAppend])
  const rows: Crc32cBenchRow[] = []
  for (const sizeBytes of SIZES_BYTES) {
    const input = randomFillSync(new Uint8Array(sizeBytes))
    for (const [implementation, checksum] of implementations) {
      const { nanosecondsPerCall } = measure(checksum, input)
      const nanosecondsPerKiB = (nanosecondsPerCall * 1024) / sizeBytes
      rows.push({ implementation, sizeBytes, nanosecondsPerCall, nanosecondsPerKiB })
    }
  }
  return rows
}

function main(): void {
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
