/**
 * A queue manager and its TCP server in a process of their own, for benchmarks that drive it
 * over loopback: `node dist/bench/core/server-process.js <dataDirectory>` prints `PORT <n>`.
 * Each `STATS` line on stdin is answered with `STATS <json>`: the server's cumulative I/O
 * counters, the journal's batches, and event-loop utilisation and delay since the last STATS.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { QueueManagerServer } from '../../src/server/server.js'
import { formatTranscript, runMqsc } from '../../src/mqsc/index.js'

const dataDirectory = process.argv[2]
if (dataDirectory === undefined) throw new Error('usage: server-process <dataDirectory>')
const queueManager = await QueueManager.open({ dataDirectory, create: { name: 'BENCH' } })
const server = await QueueManagerServer.listen({
  queueManager,
  port: 0,
  admin: async (text) => {
    const run = await runMqsc(queueManager.engine, text, queueManager.name)
    return { lines: formatTranscript(run, queueManager.name), failedCount: run.commandsFailed }
  },
})
// The delay monitor samples on a timer of its own; it is on only when a bench asks for it.
const delay = process.env['QMQ_BENCH_LOOP_DELAY'] === '1' ? monitorEventLoopDelay() : undefined
delay?.enable()
let lastUtilisation = performance.eventLoopUtilization()

async function stats(): Promise<object> {
  const journal = await queueManager.journalStats()
  const utilisation = performance.eventLoopUtilization(lastUtilisation)
  lastUtilisation = performance.eventLoopUtilization()
  const loopDelay =
    delay === undefined
      ? undefined
      : { p50Micros: delay.percentile(50) / 1000, p99Micros: delay.percentile(99) / 1000 }
  delay?.reset()
  return { io: server.stats().io, journal, utilisation: utilisation.utilization, loopDelay }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'STATS') return
  void stats().then((value) => process.stdout.write(`STATS ${JSON.stringify(value)}\n`))
})
process.stdout.write(`PORT ${server.port}\n`)
const stop = async (): Promise<void> => {
  const stats = await queueManager.journalStats()
  if (stats !== undefined && stats.batches > 0) {
    const perBatch = (stats.records / stats.batches).toFixed(1)
    const syncMicros = (stats.syncMicrosTotal / stats.batches).toFixed(0)
    process.stderr.write(
      `journal: ${stats.batches} batches, ${perBatch} records/batch, sync ${syncMicros} µs avg\n`,
    )
  }
  await server.close({ graceful: false })
  await queueManager.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
