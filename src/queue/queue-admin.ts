/**
 * Queue administration (DEFINE, ALTER, DELETE, CLEAR, DISPLAY QLOCAL and QSTATUS). Changes are
 * journalled like messages: QUEUE_DEFINE (also for ALTER and REPLACE, with the full attribute
 * set), QUEUE_DELETE, QUEUE_CLEAR; each call resolves once its record is durable.
 *
 * MQ rules followed:
 *  - DEFINE of an existing name without REPLACE: 2100 OBJECT_ALREADY_EXISTS. With REPLACE, the
 *    attributes not named come from LIKE or the defaults, not from the existing definition
 *    (ALTER is the verb that keeps them). LIKE names an existing queue (else 2085).
 *  - DELETE: open handles 2042 OBJECT_IN_USE; uncommitted messages 2055 Q_NOT_EMPTY even with
 *    PURGE (a unit of work holds them); committed messages without PURGE 2055.
 *  - CLEAR: open handles 2042; uncommitted messages 2055.
 *  - DEFINE without LIKE takes the attributes not named from SYSTEM.DEFAULT.LOCAL.QUEUE when it
 *    exists (so ALTERing it changes the defaults of new queues), else from MQ's defaults.
 *  - Names are unique across local and alias queues: DEFINE of a name held by the other type
 *    fails with 2100 even with REPLACE. A definition with `targetQueue` is a QALIAS.
 */
import { MQError, Reason } from '../errors.js'
import { RecordType } from '../actors/journal/record-types.js'
import type { EngineRuntime } from './engine-runtime.js'
import type { AliasQueue } from './engine-state.js'
import type { LocalQueue } from './local-queue.js'
import {
  checkQueueName,
  DEFAULT_LOCAL_QUEUE_NAME,
  DEFAULT_QUEUE_SETTINGS,
  queueNameMatcher,
  resolveAliasAttributes,
  resolveAttributes,
  type QueueSettings,
} from './queue-attributes.js'
import type { QueueAttributes, QueueStatus } from './types.js'

/** DEFINE QLOCAL: the name plus any attributes to set. */
export type QueueDefinition = Partial<QueueAttributes> & { readonly name: string }

export interface DefineQueueOptions {
  readonly replace?: boolean
  /** LIKE(q): take the attributes not named from this queue instead of the defaults. */
  readonly like?: string
}

export interface DeleteQueueOptions {
  readonly purge?: boolean
}

export type QueueChanges = Partial<Omit<QueueAttributes, 'name'>>

export async function defineQueue(
  runtime: EngineRuntime,
  definition: QueueDefinition,
  options: DefineQueueOptions,
): Promise<QueueAttributes> {
  runtime.checkUsable()
  checkQueueName(definition.name)
  const state = runtime.state
  const alias = definition.targetQueue !== undefined
  const existing = alias
    ? state.aliasesByName.get(definition.name)
    : state.queuesByName.get(definition.name)
  const otherType = alias
    ? state.queuesByName.has(definition.name)
    : state.aliasesByName.has(definition.name)
  if ((existing !== undefined && options.replace !== true) || otherType) {
    throw new MQError(Reason.OBJECT_ALREADY_EXISTS, `queue ${definition.name} already exists`)
  }
  const attributes = alias
    ? resolveAliasAttributes(definition.name, undefined, definition)
    : resolveAttributes(definition.name, localBase(runtime, options.like), definition)
  const queueId = existing?.queueId ?? state.nextQueueId
  const lsn = runtime.appendAndApply({ type: RecordType.QUEUE_DEFINE, queueId, attributes })
  await runtime.durable(lsn)
  return attributes
}

/** What DEFINE QLOCAL starts from: LIKE's queue, SYSTEM.DEFAULT.LOCAL.QUEUE, or MQ's defaults. */
function localBase(runtime: EngineRuntime, like: string | undefined): QueueSettings {
  if (like !== undefined) return findQueue(runtime, like).attributes
  return (
    runtime.state.queuesByName.get(DEFAULT_LOCAL_QUEUE_NAME)?.attributes ?? DEFAULT_QUEUE_SETTINGS
  )
}

export async function alterQueue(
  runtime: EngineRuntime,
  name: string,
  changes: QueueChanges,
): Promise<QueueAttributes> {
  runtime.checkUsable()
  const alias = runtime.state.aliasesByName.get(name)
  const queueId = alias?.queueId ?? findQueue(runtime, name).queueId
  const attributes =
    alias === undefined
      ? resolveAttributes(name, findQueue(runtime, name).attributes, changes)
      : resolveAliasAttributes(name, alias.attributes, changes)
  const record = { type: RecordType.QUEUE_DEFINE, queueId, attributes } as const
  const lsn = runtime.appendAndApply(record)
  await runtime.durable(lsn)
  return attributes
}

export async function deleteQueue(
  runtime: EngineRuntime,
  name: string,
  options: DeleteQueueOptions,
): Promise<void> {
  runtime.checkUsable()
  const alias = runtime.state.aliasesByName.get(name)
  if (alias !== undefined) {
    const aliasLsn = runtime.appendAndApply({
      type: RecordType.QUEUE_DELETE,
      queueId: alias.queueId,
    })
    await runtime.durable(aliasLsn)
    return
  }
  const queue = findQueue(runtime, name)
  checkNotInUse(queue, 'deleted')
  if (queue.depth > 0 && options.purge !== true) {
    throw new MQError(Reason.Q_NOT_EMPTY, `${name} holds ${queue.depth} messages (use PURGE)`)
  }
  const lsn = runtime.appendAndApply({ type: RecordType.QUEUE_DELETE, queueId: queue.queueId })
  await runtime.durable(lsn)
}

export async function clearQueue(runtime: EngineRuntime, name: string): Promise<void> {
  runtime.checkUsable()
  const queue = findQueue(runtime, name)
  checkNotInUse(queue, 'cleared')
  const lsn = runtime.appendAndApply({ type: RecordType.QUEUE_CLEAR, queueId: queue.queueId })
  await runtime.durable(lsn)
}

export function queueAttributes(runtime: EngineRuntime, name: string): QueueAttributes {
  return findQueue(runtime, name).attributes
}

/** Attributes of the queues whose names match `pattern` (`*` is a wildcard), sorted by name. */
export function listQueues(runtime: EngineRuntime, pattern: string): QueueAttributes[] {
  const matches = queueNameMatcher(pattern)
  return [...runtime.state.queuesByName.values()]
    .filter((queue) => matches(queue.name))
    .map((queue) => queue.attributes)
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
}

/** Alias queues whose names match `pattern`, sorted by name. */
export function listAliases(runtime: EngineRuntime, pattern: string): QueueAttributes[] {
  const matches = queueNameMatcher(pattern)
  return [...runtime.state.aliasesByName.values()]
    .filter((alias: AliasQueue) => matches(alias.attributes.name))
    .map((alias) => alias.attributes)
    .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
}

/**
 * DISPLAY QSTATUS. CURDEPTH follows MQ: it includes messages put under a unit of work not yet
 * committed and messages gotten under one (still on the queue until commit); an expired message
 * counts until a get or the expiry sweeper (expiry-sweeper.ts) meets it.
 */
export function queueStatus(runtime: EngineRuntime, name: string): QueueStatus {
  const queue = findQueue(runtime, name)
  return {
    name: queue.name,
    currentDepth: queue.depth,
    openInputCount: queue.openInputCount,
    openOutputCount: queue.openOutputCount,
    uncommittedCount: queue.uncommitted,
  }
}

function findQueue(runtime: EngineRuntime, name: string): LocalQueue {
  const queue = runtime.state.queuesByName.get(name)
  if (queue === undefined) {
    throw new MQError(Reason.UNKNOWN_OBJECT_NAME, `queue ${JSON.stringify(name)} is not defined`)
  }
  return queue
}

function checkNotInUse(queue: LocalQueue, verb: string): void {
  if (queue.openHandleCount > 0) {
    throw new MQError(
      Reason.OBJECT_IN_USE,
      `${queue.name} cannot be ${verb}: ${queue.openHandleCount} handles are open`,
    )
  }
  if (queue.uncommitted > 0) {
    throw new MQError(
      Reason.Q_NOT_EMPTY,
      `${queue.name} cannot be ${verb}: ${queue.uncommitted} messages are uncommitted`,
    )
  }
}
