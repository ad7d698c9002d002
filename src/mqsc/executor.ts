/**
 * Runs a parsed MQSC command against the queue engine and words the outcome as runmqsc does.
 * Engine refusals become MQ's messages by reason code; anything else (a journal failure, a
 * bug) becomes AMQ8101S with the reason in hexadecimal, so one command's failure never stops
 * the script or escapes as an exception.
 */
import { MAX_MESSAGE_BYTES, MAX_UNCOMMITTED_MESSAGES, PRIORITY_LEVELS } from '../constants.js'
import { isMQError, MQError, Reason } from '../errors.js'
import type { QueueEngine } from '../queue/engine.js'
import type {
  DisplayQueueCommand,
  DisplayStatusCommand,
  MqscCommand,
  QueueObjectType,
} from './commands.js'
import {
  columns,
  item,
  queueItems,
  queueManagerStatusItems,
  statusItems,
  type QueueManagerLogView,
} from './display.js'
import { Message, objectNotFound, unexpectedError } from './messages.js'

export interface CommandOutcome {
  readonly lines: string[]
  readonly failed: boolean
}

/** What a host may add to the engine: the queue manager's log figures for DISPLAY QMSTATUS. */
export interface MqscHost {
  readonly logStatus?: () => QueueManagerLogView
}

export async function executeCommand(
  engine: QueueEngine,
  command: MqscCommand,
  queueManagerName: string,
  host: MqscHost = {},
): Promise<CommandOutcome> {
  try {
    return await perform(engine, command, queueManagerName, host)
  } catch (error) {
    return { lines: [failureLine(error, notFoundSubject(command))], failed: true }
  }
}

async function perform(
  engine: QueueEngine,
  command: MqscCommand,
  queueManagerName: string,
  host: MqscHost,
): Promise<CommandOutcome> {
  switch (command.kind) {
    case 'define': {
      const definition = { ...command.changes, name: command.name }
      const options = { replace: command.replace, like: command.like }
      await engine.defineQueue(definition, options)
      return succeeded(Message.QUEUE_CREATED)
    }
    case 'alter':
      checkType(engine, command.name, command.objectType)
      await engine.alterQueue(command.name, command.changes)
      return succeeded(Message.QUEUE_CHANGED)
    case 'delete':
      checkType(engine, command.name, command.objectType)
      await engine.deleteQueue(command.name, { purge: command.purge })
      return succeeded(Message.QUEUE_DELETED)
    case 'alterQueueManager':
      await engine.alterQueueManager(command.changes)
      return succeeded(Message.QUEUE_MANAGER_CHANGED)
    case 'clear':
      await engine.clearQueue(command.name)
      return succeeded(Message.QUEUE_CLEARED)
    case 'displayQueue':
      return displayQueues(engine, command)
    case 'displayStatus':
      return displayStatuses(engine, command)
    case 'displayQueueManager':
      return displayQueueManager(engine, queueManagerName)
    case 'displayQueueManagerStatus': {
      const items = queueManagerStatusItems(
        queueManagerName,
        host.logStatus?.(),
        command.attributes,
      )
      return succeeded(Message.QUEUE_MANAGER_STATUS_DETAILS, ...columns(items))
    }
    case 'end':
      return { lines: [], failed: false }
  }
}

function displayQueues(engine: QueueEngine, command: DisplayQueueCommand): CommandOutcome {
  const locals = command.localQueuesWanted ? engine.listQueues(command.pattern) : []
  const aliases = command.aliasQueuesWanted ? engine.listAliases(command.pattern) : []
  const queues = [...locals, ...aliases].sort((left, right) =>
    left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
  )
  // MQ reports a display that matches nothing as a failure, generic or not.
  if (queues.length === 0) return { lines: [objectNotFound(command.pattern)], failed: true }
  const lines = queues.flatMap((attributes) => {
    const status =
      attributes.targetQueue === undefined ? engine.queueStatus(attributes.name) : undefined
    return [Message.QUEUE_DETAILS, ...columns(queueItems(attributes, status, command.attributes))]
  })
  return { lines, failed: false }
}

/** DISPLAY QMGR: the attributes MQ shows that exist here, in MQ's order. */
function displayQueueManager(engine: QueueEngine, queueManagerName: string): CommandOutcome {
  const attributes = engine.queueManagerAttributes()
  return succeeded(
    Message.QUEUE_MANAGER_DETAILS,
    ...columns([
      item('QMNAME', queueManagerName),
      item('DEADQ', attributes.deadLetterQueue),
      item('DESCR', attributes.description),
      item('MAXMSGL', MAX_MESSAGE_BYTES),
      item('MAXPRTY', PRIORITY_LEVELS - 1),
      item('MAXUMSGS', MAX_UNCOMMITTED_MESSAGES),
    ]),
  )
}

/** ALTER/DELETE QLOCAL of an alias (or QALIAS of a local queue) finds no such object, as in MQ. */
function checkType(engine: QueueEngine, name: string, objectType: QueueObjectType): void {
  const isAlias = engine.listAliases(name).some((alias) => alias.name === name)
  if (isAlias !== (objectType === 'QALIAS')) {
    throw new MQError(Reason.UNKNOWN_OBJECT_NAME, `no ${objectType} named ${name}`)
  }
}

function displayStatuses(engine: QueueEngine, command: DisplayStatusCommand): CommandOutcome {
  const queues = engine.listQueues(command.pattern)
  if (queues.length === 0) return { lines: [objectNotFound(command.pattern)], failed: true }
  const lines = queues.flatMap((attributes) => [
    Message.QUEUE_STATUS_DETAILS,
    ...columns(statusItems(engine.queueStatus(attributes.name), command.attributes)),
  ])
  return { lines, failed: false }
}

function succeeded(...lines: string[]): CommandOutcome {
  return { lines, failed: false }
}

/** The object a 2085 is about: DEFINE's only missing object can be its LIKE queue. */
function notFoundSubject(command: MqscCommand): string {
  switch (command.kind) {
    case 'define':
      return command.like ?? command.name
    case 'alter':
    case 'delete':
    case 'clear':
      return command.name
    case 'displayQueue':
    case 'displayStatus':
      return command.pattern
    case 'alterQueueManager':
      return command.changes.deadLetterQueue ?? ''
    default:
      return ''
  }
}

function failureLine(error: unknown, subject: string): string {
  if (!isMQError(error)) return unexpectedError(Reason.UNEXPECTED_ERROR)
  switch (error.reason) {
    case Reason.UNKNOWN_OBJECT_NAME:
      return objectNotFound(subject)
    case Reason.OBJECT_ALREADY_EXISTS:
      return Message.OBJECT_ALREADY_EXISTS
    case Reason.Q_NOT_EMPTY:
      return Message.QUEUE_NOT_EMPTY
    case Reason.OBJECT_IN_USE:
      return Message.OBJECT_IN_USE
    case Reason.OBJECT_NAME_ERROR:
      return Message.NAME_ERROR
    case Reason.CF_ATTR_VALUE_ERROR:
      return Message.ATTRIBUTE_VALUE_ERROR
    case Reason.Q_MGR_QUIESCING:
    case Reason.Q_MGR_STOPPING:
      return Message.QUEUE_MANAGER_QUIESCING
    case Reason.Q_MGR_NOT_AVAILABLE:
      return Message.QUEUE_MANAGER_NOT_AVAILABLE
    default:
      return unexpectedError(error.reason)
  }
}
