/**
 * Get by MsgId and by CorrelId on a deep queue: the cost of finding one message among many.
 * Fills a queue with N persistent 64-byte messages, each with its own CorrelId, through the
 * in-process queue manager, then times browse-by-CorrelId and browse-by-MsgId of the LAST
 * message (the worst case for a scan in delivery order) and one destructive get by CorrelId.
 *
 *   npm run build && node dist/bench/matching.bench.js [--messages 100000] [--repeat 50]
 */
import fs from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { QueueManager } from '../src/queue-manager/queue-manager.js'
import { Persistence } from '../src/queue/types.js'
import { formatMicros, nowMicros, summarize } from './core/samples.js'

const BODY = Buffer.alloc(64, 0x71)
const FILL_LANES = 256

function correlIdOf(index: number): Uint8Array {
  const id = Buffer.alloc(24)
  id.write('CORREL', 0, 'ascii')
  id.writeUInt32BE(index + 1, 20)
  return id
}

async function fill(queueManager: QueueManager, count: number): Promise<Uint8Array> {
  const connection = queueManager.connect()
  const handle = connection.open('Q', { output: true })
  let issued = 0
  let lastMsgId: Uint8Array = new Uint8Array(24)
  const lane = async (): Promise<void> => {
    while (issued < count) {
      const index = issued++
      const put = await handle.put(BODY, {
        persistence: Persistence.PERSISTENT,
        correlId: correlIdOf(index),
      })
      if (index === count - 1) lastMsgId = put.msgId
    }
  }
  await Promise.all(Array.from({ length: FILL_LANES }, lane))
  await connection.close()
  return lastMsgId
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '100000' },
      repeat: { type: 'string', default: '50' },
    },
  })
  const count = Number(values.messages)
  const repeat = Number(values.repeat)
  const directory = fs.mkdtempSync(join(os.tmpdir(), 'qmq-bench-match-'))
  const queueManager = await QueueManager.open({ dataDirectory: directory, create: { name: 'B' } })
  try {
    await queueManager.engine.defineQueue({ name: 'Q', maxDepth: 999_999_999 })
    const fillStarted = nowMicros()
    const lastMsgId = await fill(queueManager, count)
    const fillSeconds = (nowMicros() - fillStarted) / 1e6
    const connection = queueManager.connect()
    const handle = connection.open('Q', { input: true, browse: true })
    const lastCorrelId = correlIdOf(count - 1)
    const time = async (options: object): Promise<ReturnType<typeof summarize>> => {
      const samples = new Float64Array(repeat)
      for (let index = 0; index < repeat; index++) {
        const begin = nowMicros()
        await handle.get({ browse: 'first', ...options })
        samples[index] = nowMicros() - begin
      }
      return summarize(samples)
    }
    const byCorrelId = await time({ correlId: lastCorrelId })
    const byMsgId = await time({ msgId: lastMsgId })
    const getBegin = nowMicros()
    await handle.get({ correlId: lastCorrelId })
    const destructiveMicros = nowMicros() - getBegin
    console.log(`${count} persistent messages filled in ${fillSeconds.toFixed(1)} s`)
    console.log(
      `browse by CorrelId of the last: p50 ${formatMicros(byCorrelId.p50Micros)}, ` +
        `p99 ${formatMicros(byCorrelId.p99Micros)} (${repeat} samples)`,
    )
    console.log(
      `browse by MsgId of the last:    p50 ${formatMicros(byMsgId.p50Micros)}, ` +
        `p99 ${formatMicros(byMsgId.p99Micros)} (${repeat} samples)`,
    )
    console.log(
      `destructive get by CorrelId of the last (one, durable): ${formatMicros(destructiveMicros)}`,
    )
    await connection.close()
  } finally {
    await queueManager.close()
    fs.rmSync(directory, { recursive: true, force: true })
  }
}

await main()
