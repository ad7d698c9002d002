/**
 * QuorumMQ's public API.
 *
 * - The client library (connect to a running queue manager over TCP): `connect`,
 *   `QueueManagerConnection`, `RemoteQueue`.
 * - Embedding a queue manager in-process: `QueueManager`.
 * - MQ vocabulary: `MQError` (`reason` = MQRC, `compCode` = MQCC), `Reason`, `CompCode`,
 *   `Persistence`, and the message descriptor and option types.
 */
export {
  connect,
  parseConnectionNameList,
  formatConnectionName,
  QueueManagerConnection,
  RemoteQueue,
} from './client/index.js'
export type { ConnectOptions, ReconnectOptions } from './client/index.js'
export { QueueManager } from './queue-manager/queue-manager.js'
export type {
  OpenOptions as QueueManagerOpenOptions,
  RecoveryReport,
} from './queue-manager/queue-manager.js'
export { QueueEngine, Connection, QueueHandle } from './queue/engine.js'
export {
  MQError,
  QmqError,
  Reason,
  CompCode,
  ErrorCode,
  isMQError,
  isQmqError,
  reasonName,
} from './errors.js'
export { Persistence } from './queue/types.js'
export type {
  BrowseMode,
  DeliverySequence,
  GetOptions,
  GotMessage,
  MessageDescriptor,
  OpenOptions,
  PutOptions,
  QueueAttributes,
  QueueStatus,
} from './queue/types.js'
