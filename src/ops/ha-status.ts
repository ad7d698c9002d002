/**
 * The HA part of a queue manager's status entry, made from the very data rdqmstatus prints:
 * every node's HaSnapshot of the queue manager (gathered over the node channel by
 * gatherHaSnapshots) and the view rdqmstatus formats (haStatusView over those snapshots), kept
 * whole in the entry as `ha.report`. rdqmstatus (text and --json) reads that report back from
 * the status source, so rdqmstatus, the console and the metrics show one snapshot. Pure.
 *
 *   per peer   role          from the peer's own snapshot (unknown when it did not answer or
 *                            its member is closed)
 *              link          from rdqmstatus's HA status of the node: Normal → up,
 *                            Synchronization in progress → lagging, anything else → down
 *              replicatedLsn the peer's durable LSN; lagBytes the primary's log end less it
 *              outOfSyncBytes, resync progress and ETA: rdqmstatus's, when it shows them
 *   quorum     some node that answered has a serving member (a primary serves only while a
 *              majority hears it: check-quorum)
 *   elections, failovers   counted by this node's member at its role changes (role-changes.ts)
 */
import type { HaSnapshot } from '../ha/ha-local.js'
import { HaStatus as RdqmHaStatus, type HaStatusView } from '../ha/ha-status-report.js'
import type { HaStatus, PeerStatus, QueueManagerRole, StatusContribution } from './node-status.js'
import type { RoleChangeCounts } from './role-changes.js'

/** rdqmstatus's per-node view, with the synchronization fields its newer versions add. */
type PeerView = HaStatusView['nodes'][number] & {
  readonly syncProgress?: number
  readonly estimatedCompletion?: string
}

export interface HaStatusInputs {
  readonly self: string
  readonly group: string
  readonly report: HaStatusView
  readonly snapshots: ReadonlyMap<string, HaSnapshot | undefined>
  readonly counts: RoleChangeCounts | undefined
  readonly nowMs: number
}

function roleOf(snapshot: HaSnapshot | undefined): QueueManagerRole {
  const member = snapshot?.member
  if (member === undefined) return 'unknown'
  return member.role === 'primary' ? 'primary' : 'secondary'
}

function linkOf(status: string): PeerStatus['link'] {
  if (status === RdqmHaStatus.NORMAL) return 'up'
  if (status === RdqmHaStatus.SYNCHRONIZING) return 'lagging'
  return 'down'
}

/** The node rdqmstatus names as HA current location, or undefined for None. */
export function currentPrimary(report: HaStatusView): string | undefined {
  const location = report.haCurrentLocation
  if (location === 'None') return undefined
  return location === 'This node' ? report.node : location
}

function peerStatus(view: PeerView, inputs: HaStatusInputs, endLsn: number | undefined) {
  const snapshot = inputs.snapshots.get(view.node)
  const replicatedLsn = snapshot?.member?.replica.durableLsn
  const lagBytes =
    replicatedLsn === undefined || endLsn === undefined
      ? undefined
      : Math.max(0, endLsn - replicatedLsn)
  const etaMs =
    view.estimatedCompletion === undefined
      ? undefined
      : Date.parse(view.estimatedCompletion) - inputs.nowMs
  const peer: PeerStatus = {
    node: view.node,
    link: linkOf(view.haStatus),
    role: roleOf(snapshot),
    haStatus: view.haStatus,
    ...(replicatedLsn === undefined ? {} : { replicatedLsn }),
    ...(lagBytes === undefined ? {} : { lagBytes }),
    ...(view.outOfSyncBytes === undefined ? {} : { outOfSyncBytes: view.outOfSyncBytes }),
    ...(view.syncProgress === undefined ? {} : { resyncProgress: view.syncProgress / 100 }),
    ...(etaMs === undefined || Number.isNaN(etaMs)
      ? {}
      : { resyncEtaSeconds: Math.max(0, etaMs / 1000) }),
  }
  return peer
}

export function haContribution(inputs: HaStatusInputs): StatusContribution {
  const { report, snapshots, self } = inputs
  const primary = currentPrimary(report)
  const endLsn = primary === undefined ? undefined : snapshots.get(primary)?.member?.journalEndLsn
  const local = snapshots.get(self)
  const peers = (report.nodes as readonly PeerView[]).map((view) =>
    peerStatus(view, inputs, endLsn),
  )
  const quorum = [...snapshots.values()].some((snapshot) => snapshot?.member?.serving === true)
  const ha: HaStatus = {
    group: inputs.group,
    node: self,
    ...(primary === undefined ? {} : { primary }),
    ...(local?.preferredLocation === undefined
      ? {}
      : { preferredLocation: local.preferredLocation }),
    quorum,
    suspended: local?.suspended === true,
    peers,
    failovers: inputs.counts?.failovers ?? 0,
    elections: inputs.counts?.elections ?? 0,
    report,
  }
  const member = local?.member
  const figures =
    member === undefined
      ? {}
      : { epoch: member.epoch, commitLsn: member.commitLsn, durableLsn: member.replica.durableLsn }
  return { role: roleOf(local), ...figures, ha }
}
