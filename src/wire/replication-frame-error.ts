/**
 * What can be wrong with a replication frame. Every fault is fatal to its link: replicas answer
 * no frame with an error (the core tolerates lost messages and retransmits), so the receiver
 * logs the fault and closes the connection, and the link is dialled again. A frame the encoder
 * refuses throws the same error, naming the same field the decoder would.
 */
import { ErrorCode, QmqError } from '../errors.js'

export const ReplicationFault = {
  BAD_MAGIC: 'BAD_MAGIC',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** A handshake frame from the wrong end, or a replica message before the link is bound. */
  OUT_OF_PHASE: 'OUT_OF_PHASE',
  FRAME_LENGTH: 'FRAME_LENGTH',
  PAYLOAD_TOO_LONG: 'PAYLOAD_TOO_LONG',
  RESERVED_NOT_ZERO: 'RESERVED_NOT_ZERO',
  CHECKSUM: 'CHECKSUM',
  TRUNCATED: 'TRUNCATED',
  TRAILING_BYTES: 'TRAILING_BYTES',
  VALUE_OUT_OF_RANGE: 'VALUE_OUT_OF_RANGE',
  LENGTH_OUT_OF_RANGE: 'LENGTH_OUT_OF_RANGE',
  INVALID_TEXT: 'INVALID_TEXT',
  /** Fields valid one by one that contradict each other (APPEND bytes vs its LSN range). */
  INCONSISTENT: 'INCONSISTENT',
} as const
export type ReplicationFault = (typeof ReplicationFault)[keyof typeof ReplicationFault]

const REPLICATION_FRAME_ERROR_BRAND = Symbol.for('quorummq.ReplicationFrameError')

/** `field` is a path such as 'APPEND.prevLsn' or 'header.length'. */
export class ReplicationFrameError extends QmqError {
  readonly [REPLICATION_FRAME_ERROR_BRAND] = true
  constructor(
    readonly fault: ReplicationFault,
    readonly field: string,
    detail: string,
  ) {
    super(ErrorCode.FRAME_INVALID, `replication frame: ${field} ${detail}`, { fault, field })
  }
}

export function isReplicationFrameError(value: unknown): value is ReplicationFrameError {
  return typeof value === 'object' && value !== null && REPLICATION_FRAME_ERROR_BRAND in value
}
