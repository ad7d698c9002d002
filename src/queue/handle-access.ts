/**
 * What MQGET and MQPUT need from a queue handle and its connection. message-get.ts and
 * message-put.ts see handles only through this, so they do not import connection.ts, which
 * imports them (madge reported the circle).
 */
import type { DeliveryPosition, LocalQueue } from './local-queue.js'
import type { QueueAttributes } from './types.js'
import type { UnitOfWork } from './unit-of-work.js'

export type HandlePurpose = 'input' | 'output' | 'browse'

export interface ConnectionAccess {
  /** The open unit of work, opened if needed; 2024 once full, 2003 once doomed. */
  unitOfWorkWithRoom(): UnitOfWork
}

export interface HandleAccess {
  readonly queueName: string
  readonly connection: ConnectionAccess
  /** The alias the handle was opened through (its PUT and GET apply too), if any. */
  readonly alias: { readonly attributes: QueueAttributes } | undefined
  /** Where browse 'next' continues. */
  browseCursor: DeliveryPosition | undefined
  /** The queue, if this handle may use it for `purpose` now (else the MQ reason). */
  queueFor(purpose: HandlePurpose): LocalQueue
}
