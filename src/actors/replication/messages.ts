/**
 * What passes between the replication worker and its handle on the main thread.
 *
 * Shared memory (no message needed): the journal's control block (the worker reads the local
 * durable end LSN from it), the batch ring (the journal worker publishes final local batches
 * into it), the verbatim ring (a follower's records, from this worker to the journal worker),
 * and the commit block (the worker publishes the commit LSN; the main thread waits on it to
 * acknowledge clients and to apply records to the hot standby engine; and the retention floor,
 * which the main thread reads when a checkpoint retires segments).
 *
 * Control plane: one comlink channel over one MessagePort (ReplicationControl), like the
 * journal's. The handle calls start, cutDone, transfer, status, stats and close. Events go the
 * other way on a port of their own, pushed, one message per worker turn: the core's effects
 * that change the queue manager (records written, for the engine; a tail to cut; the epoch
 * start to append; role changes; primary ready; writes accepted or refused), performed on the
 * main thread in the order sent. None of them is on a follower's ack path any more.
 */
import type { Role } from '../../replication/effects.js'
import type { EpochRun } from '../../replication/epoch-history.js'
import type { HardState, ReplicaStatus } from '../../replication/replica.js'
import type { CommitPolicyKind } from '../../replication/quorum.js'
import type { ReplicationSettings } from '../../replication/settings.js'
import type { LinkSecurity } from '../../security/link-security.js'
import type { SimulationBug } from '../../replication/bugs.js'

export interface MemberAddress {
  readonly id: string
  readonly host: string
  readonly port: number
  /**
   * Test only (the chaos suite's fault proxy): dial this peer at `via` instead of host:port.
   * The peer still listens on host:port; only the member whose config says so dials elsewhere.
   */
  readonly via?: { readonly host: string; readonly port: number }
}

export interface ReplicationWorkerData {
  readonly queueManager: string
  readonly group: string
  readonly self: string
  readonly members: readonly MemberAddress[]
  readonly policy: CommitPolicyKind
  /** DR: the administrator made this member primary; it promotes itself before anything else. */
  readonly startAsPrimary?: boolean
  readonly hardStatePath: string
  readonly hardState: HardState
  readonly journalDirectory: string
  readonly segmentBytes: number
  readonly log: { readonly startLsn: number; readonly endLsn: number; readonly history: EpochRun[] }
  readonly commitLsn: number
  /** The latest local checkpoint's LSN, if any (the core may send it to a member far behind). */
  readonly checkpointLsn?: number
  /** The core's retentionMaxBytes (default REPLICATION_RETAIN_MAX_BYTES). */
  readonly retainMaxBytes?: number
  /** Where the checkpoint files are (SEND_CHECKPOINT reads the latest one). */
  readonly checkpointDirectory: string
  readonly journalControlBuffer: SharedArrayBuffer
  readonly batchRingBuffer: SharedArrayBuffer
  /** Follower records to the journal worker (this worker produces, the journal consumes). */
  readonly verbatimRingBuffer: SharedArrayBuffer
  /** The journal ring, only to wake the journal worker after publishing verbatim records. */
  readonly journalRingBuffer: SharedArrayBuffer
  readonly commitBuffer: SharedArrayBuffer
  readonly logLevel: string | undefined
  /** The core's timing (an HA group's heartbeat settings); the defaults when absent. */
  readonly settings?: ReplicationSettings
  /** Shared-secret HMAC and TLS on the peer links (src/security/); none when absent. */
  readonly linkSecurity?: LinkSecurity
  /** Test only: safety rules to break on purpose (src/replication/bugs.ts); never in production. */
  readonly testOnlyBugs?: readonly SimulationBug[]
}

export type ReplicationEvent =
  /**
   * Follower: these finalized records (from `fromLsn`) went to the journal worker through the
   * verbatim ring; the main thread adopts them (JournalHandle.adoptVerbatim) and applies them
   * to the hot standby engine once committed.
   */
  | { readonly type: 'write'; readonly fromLsn: number; readonly records: Uint8Array }
  /** Cut the log from `fromLsn`, saving the cut records aside; answer with 'cut-done'. */
  | { readonly type: 'truncate'; readonly fromLsn: number; readonly epoch: number }
  | { readonly type: 'epoch-start'; readonly epoch: number; readonly previousEpoch: number }
  /**
   * A role change. `logEndLsn` is the core's log end: a primary that steps down cuts the
   * journal back to it (records it appended that the core never saw were never sent), and
   * answers with 'cut-done'.
   */
  | {
      readonly type: 'role'
      readonly role: Role
      readonly epoch: number
      readonly primaryId: string | undefined
      readonly logEndLsn: number
      readonly deposed: boolean
    }
  | { readonly type: 'primary-ready'; readonly epoch: number }
  | { readonly type: 'accept-writes'; readonly accept: boolean }
  | { readonly type: 'refused'; readonly request: string; readonly reason: string }
  /**
   * Replace the log by this checkpoint (its bytes are a checkpoint-bundle.ts bundle) and the
   * epoch history up to it. Any divergent tail was cut by a 'truncate' before it.
   */
  | {
      readonly type: 'install-checkpoint'
      readonly lsn: number
      readonly history: readonly EpochRun[]
      readonly bundle: Uint8Array
    }

export interface ReplicationStatusReport {
  readonly status: ReplicaStatus
  readonly links: string[]
  readonly history: readonly EpochRun[]
}

export interface ReplicationStats {
  /** Final local batches taken from the batch ring (primary). */
  readonly localBatches: number
  /** Follower records handed to the journal worker through the verbatim ring. */
  readonly verbatimBytes: number
  /** Follower records waiting for ring space or for a cut to finish. */
  readonly verbatimQueuedBytes: number
  readonly links: string[]
}

/** The worker's comlink-exposed control API (its one control channel). */
export interface ReplicationControl {
  /** Opens the links and starts the tick; resolves once running. */
  start(): Promise<void>
  /** A cut asked for by a 'truncate' or a deposed 'role' event is done. */
  cutDone(): void
  transfer(to: string): void
  /** DR admin requests: the core's refusal reason, or undefined when done. */
  promote(): string | undefined
  demote(): string | undefined
  /** A checkpoint of the state below `lsn` (committed records only) is on disk. */
  checkpointTaken(lsn: number): void
  /** Segments below `lsn` were retired. */
  logRetired(lsn: number): void
  status(): ReplicationStatusReport
  stats(): ReplicationStats
  /** Stops links and tick; the worker exits afterwards. */
  close(): Promise<void>
}
