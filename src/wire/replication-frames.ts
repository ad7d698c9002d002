/**
 * The frames of the replication link as values: their types, the tags and codes that name them,
 * and the codec interface each type implements. The byte layout is documented, and encoding and
 * decoding are driven, in replication-protocol.ts.
 */
import type { EpochRun } from '../replication/epoch-history.js'
import type { CheckpointMessage, ReplicaMessage } from '../replication/messages.js'
import type { FieldReader, FieldWriter } from './replication-fields.js'

export const REPLICATION_PROTOCOL_VERSION = 1
export const REPLICATION_MIN_PROTOCOL_VERSION = 1
/** 'QR' as it appears on the wire: byte 0 is 0x51, byte 1 is 0x52. */
export const REPLICATION_FRAME_MAGIC = 0x5251

/** Which end of a link wrote a frame: the one that dialled, or the one that accepted. */
export type LinkEnd = 'dialer' | 'acceptor'

/** The node names a bound link gives every replica message it carries. */
export interface LinkNames {
  /** The peer that wrote the frames. */
  readonly from: string
  /** This node, which reads them. */
  readonly to: string
}

/**
 * HELLO's authentication mechanism: none, or HMAC-SHA256 challenge-response with the group's
 * shared secret (src/security/link-auth.ts), which adds HELLO_PROOF to the handshake.
 */
export const AuthMechanism = { NONE: 0, HMAC_SHA256: 1 } as const

/** Why an acceptor refused a link; sent in HELLO_REFUSED, then the connection closes. */
export const RefusalReason = {
  UNSUPPORTED_VERSION: 1,
  WRONG_QUEUE_MANAGER: 2,
  WRONG_GROUP: 3,
  /** The dialer meant another node (toNode is not this node's name): a wrong address. */
  WRONG_NODE: 4,
  /** The dialer's node is not a member of this group. */
  NOT_A_MEMBER: 5,
  AUTHENTICATION_FAILED: 6,
} as const
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason]

export const LinkMessageType = {
  HELLO: 'hello',
  HELLO_OK: 'helloOk',
  HELLO_REFUSED: 'helloRefused',
  HELLO_PROOF: 'helloProof',
  CHECKPOINT_CHUNK: 'checkpointChunk',
} as const

export interface HelloFrame {
  readonly type: typeof LinkMessageType.HELLO
  readonly minVersion: number
  readonly maxVersion: number
  readonly queueManager: string
  /** The HA group's or DR pair's name. */
  readonly group: string
  readonly fromNode: string
  /** The node the dialer means to reach, so a wrong address is refused, not joined. */
  readonly toNode: string
  readonly authMechanism: number
  readonly auth: Uint8Array
}
export interface HelloOkFrame {
  readonly type: typeof LinkMessageType.HELLO_OK
  readonly version: number
  readonly node: string
  readonly authMechanism: number
  readonly auth: Uint8Array
}
export interface HelloRefusedFrame {
  readonly type: typeof LinkMessageType.HELLO_REFUSED
  readonly reason: RefusalReason
  readonly message: string
}
/** The dialer's answer to the acceptor's challenge (HMAC_SHA256 only), before any message. */
export interface HelloProofFrame {
  readonly type: typeof LinkMessageType.HELLO_PROOF
  readonly proof: Uint8Array
}
export type HandshakeFrame = HelloFrame | HelloOkFrame | HelloRefusedFrame | HelloProofFrame

/** One piece of the checkpoint at `lsn`: bytes [offset, offset + chunk.length) of totalBytes. */
export interface CheckpointChunkMessage {
  readonly type: typeof LinkMessageType.CHECKPOINT_CHUNK
  readonly from: string
  readonly to: string
  readonly epoch: number
  readonly lsn: number
  readonly history: readonly EpochRun[]
  readonly totalBytes: number
  readonly offset: number
  readonly chunk: Uint8Array
}

/** The replica messages as they travel: a checkpoint goes in chunks of bytes. */
export type WireReplicaMessage = Exclude<ReplicaMessage, CheckpointMessage> | CheckpointChunkMessage
export type ReplicationFrame = HandshakeFrame | WireReplicaMessage
export type ReplicationFrameTag = ReplicationFrame['type']
/**
 * The frame a tag names. Not Extract<>: VoteResponseMessage's `type` is a union of two tags, and
 * Extract would find it under neither.
 */
export type FrameOfTag<T extends ReplicationFrameTag> = ReplicationFrame extends infer F
  ? F extends { readonly type: infer U }
    ? T extends U
      ? F
      : never
    : never
  : never

/**
 * How one frame type is laid out. Adding a field to a message means: write it and read it here
 * at the same place in both walks, add it to maxPayloadBytes, and to the table above.
 */
export interface FrameCodec<F extends ReplicationFrame> {
  readonly code: number
  /** Upper-case name used in field paths and logs, e.g. 'APPEND'. */
  readonly name: string
  readonly sentBy: LinkEnd | 'either'
  /** The exact largest payload the fields can take; the parser caps frames by it. */
  readonly maxPayloadBytes: number
  write(writer: FieldWriter, frame: F): void
  /** `names` are the bound link's; handshake frames, read before binding, ignore them. */
  read(reader: FieldReader, names: LinkNames): F
  /** The field sent as the frame's tail (records, checkpoint bytes), if any. */
  tail?(frame: F): Uint8Array
}
export type AnyCodec = FrameCodec<ReplicationFrame>
