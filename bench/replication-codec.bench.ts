/**
 * Replication link codec: what encoding and decoding one frame costs, for the two frames that
 * matter, a 64 KiB APPEND (a busy group-commit batch) and a HEARTBEAT (sent every tick).
 *
 * Goal: know the CPU cost per frame on the sender and the receiver, and what the zero-copy head
 * encoding (header and fields only, records sent from where they lie) saves over a full copy.
 * Method: for each case repeat encode-then-decode for a fixed time after a warm-up and report
 * ns per encode+decode and operations per second. Decoding goes through a bound
 * ReplicationFrameParser (push, next), header check, CRC32C over the whole frame and field
 * validation included; APPEND's records come back as a view. Results feed a sink so the JIT
 * cannot drop the work.
 *
 * Run: npm run build && node dist/bench/replication-codec.bench.js
 */
import { randomFillSync } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { crc32cImplementation } from '../src/checksum/crc32c.js'
import {
  MessageType,
  type AppendMessage,
  type HeartbeatMessage,
} from '../src/replication/messages.js'
import { ReplicationFrameParser } from '../src/wire/replication-frame-parser.js'
import {
  encodeReplicationFrame,
  encodeReplicationFrameHead,
  encodeReplicationFrameInto,
  measureReplicationFrame,
  type ReplicationFrame,
} from '../src/wire/replication-protocol.js'

const WARM_UP_MS = 200
const MEASURE_MS = 1_000
const APPEND_RECORD_BYTES = 64 * 1024
const NAMES = { from: 'node-a', to: 'node-b' }

export interface ReplicationCodecRow {
  readonly operation: string
  readonly frameBytes: number
  readonly nanosecondsPerOperation: number
  readonly operationsPerSecond: number
}

/** Nanoseconds per call of `operation`, after a warm-up. */
function measure(operation: () => number): number {
  let sink = 0
  const run = (durationMs: number): { calls: number; elapsedNs: number } => {
    const started = process.hrtime.bigint()
    const deadline = started + BigInt(durationMs) * 1_000_000n
    let calls = 0
    let now = started
    while (now < deadline) {
      // Batches of calls between clock reads, so reading the clock does not dominate.
      for (let index = 0; index < 16; index++) sink ^= operation()
      calls += 16
      now = process.hrtime.bigint()
    }
    return { calls, elapsedNs: Number(now - started) }
  }
  run(WARM_UP_MS)
  const { calls, elapsedNs } = run(MEASURE_MS)
  if (sink === 0.5) console.log('unreachable')
  return elapsedNs / calls
}

function decodedSize(parser: ReplicationFrameParser, bytes: Buffer): number {
  parser.push(bytes)
  const frame = parser.next()
  if (frame === undefined || !('epoch' in frame)) throw new Error(`decode failed: ${String(frame)}`)
  return frame.epoch
}

function cases(): [string, ReplicationFrame, (frame: ReplicationFrame) => Buffer][] {
  const append: AppendMessage = {
    type: MessageType.APPEND,
    ...NAMES,
    epoch: 7,
    prevLsn: 1 << 20,
    prevEpoch: 7,
    endLsn: (1 << 20) + APPEND_RECORD_BYTES,
    entriesEpoch: 7,
    commitLsn: 1 << 20,
    payload: randomFillSync(new Uint8Array(APPEND_RECORD_BYTES)),
  }
  const heartbeat: HeartbeatMessage = {
    type: MessageType.HEARTBEAT,
    ...NAMES,
    epoch: 7,
    commitLsn: 1 << 20,
  }
  const reused = Buffer.allocUnsafe(measureReplicationFrame(append))
  const intoReused = (frame: ReplicationFrame): Buffer => {
    const end = encodeReplicationFrameInto(reused, 0, frame)
    return reused.subarray(0, end)
  }
  return [
    ['APPEND 64 KiB: encodeReplicationFrame + decode', append, encodeReplicationFrame],
    ['APPEND 64 KiB: encodeReplicationFrameInto (reused buffer) + decode', append, intoReused],
    ['HEARTBEAT: encodeReplicationFrame + decode', heartbeat, encodeReplicationFrame],
    ['HEARTBEAT: encodeReplicationFrameInto (reused buffer) + decode', heartbeat, intoReused],
    [
      'APPEND 64 KiB: encodeReplicationFrameHead only (records not copied)',
      append,
      encodeReplicationFrameHead,
    ],
  ]
}

export function runReplicationCodecBench(): ReplicationCodecRow[] {
  const rows: ReplicationCodecRow[] = []
  for (const [operation, frame, encode] of cases()) {
    const frameBytes = measureReplicationFrame(frame)
    const parser = new ReplicationFrameParser({ from: 'dialer', names: NAMES })
    const encodeOnly = operation.includes('only')
    const nanoseconds = measure(() =>
      encodeOnly ? encode(frame).length : decodedSize(parser, encode(frame)),
    )
    rows.push({
      operation,
      frameBytes,
      nanosecondsPerOperation: nanoseconds,
      operationsPerSecond: 1e9 / nanoseconds,
    })
  }
  return rows
}

function main(): void {
  console.log(`node ${process.version}, crc32c ${crc32cImplementation}`)
  console.table(
    runReplicationCodecBench().map((row) => ({
      operation: row.operation,
      'frame bytes': row.frameBytes,
      'ns/op': row.nanosecondsPerOperation.toFixed(0),
      'ops/s': Math.round(row.operationsPerSecond).toLocaleString('en-US'),
      'MB/s': ((row.frameBytes * row.operationsPerSecond) / 1e6).toFixed(0),
    })),
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
}
