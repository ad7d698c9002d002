/**
 * Client protocol codec cost: encode and decode of the frames on the data path (PUT, PUT_OK,
 * GET, MESSAGE with a 1 KiB body) and of QUEUE_INFO, which carries a queue's attributes.
 *
 * Goal: know what the codec costs per frame, and see that a change to its layout code (the
 * cursor in src/codec/layout.ts) does not make it slower.
 * Method: for each case, repeat the operation for a fixed CPU time (process.cpuUsage, so time
 * the process spends descheduled on a busy machine does not count) after a warm-up, best of
 * ROUNDS rounds, and report CPU nanoseconds per call. Results feed a sink so the JIT cannot drop
 * the work.
 *
 * Run: npm run build && node dist/bench/client-protocol.bench.js
 */
import { Buffer } from 'node:buffer'
import { pathToFileURL } from 'node:url'
import {
  decodeFramePayload,
  encodeFrame,
  Opcode,
  readFrameHeader,
  type ClientMessage,
} from '../src/wire/client-protocol.js'
import { CLIENT_FRAME_HEADER_BYTES } from '../src/constants.js'

const WARM_UP_MS = 100
const MEASURE_MS = 200
const ROUNDS = 9

function measure(operation: () => number): number {
  let sink = 0
  const run = (durationMs: number): number => {
    let calls = 0
    const start = process.cpuUsage()
    let elapsedMs = 0
    while (elapsedMs < durationMs) {
      for (let index = 0; index < 256; index++) sink ^= operation()
      calls += 256
      const used = process.cpuUsage(start)
      elapsedMs = (used.user + used.system) / 1000
    }
    return (elapsedMs * 1e6) / calls
  }
  run(WARM_UP_MS)
  let best = Infinity
  for (let round = 0; round < ROUNDS; round++) best = Math.min(best, run(MEASURE_MS))
  if (sink === 0.5) console.log('unreachable')
  return best
}

const id = (fill: number): Uint8Array => new Uint8Array(24).fill(fill)
const descriptor = {
  msgId: id(1),
  correlId: id(2),
  persistent: true,
  priority: 4,
  expiry: -1,
  backoutCount: 0,
  putTimeMs: 1_790_000_000_000,
  format: 'MQSTR   ',
  replyToQueue: 'REPLY.Q',
  replyToQueueManager: 'QM1',
}
const body = Buffer.alloc(1024, 7)

export const BENCH_FRAMES: Record<string, ClientMessage> = {
  PUT: {
    type: Opcode.PUT,
    requestId: 7,
    handle: 1,
    options: { persistence: 1, priority: 5, msgId: id(3), format: 'MQSTR   ' },
    body,
  },
  PUT_OK: { type: Opcode.PUT_OK, requestId: 7, descriptor },
  GET: { type: Opcode.GET, requestId: 8, handle: 1, options: { waitMs: 1000, syncpoint: true } },
  MESSAGE: { type: Opcode.MESSAGE, requestId: 8, descriptor, body },
  QUEUE_INFO: {
    type: Opcode.QUEUE_INFO,
    requestId: 9,
    attributes: {
      name: 'APP.REQUESTS',
      description: 'requests',
      maxDepth: 5000,
      maxMessageLength: 4 * 1024 * 1024,
      defaultPersistent: true,
      defaultPriority: 0,
      putEnabled: true,
      getEnabled: true,
      deliverySequence: 'PRIORITY',
    },
    status: {
      name: 'APP.REQUESTS',
      currentDepth: 12,
      openInputCount: 1,
      openOutputCount: 2,
      uncommittedCount: 0,
    },
  },
}

export function runClientProtocolBench(): Record<string, number> {
  const rows: Record<string, number> = {}
  for (const [name, frame] of Object.entries(BENCH_FRAMES)) {
    rows[`encode ${name}`] = measure(() => encodeFrame(frame).length)
    const encoded = encodeFrame(frame)
    const header = readFrameHeader(encoded, 0)
    const payload = encoded.subarray(CLIENT_FRAME_HEADER_BYTES)
    rows[`decode ${name}`] = measure(() => {
      const decoded = decodeFramePayload(header, payload)
      return decoded.requestId
    })
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, nanoseconds] of Object.entries(runClientProtocolBench())) {
    console.log(`${name.padEnd(20)} ${nanoseconds.toFixed(0).padStart(6)} ns`)
  }
}
