/** System registry: one adapter factory per --system name. */
import type { SystemAdapter, SystemName } from '../types.js'
import { createInMemoryAdapter } from './in-memory.js'
import { createNatsAdapter } from './nats.js'
import { createQuorumMqAdapter } from './quorummq.js'
import { createRabbitMqAdapter } from './rabbitmq.js'

export type AdapterFactories = Readonly<Record<SystemName, () => SystemAdapter>>

export const ADAPTERS: AdapterFactories = {
  quorummq: createQuorumMqAdapter,
  rabbitmq: () => createRabbitMqAdapter('quorum'),
  'rabbitmq-classic': () => createRabbitMqAdapter('classic'),
  nats: createNatsAdapter,
  'in-memory': createInMemoryAdapter,
}
