/**
 * Queue-manager attributes (DISPLAY QMGR, ALTER QMGR) and the default objects every queue
 * manager has. Both are journalled like queue definitions, so they survive restarts and reach
 * replicas: ALTER QMGR writes a QMGR_ALTER record with the full attribute set; the default
 * objects are QUEUE_DEFINE records plus the first QMGR_ALTER.
 *
 * Default objects (MQ scripts rely on them), created once, when the log holds no QMGR_ALTER yet:
 * at creation, or at the first start of a queue manager created before they existed. A crash in
 * the middle leaves no QMGR_ALTER, so the next start completes the set; a queue of that name the
 * administrator already defined is kept as it is.
 *   SYSTEM.DEFAULT.LOCAL.QUEUE  the defaults of DEFINE QLOCAL without LIKE (queue-admin.ts)
 *   SYSTEM.DEAD.LETTER.QUEUE    (or the name given at creation) the DEADQ
 */
import { Buffer } from 'node:buffer'
import { MAX_QUEUE_DESCRIPTION_BYTES } from '../constants.js'
import { MQError, Reason } from '../errors.js'
import { RecordType } from '../actors/journal/record-types.js'
import type { EngineRuntime } from './engine-runtime.js'
import {
  checkQueueName,
  DEFAULT_LOCAL_QUEUE_NAME,
  DEFAULT_QUEUE_SETTINGS,
  isValidQueueName,
  resolveAttributes,
} from './queue-attributes.js'
import type { QueueManagerAttributes } from './types.js'

const DEAD_LETTER_QUEUE_DESCRIPTION = 'Dead-letter queue'
const NO_ATTRIBUTES: QueueManagerAttributes = Object.freeze({
  deadLetterQueue: '',
  description: '',
})

export function queueManagerAttributes(runtime: EngineRuntime): QueueManagerAttributes {
  return runtime.state.queueManager ?? NO_ATTRIBUTES
}

/** ALTER QMGR: DEADQ names any valid queue name or '' (MQ does not check it exists). */
export async function alterQueueManager(
  runtime: EngineRuntime,
  changes: Partial<QueueManagerAttributes>,
): Promise<QueueManagerAttributes> {
  runtime.checkUsable()
  const attributes = Object.freeze({ ...queueManagerAttributes(runtime), ...changes })
  const { deadLetterQueue, description } = attributes
  if (deadLetterQueue !== '' && !isValidQueueName(deadLetterQueue)) {
    throw new MQError(Reason.CF_ATTR_VALUE_ERROR, `DEADQ(${deadLetterQueue}) is not a queue name`)
  }
  if (Buffer.byteLength(description, 'utf8') > MAX_QUEUE_DESCRIPTION_BYTES) {
    throw new MQError(Reason.CF_ATTR_VALUE_ERROR, `DESCR is above 64 bytes`)
  }
  const lsn = runtime.appendAndApply({ type: RecordType.QMGR_ALTER, attributes })
  await runtime.durable(lsn)
  return attributes
}

/** Creates the default objects if the log has none yet; resolves true if it did. */
export async function ensureDefaultObjects(
  runtime: EngineRuntime,
  deadLetterQueue: string,
): Promise<boolean> {
  runtime.checkUsable()
  checkQueueName(deadLetterQueue)
  const state = runtime.state
  if (state.queueManager !== undefined) return false
  const defaults = [
    { name: DEFAULT_LOCAL_QUEUE_NAME, description: '' },
    { name: deadLetterQueue, description: DEAD_LETTER_QUEUE_DESCRIPTION },
  ]
  for (const { name, description } of defaults) {
    if (state.isNameTaken(name)) continue
    const attributes = resolveAttributes(name, DEFAULT_QUEUE_SETTINGS, { description })
    const queueId = state.nextQueueId
    runtime.appendAndApply({ type: RecordType.QUEUE_DEFINE, queueId, attributes })
  }
  const attributes = { deadLetterQueue, description: '' }
  const lsn = runtime.appendAndApply({ type: RecordType.QMGR_ALTER, attributes })
  await runtime.durable(lsn)
  return true
}
