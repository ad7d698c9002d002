/**
 * Journal record codec: what encoding and decoding one 1 KiB MESSAGE_PUT costs on the main
 * thread, the hot path of every persistent put (encode straight into the ring) and of every
 * replay or read-back (header check, then decode with the body as a view).
 *
 * Goal: compare codec implementations (run this file from two builds, interleaved) on a machine
 * whose load changes minute to minute. Method: `--rounds` rounds, each timing `--ms` of
 * encode+finalize+readRecordHeader+decode calls into one SharedArrayBuffer view (as the ring
 * is), after a warm-up; print ns/op of every round and the best. The checksum is part of the
 * cost (the worker computes it in production), reported separately as `finalize+check` so the
 * codec's own share can be told apart. Results feed a sink so the JIT cannot drop the work.
 *
 * Run: npm run build && node dist/bench/record-codec.bench.js [--rounds 7] [--ms 500]
 */
import { parseArgs } from 'node:util'
import {
  decodeRecord,
  encodeRecord,
  finalizeRecord,
  readRecordHeader,
} from '../src/actors/journal/journal-record.js'
import { RecordType, type MessagePutRecord } from '../src/actors/journal/record-types.js'

const BODY_BYTES = 1024
const LSN = 1 << 20

function putRecord(): MessagePutRecord {
  return {
    type: RecordType.MESSAGE_PUT,
    queueId: 3,
    uowId: 0,
    descriptor: {
      msgId: Uint8Array.from({ length: 24 }, (_, index) => index),
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
    body: new Uint8Array(BODY_BYTES).fill(0x61),
  }
}

type Operation = () => number

function operations(): Record<string, Operation> {
  const record = putRecord()
  const target = new Uint8Array(new SharedArrayBuffer(8192), 64, 4096)
  const encode: Operation = () => encodeRecord(target, 0, record, LSN, 5)
  const length = encode()
  finalizeRecord(target, 0, LSN)
  const check = readRecordHeader(target, 0, length, LSN)
  if (check.kind !== 'ok') throw new Error(`bench record does not read back: ${check.kind}`)
  const header = check.header
  const decode: Operation = () => {
    const decoded = decodeRecord(target, 0, header) as MessagePutRecord
    return decoded.body.length + decoded.descriptor.priority
  }
  const roundTrip: Operation = () => {
    const written = encodeRecord(target, 0, record, LSN, 5)
    finalizeRecord(target, 0, LSN)
    const read = readRecordHeader(target, 0, written, LSN)
    if (read.kind !== 'ok') throw new Error('round trip failed')
    return (decodeRecord(target, 0, read.header) as MessagePutRecord).body.length
  }
  const finalizeAndCheck: Operation = () => {
    finalizeRecord(target, 0, LSN)
    return readRecordHeader(target, 0, length, LSN).kind.length
  }
  return {
    encode,
    decode,
    'encode+decode': () => encode() + decode(),
    'round trip (with CRC)': roundTrip,
    'finalize+check (CRC only)': finalizeAndCheck,
  }
}

let sink = 0

/** Nanoseconds per call of `operation` over `durationMs`. */
function time(operation: Operation, durationMs: number): number {
  const started = process.hrtime.bigint()
  const deadline = started + BigInt(durationMs) * 1_000_000n
  let calls = 0
  let now = started
  while (now < deadline) {
    // Batches between clock reads, so reading the clock does not dominate.
    for (let index = 0; index < 64; index++) sink ^= operation()
    calls += 64
    now = process.hrtime.bigint()
  }
  return Number(now - started) / calls
}

function main(): void {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '7' }, ms: { type: 'string', default: '500' } },
  })
  const rounds = Number(values.rounds)
  const durationMs = Number(values.ms)
  const table = operations()
  for (const operation of Object.values(table)) time(operation, 200)
  const results = new Map<string, number[]>()
  for (let round = 0; round < rounds; round++) {
    // Operations interleaved inside a round, so a burst of load hits them all alike.
    for (const [name, operation] of Object.entries(table)) {
      const list = results.get(name) ?? []
      list.push(time(operation, durationMs))
      results.set(name, list)
    }
  }
  for (const [name, list] of results) {
    const rounded = list.map((value) => value.toFixed(0)).join(' ')
    console.log(`${name.padEnd(26)} best ${Math.min(...list).toFixed(0)} ns/op   [${rounded}]`)
  }
  if (sink === 0.5) console.log('unreachable')
}

main()
