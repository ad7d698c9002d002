/**
 * What passes between the replication worker and its handle on the main thread.
 *
 * Shared memory (no message needed): the journal's control block (the worker reads the local
 * durable end LSN from it), the batch ring (the journal worker publishes final local batches
 * into it), and the commit block (the worker publishes the commit LSN; the main thread waits on
 * it to acknowledge clients and to apply records to the hot standby engine).
 *
 * Messages, worker -> main (ReplicationEvent): the core's effects that change the queue
 * manager: records to write (follower), a tail to cut, the epoch start to append, role changes,
 * primary ready, writes accepted or refused. They are performed on the main thread in the order
 * sent. Main -> worker (ReplicationCommand): a cut finished (the worker trusts the journal's
 * durable LSN again), leadership transfer, status, close.
 */
import type { Role } from '../../replication/effects.js'
import type { EpochRun } from '../../replication/epoch-history.js'
import type { HardState, ReplicaStatus } from '../../replication/replica.js'
import type { CommitPolicyKind } from '../../replication/quorum.js'
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
  readonly hardStatePath: string
  readonly hardState: HardState
  readonly journalDirectory: string
  readonly segmentBytes: number
  readonly log: { readonly startLsn: number; readonly endLsn: number; readonly history: EpochRun[] }
  readonly commitLsn: number
  readonly journalControlBuffer: SharedArrayBuffer
  readonly batchRingBuffer: SharedArrayBuffer
  readonly commitBuffer: SharedArrayBuffer
  readonly logLevel: string | undefined
  /** Test only: safety rules to break on purpose (src/replication/bugs.ts); never in production. */
  readonly testOnlyBugs?: readonly SimulationBug[]
}

export type ReplicationEvent =
  /** Follower: append these finalized records (from `fromLsn`) verbatim to the journal. */
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
  | { readonly type: 'status'; readonly status: ReplicaStatus; readonly links: string[] }
  | { readonly type: 'closed' }

export type ReplicationCommand =
  | { readonly type: 'cut-done' }
  | { readonly type: 'transfer'; readonly to: string }
  | { readonly type: 'status' }
  | { readonly type: 'close' }
