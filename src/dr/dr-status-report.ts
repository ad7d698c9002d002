/**
 * rdqmstatus -m QM for a DR queue manager: RDQM's DR fields (rdqm.md section 1) from this
 * side's member status. Pure: the daemon passes the snapshot and the time.
 *
 * | DR status                   | when (this side's view)                                      |
 * |-----------------------------|--------------------------------------------------------------|
 * | Partitioned                 | primary, and it hears the other side claim primary too       |
 * | Remote unavailable          | no replication link to the other side (or nothing runs here) |
 * | Synchronization in progress | the secondary lacks more than DR_IN_SYNC_SLACK_BYTES, or a   |
 * |                             | synchronous primary runs alone after its timeout             |
 * | Normal                      | otherwise                                                    |
 *
 * QuorumMQ replicates a log: a secondary mid-sync is a consistent prefix of the primary, never
 * inconsistent, so "Inconsistent" and "Reverting to snapshot" do not arise here.
 */
import { DR_IN_SYNC_SLACK_BYTES } from '../constants.js'
import type { DrQueueManagerConfig } from '../daemon/queue-manager-config.js'
import type { MemberStatus } from '../queue-manager/replicated-queue-manager.js'
import type { DrRole } from './dr-state.js'
import type { DrSyncProgress } from './dr-sync-progress.js'

export type DrStatus =
  'Normal' | 'Remote unavailable' | 'Synchronization in progress' | 'Partitioned'

export interface DrStatusView {
  readonly queueManager: string
  readonly queueManagerStatus: string
  readonly role: 'Primary' | 'Secondary'
  readonly status: DrStatus
  readonly type: 'Asynchronous' | 'Synchronous'
  readonly port: number
  readonly localAddress: string
  readonly remoteAddress: string
  readonly outOfSyncBytes: number
  readonly synchronizationPercent: number | undefined
  readonly completesAt: string | undefined
  /** Epoch and log positions, for scripts (not RDQM fields). */
  readonly epoch: number | undefined
  readonly logEndLsn: number | undefined
}

export interface DrSnapshot {
  readonly queueManager: string
  readonly queueManagerStatus: string
  readonly role: DrRole
  readonly config: DrQueueManagerConfig
  readonly member: MemberStatus | undefined
}

/** Bytes the other side lacks, from this side's view. */
export function backlogOf(member: MemberStatus, role: DrRole): number {
  const replica = member.replica
  if (role === 'primary' && replica.role === 'primary') {
    const match = Math.min(...replica.peerMatchLsns.map((peer) => peer.matchLsn), replica.endLsn)
    return Math.max(0, replica.endLsn - match, replica.outOfSyncBytes)
  }
  return Math.max(0, replica.heardCommitLsn - replica.durableLsn)
}

export function drStatusView(
  snapshot: DrSnapshot,
  progress: DrSyncProgress,
  nowMs: number,
): DrStatusView {
  const { config, member, role } = snapshot
  const backlog = member === undefined ? 0 : backlogOf(member, role)
  const status = statusOf(member, backlog)
  const estimate = progress.observe(backlog, status === 'Synchronization in progress', nowMs)
  return {
    queueManager: snapshot.queueManager,
    queueManagerStatus: snapshot.queueManagerStatus,
    role: role === 'primary' ? 'Primary' : 'Secondary',
    status,
    type: config.type === 's' ? 'Synchronous' : 'Asynchronous',
    port: config.port,
    localAddress: config.localAddress,
    remoteAddress: config.remoteAddress,
    outOfSyncBytes: backlog,
    synchronizationPercent: estimate?.percent,
    completesAt:
      estimate?.completesAtMs === undefined ? undefined : timestamp(estimate.completesAtMs),
    epoch: member?.epoch,
    logEndLsn: member?.journalEndLsn,
  }
}

function statusOf(member: MemberStatus | undefined, backlog: number): DrStatus {
  if (member === undefined) return 'Remote unavailable'
  if (member.replica.partitioned) return 'Partitioned'
  if (member.links.length === 0) return 'Remote unavailable'
  const alone = member.replica.outOfSyncBytes > 0
  if (backlog > DR_IN_SYNC_SLACK_BYTES || alone) return 'Synchronization in progress'
  return 'Normal'
}

/** RDQM's "2020-12-26 10:05:34" (local time). */
function timestamp(ms: number): string {
  const at = new Date(ms)
  const two = (value: number): string => String(value).padStart(2, '0')
  const date = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`
  return `${date} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`
}

/** The lines of rdqmstatus -m QM, in RDQM's order (the DR lab's screenshots). */
export function formatDrStatus(view: DrStatusView): string[] {
  const lines = [
    `Queue manager status:                   ${view.queueManagerStatus}`,
    `DR role:                                ${view.role}`,
    `DR status:                              ${view.status}`,
    `DR type:                                ${view.type}`,
    `DR port:                                ${view.port}`,
    `DR local IP address:                    ${view.localAddress}`,
    `DR remote IP address:                   ${view.remoteAddress}`,
  ]
  if (view.status !== 'Normal' && view.status !== 'Partitioned') {
    lines.push(`DR out of sync data:                    ${Math.ceil(view.outOfSyncBytes / 1024)}KB`)
  }
  if (view.synchronizationPercent !== undefined) {
    const percent = view.synchronizationPercent.toFixed(2)
    lines.push(`DR synchronization progress:            ${percent}%`)
    lines.push(`DR estimated time of completion:        ${view.completesAt ?? 'Unknown'}`)
  }
  return lines
}
