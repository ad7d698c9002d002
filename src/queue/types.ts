/**
 * Domain types of the queue engine, shared by the engine, the journal records, the wire protocol
 * and the client library. Names follow MQ (MQMD, MQPMO, MQGMO) spelled out in full.
 */

// Queue definitions are stored in the journal's QUEUE_DEFINE records, so their shape lives with
// the record types (the journal must not depend on the queue domain); the domain re-exports it.
export type {
  DeliverySequence,
  QueueAttributes,
  QueueManagerAttributes,
  RequestIdentity,
} from '../actors/journal/record-types.js'
import type { RequestIdentity } from '../actors/journal/record-types.js'

/** Runtime status (DISPLAY QSTATUS). */
export interface QueueStatus {
  readonly name: string
  readonly currentDepth: number
  readonly openInputCount: number
  readonly openOutputCount: number
  /** Messages put or gotten under a unit of work that is not yet committed. */
  readonly uncommittedCount: number
}

/** MQPER_*: 0 not persistent, 1 persistent, 2 as queue definition. */
export const Persistence = { NOT_PERSISTENT: 0, PERSISTENT: 1, AS_QUEUE: 2 } as const
export type Persistence = (typeof Persistence)[keyof typeof Persistence]

/**
 * The message descriptor stored with every message and returned by get (MQMD essentials).
 * `expiry` is MQ's: tenths of a second, -1 unlimited; on get it is the time remaining.
 */
export interface MessageDescriptor {
  readonly msgId: Uint8Array
  readonly correlId: Uint8Array
  readonly persistent: boolean
  readonly priority: number
  readonly expiry: number
  readonly backoutCount: number
  /** Put time in milliseconds since the epoch; putDate/putTime strings derive from it. */
  readonly putTimeMs: number
  /** MQFMT, up to 8 ASCII characters, e.g. 'MQSTR'. */
  readonly format: string
  readonly replyToQueue: string
  readonly replyToQueueManager: string
}

export interface PutOptions {
  readonly persistence?: Persistence
  /** 0-9, or -1 for the queue's default priority. */
  readonly priority?: number
  /** Tenths of a second, -1 unlimited. */
  readonly expiry?: number
  /** 24 bytes; omitted or all zero means the queue manager generates one. */
  readonly msgId?: Uint8Array
  readonly correlId?: Uint8Array
  readonly syncpoint?: boolean
  readonly format?: string
  readonly replyToQueue?: string
  readonly replyToQueueManager?: string
  /**
   * Names the request, so that sending it again (after a reconnect) returns the first one's
   * outcome instead of putting twice (src/queue/outcome-table.ts). Ignored under syncpoint.
   */
  readonly request?: RequestIdentity
}

export type BrowseMode = 'first' | 'next'

export interface GetOptions {
  /** How long to wait for a matching message; 0 (default) fails at once with 2033. */
  readonly waitMs?: number
  readonly syncpoint?: boolean
  /** Browse (non-destructive) from the start, or onwards from the handle's cursor. */
  readonly browse?: BrowseMode
  readonly msgId?: Uint8Array
  readonly correlId?: Uint8Array
  readonly signal?: AbortSignal
  /**
   * Called with the chosen message's body length just before the get takes (or browses) it.
   * It may throw to refuse: the message then stays on the queue and the get fails with what it
   * threw. A server uses it to take byte credit for the reply (server/reply-credit.ts).
   */
  readonly reserve?: (bodyBytes: number) => void
  /**
   * Names a destructive get outside syncpoint, so that sending it again (after a reconnect)
   * returns the message the first one took instead of another (src/queue/outcome-table.ts).
   */
  readonly request?: RequestIdentity
}

export interface GotMessage {
  readonly descriptor: MessageDescriptor
  readonly body: Uint8Array
}

export interface OpenOptions {
  readonly input?: boolean
  readonly output?: boolean
  readonly browse?: boolean
}
