/**
 * tls.bench.ts's server: one queue manager listening twice, plain TCP and TLS 1.3 (key.pem and
 * cert.pem from a directory), in a process of its own so the client's work and the server's do
 * not share one event loop, as in tcp.bench.ts:
 *
 *   node dist/bench/core/tls-server-process.js <dataDirectory> <certDirectory>
 *
 * prints `PORTS <plain> <tls>`; a `CLEAR` line on stdin empties BENCH.Q (each round starts
 * from the same depth) and answers `CLEARED <this process's CPU µs so far>`; SIGTERM closes it.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { QueueManagerServer } from '../../src/server/server.js'

const [dataDirectory, certDirectory] = process.argv.slice(2)
if (dataDirectory === undefined || certDirectory === undefined) {
  throw new Error('usage: tls-server-process <dataDirectory> <certDirectory>')
}
const queueManager = await QueueManager.open({ dataDirectory, create: { name: 'QMBENCH' } })
await queueManager.engine.defineQueue({ name: 'BENCH.Q', maxDepth: 10_000_000 })
const tls = {
  key: fs.readFileSync(join(certDirectory, 'key.pem')),
  cert: fs.readFileSync(join(certDirectory, 'cert.pem')),
}
const plain = await QueueManagerServer.listen({ queueManager, port: 0 })
const secure = await QueueManagerServer.listen({ queueManager, port: 0, tls })

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'CLEAR') return
  void queueManager.engine.clearQueue('BENCH.Q').then(() => {
    const cpu = process.cpuUsage()
    process.stdout.write(`CLEARED ${cpu.user + cpu.system}\n`)
  })
})
process.stdout.write(`PORTS ${plain.port} ${secure.port}\n`)
process.on('SIGTERM', () => {
  void (async () => {
    await plain.close({ graceful: false })
    await secure.close({ graceful: false })
    await queueManager.close()
    process.exit(0)
  })()
})
