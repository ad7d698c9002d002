/**
 * Parsed MQSC commands: what the parser hands the executor. Names are final (unquoted values
 * already folded to upper case, quoted ones as entered) and every value is already valid, so
 * executing a command only meets the engine's own refusals (not found, exists, in use...).
 */
import type { QueueChanges } from '../queue/engine.js'
import type { QueueManagerAttributes } from '../queue/types.js'
import type {
  QueueDisplayKeyword,
  QueueManagerStatusDisplayKeyword,
  StatusDisplayKeyword,
} from './keywords.js'

export type QueueObjectType = 'QLOCAL' | 'QALIAS'

export interface DefineCommand {
  readonly kind: 'define'
  readonly objectType: QueueObjectType
  readonly name: string
  readonly changes: QueueChanges
  readonly replace: boolean
  readonly like: string | undefined
}

export interface AlterCommand {
  readonly kind: 'alter'
  readonly objectType: QueueObjectType
  readonly name: string
  readonly changes: QueueChanges
}

export interface DeleteCommand {
  readonly kind: 'delete'
  readonly objectType: QueueObjectType
  readonly name: string
  readonly purge: boolean
}

export interface ClearCommand {
  readonly kind: 'clear'
  readonly name: string
}

export interface DisplayQueueCommand {
  readonly kind: 'displayQueue'
  /** A queue name, a name with a trailing `*`, or `*`. */
  readonly pattern: string
  /** Whether local queues are shown (DISPLAY QLOCAL, or QUEUE with TYPE ALL or QLOCAL). */
  readonly localQueuesWanted: boolean
  /** Whether alias queues are shown (DISPLAY QALIAS, or QUEUE with TYPE ALL or QALIAS). */
  readonly aliasQueuesWanted: boolean
  /** Shown after QUEUE and TYPE, in display order. */
  readonly attributes: readonly QueueDisplayKeyword[]
}

export interface DisplayStatusCommand {
  readonly kind: 'displayStatus'
  readonly pattern: string
  readonly attributes: readonly StatusDisplayKeyword[]
}

export interface DisplayQueueManagerCommand {
  readonly kind: 'displayQueueManager'
}

export interface DisplayQueueManagerStatusCommand {
  readonly kind: 'displayQueueManagerStatus'
  readonly attributes: readonly QueueManagerStatusDisplayKeyword[]
}
export interface AlterQueueManagerCommand {
  readonly kind: 'alterQueueManager'
  readonly changes: Partial<QueueManagerAttributes>
}

export interface EndCommand {
  readonly kind: 'end'
}

export type MqscCommand =
  | DefineCommand
  | AlterCommand
  | DeleteCommand
  | ClearCommand
  | DisplayQueueCommand
  | DisplayStatusCommand
  | DisplayQueueManagerCommand
  | DisplayQueueManagerStatusCommand
  | AlterQueueManagerCommand
  | EndCommand

export type ParseOutcome =
  | { readonly ok: true; readonly command: MqscCommand }
  /** A syntax error (AMQ8405I and help) or a bad name (AMQ8424E): the response to print. */
  | { readonly ok: false; readonly lines: string[] }
