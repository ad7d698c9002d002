/**
 * Messages between replicas, as the core sees them (the wire codec comes later and frames these
 * fields). Every message carries the sender's epoch: a receiver with a higher epoch refuses it
 * and says so, which is how a deposed primary learns it was deposed.
 *
 * LSNs are end positions (exclusive) unless named otherwise. APPEND carries records
 * [prevLsn, endLsn), all written in entriesEpoch; its payload is the records' bytes, verbatim
 * (every record header carries its own LSN, so a receiver finds the record at any LSN in it).
 */
import type { EpochRun } from './epoch-history.js'

export const MessageType = {
  PRE_VOTE: 'preVote',
  PRE_VOTE_RESPONSE: 'preVoteResponse',
  VOTE: 'vote',
  VOTE_RESPONSE: 'voteResponse',
  APPEND: 'append',
  APPEND_RESPONSE: 'appendResponse',
  HEARTBEAT: 'heartbeat',
  HEARTBEAT_RESPONSE: 'heartbeatResponse',
  TIMEOUT_NOW: 'timeoutNow',
  CHECKPOINT: 'checkpoint',
  CHECKPOINT_RESPONSE: 'checkpointResponse',
} as const

interface Envelope {
  readonly from: string
  readonly to: string
  readonly epoch: number
}

/** Would you vote for me in `epoch`? Changes no state on either side (Raft thesis 9.6). */
export interface PreVoteMessage extends Envelope {
  readonly type: typeof MessageType.PRE_VOTE
  readonly lastEpoch: number
  readonly endLsn: number
}
export interface VoteMessage extends Envelope {
  readonly type: typeof MessageType.VOTE
  readonly lastEpoch: number
  readonly endLsn: number
  /** Sent on a leadership transfer: voters set aside their primary lease. */
  readonly transfer: boolean
}
export interface VoteResponseMessage extends Envelope {
  readonly type: typeof MessageType.VOTE_RESPONSE | typeof MessageType.PRE_VOTE_RESPONSE
  readonly granted: boolean
}
export interface AppendMessage extends Envelope {
  readonly type: typeof MessageType.APPEND
  readonly prevLsn: number
  /** Epoch of the byte at prevLsn - 1 in the sender's log (0 at the start of the log). */
  readonly prevEpoch: number
  readonly endLsn: number
  readonly entriesEpoch: number
  readonly commitLsn: number
  readonly payload: Uint8Array
}
export interface AppendResponseMessage extends Envelope {
  readonly type: typeof MessageType.APPEND_RESPONSE
  readonly success: boolean
  /** Durable and verified against the primary's log. */
  readonly matchLsn: number
  /** Verified against the primary's log in this epoch (durable or not). */
  readonly verifiedLsn: number
  /** On a refusal: the receiver's log end, commit LSN and epoch history from its commit on. */
  readonly endLsn: number
  readonly commitLsn: number
  readonly history: readonly EpochRun[]
}
export interface HeartbeatMessage extends Envelope {
  readonly type: typeof MessageType.HEARTBEAT
  readonly commitLsn: number
}
export interface HeartbeatResponseMessage extends Envelope {
  readonly type: typeof MessageType.HEARTBEAT_RESPONSE
  readonly matchLsn: number
  readonly verifiedLsn: number
}
/** Leadership transfer: campaign now, without pre-vote. */
export interface TimeoutNowMessage extends Envelope {
  readonly type: typeof MessageType.TIMEOUT_NOW
}
/** The state at `lsn` (every record below it, committed) and the epoch history up to it. */
export interface CheckpointMessage extends Envelope {
  readonly type: typeof MessageType.CHECKPOINT
  readonly lsn: number
  readonly history: readonly EpochRun[]
  /** The checkpoint's bytes, opaque to the core (the wire sends them as CHECKPOINT_CHUNKs). */
  readonly payload: Uint8Array
}
export interface CheckpointResponseMessage extends Envelope {
  readonly type: typeof MessageType.CHECKPOINT_RESPONSE
  readonly matchLsn: number
}

export type ReplicaMessage =
  | PreVoteMessage
  | VoteMessage
  | VoteResponseMessage
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | TimeoutNowMessage
  | CheckpointMessage
  | CheckpointResponseMessage

/** An APPEND as the core asks for it: the shell reads [prevLsn, endLsn) from its log. */
export type AppendRequest = Omit<AppendMessage, 'payload'>
