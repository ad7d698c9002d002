/**
 * A queue manager and its TCP server in a process of their own, for benchmarks that drive it
 * over loopback: `node dist/bench/core/server-process.js <dataDirectory>` prints `PORT <n>`.
 */
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
