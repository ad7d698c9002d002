/**
 * The single node the replication benchmark compares with: a plain QueueManager and its TCP
 * server in their own process (as each group member is), with queue APP.Q.
 *
 *   node dist/bench/replication/single-node-main.js <data-directory> <port>
 *
 * Prints "ready" once clients can connect; stops on SIGTERM.
 */
import { QueueManager } from '../../src/queue-manager/queue-manager.js'
import { QueueManagerServer } from '../../src/server/server.js'

const [directory, port] = process.argv.slice(2)
const queueManager = await QueueManager.open({
  dataDirectory: directory!,
  create: { name: 'QMR' },
})
if (queueManager.engine.listQueues('APP.Q').length === 0) {
  await queueManager.engine.defineQueue({ name: 'APP.Q', maxDepth: 999_999_999 })
}
const server = await QueueManagerServer.listen({ queueManager, port: Number(port) })
process.on('SIGTERM', () => {
  void server
    .close({ graceful: false })
    .then(() => queueManager.close())
    .then(() => process.exit(0))
})
process.stdout.write('ready\n')
