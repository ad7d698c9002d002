/**
 * The QuorumMQ client library: connect to a queue manager over TCP and put, get, browse,
 * commit and administer, with MQ's calls and reason codes.
 *
 *   const connection = await connect({ queueManager: 'QM1', connName: 'host1(1414),host2(1414)' })
 *   const queue = await connection.open('Q1')                // input and output
 *   await queue.put('hello', { syncpoint: true })
 *   await connection.commit()
 *   for await (const message of queue.messages({ waitMs: 5_000 })) handle(message)
 *   await connection.close()
 *
 * Every failure is an MQError with `reason` (MQRC) and `compCode` (MQCC); the connection state
 * machine is described in queue-manager-connection.ts.
 */
export { connect, QueueManagerConnection } from './queue-manager-connection.js'
export type { ConnectOptions } from './connect-options.js'
export type { ReconnectOptions } from './reconnect.js'
export { RemoteQueue } from './remote-queue.js'
export {
  formatConnectionName,
  parseConnectionNameList,
  type ConnectionAddress,
} from './connection-name.js'
export { ClientReason } from './failures.js'
