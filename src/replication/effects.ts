/**
 * What goes into the replication core (inputs) and what comes out (effects). The shell performs
 * effects in the order given: in particular a PERSIST_HARD_STATE must be durable before any SEND
 * that follows it (a vote must survive a crash of the voter), and a TRUNCATE before the WRITE
 * after it.
 */
import type { EpochRun } from './epoch-history.js'
import type { AppendMessage, AppendRequest, CheckpointMessage, ReplicaMessage } from './messages.js'

export type Role = 'primary' | 'secondary' | 'candidate'

export const InputType = {
  TICK: 'tick',
  MESSAGE: 'message',
  LOCAL_APPEND: 'localAppend',
  LOCAL_DURABLE: 'localDurable',
  CHECKPOINT_TAKEN: 'checkpointTaken',
  LOG_RETIRED: 'logRetired',
  TRANSFER_LEADERSHIP: 'transferLeadership',
  PROMOTE: 'promote',
  DEMOTE: 'demote',
} as const

export type ReplicaInput =
  /** One tick of REPLICATION_TICK_MS. After a stall (a GC pause, a starved VM) the shell
   *  delivers every tick its monotonic clock says it missed, before anything that arrived
   *  meanwhile: so check-quorum sees the stall and a deposed primary steps down before it
   *  could commit on stale acknowledgements (the simulator's pause fault proves it). */
  | { readonly type: typeof InputType.TICK }
  | { readonly type: typeof InputType.MESSAGE; readonly message: ReplicaMessage }
  /** The local journal made records [startLsn, endLsn) final (checksums, batch LSN). */
  | {
      readonly type: typeof InputType.LOCAL_APPEND
      readonly startLsn: number
      readonly endLsn: number
      readonly epoch: number
    }
  /** The local log is fdatasynced below `lsn`. */
  | { readonly type: typeof InputType.LOCAL_DURABLE; readonly lsn: number }
  /** The shell holds a checkpoint of the state below `lsn` (committed records only). */
  | { readonly type: typeof InputType.CHECKPOINT_TAKEN; readonly lsn: number }
  /** The shell retired the log below `lsn`. */
  | { readonly type: typeof InputType.LOG_RETIRED; readonly lsn: number }
  | { readonly type: typeof InputType.TRANSFER_LEADERSHIP; readonly to: string }
  | { readonly type: typeof InputType.PROMOTE }
  | { readonly type: typeof InputType.DEMOTE }

export const EffectType = {
  SEND: 'send',
  SEND_APPEND: 'sendAppend',
  SEND_CHECKPOINT: 'sendCheckpoint',
  PERSIST_HARD_STATE: 'persistHardState',
  WRITE: 'write',
  TRUNCATE: 'truncate',
  INSTALL_CHECKPOINT: 'installCheckpoint',
  APPEND_EPOCH_START: 'appendEpochStart',
  COMMIT: 'commit',
  ROLE: 'role',
  PRIMARY_READY: 'primaryReady',
  ACCEPT_WRITES: 'acceptWrites',
  RETENTION_FLOOR: 'retentionFloor',
  REFUSED: 'refused',
} as const

export type ReplicaEffect =
  | { readonly type: typeof EffectType.SEND; readonly message: ReplicaMessage }
  /** Read whole records from prevLsn and send them as one APPEND: the longest run of records
   *  that ends at or below endLsn, and at least one record. The message's endLsn is where its
   *  last record ends. endLsn is exact (a record end) unless the range was cut at the settings'
   *  maxAppendBytes, where the core does not know the record boundary: then the shell finds
   *  it, and the core waits for the peer's answer to learn it (see PeerProgress.sentPart). */
  | { readonly type: typeof EffectType.SEND_APPEND; readonly request: AppendRequest }
  /** Send the latest checkpoint (at `lsn`) with the history up to it. */
  | {
      readonly type: typeof EffectType.SEND_CHECKPOINT
      readonly to: string
      readonly epoch: number
      readonly lsn: number
      readonly history: readonly EpochRun[]
    }
  | {
      readonly type: typeof EffectType.PERSIST_HARD_STATE
      readonly epoch: number
      readonly votedFor: string | undefined
    }
  /** Follower: write the records of `message` from `fromLsn` (a record of it) to its end. */
  | {
      readonly type: typeof EffectType.WRITE
      readonly fromLsn: number
      readonly message: AppendMessage
    }
  /** Cut the log from `fromLsn` (to `endLsn`), saving the cut records aside, never discarding. */
  | { readonly type: typeof EffectType.TRUNCATE; readonly fromLsn: number; readonly endLsn: number }
  /** Replace the log by the checkpoint (after a TRUNCATE saved the uncommitted tail aside). */
  | { readonly type: typeof EffectType.INSTALL_CHECKPOINT; readonly message: CheckpointMessage }
  /** A new primary: append an EPOCH_START record (previousEpoch given) before anything else. */
  | {
      readonly type: typeof EffectType.APPEND_EPOCH_START
      readonly epoch: number
      readonly previousEpoch: number
    }
  /** Records below `lsn` are committed: acknowledge, apply to the hot standby engine. */
  | { readonly type: typeof EffectType.COMMIT; readonly lsn: number }
  | {
      readonly type: typeof EffectType.ROLE
      readonly role: Role
      readonly epoch: number
      readonly primaryId: string | undefined
    }
  /** The epoch start record is committed: back out open units of work, then serve. */
  | { readonly type: typeof EffectType.PRIMARY_READY; readonly epoch: number }
  | { readonly type: typeof EffectType.ACCEPT_WRITES; readonly accept: boolean }
  /** Lowest LSN any member still needs; the shell retires no segment at or above it. */
  | { readonly type: typeof EffectType.RETENTION_FLOOR; readonly lsn: number }
  | { readonly type: typeof EffectType.REFUSED; readonly request: string; readonly reason: string }
