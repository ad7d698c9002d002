/**
 * rdqmstatus's fields and values (rdqm.md section 1), computed from every node's snapshot of
 * one HA queue manager (ha-local.ts; undefined for a node that did not answer). Pure.
 *
 * From this node's point of view, as RDQM's: another node is
 *   Remote unavailable           its replication link to this node is down (or, with the
 *                                queue manager ended here, its node channel does not answer)
 *   Synchronization in progress  linked, but its durable log trails the primary's log end by
 *                                more than HA_IN_SYNC_SLACK_BYTES
 *   Normal                       otherwise
 * (a node installing the primary's checkpoint is synchronizing too), and this node's HA status
 * is Synchronization in progress when it is itself catching up, else Normal, Remote unavailable
 * or Synchronization in progress when all others agree, else Mixed. Out-of-sync data and the
 * last time in sync are shown for a node that is not Normal; a synchronizing one also shows its
 * progress and, once two samples show the gap closing, the estimated time to completion
 * (sync-progress.ts). HA blocked location: the nodes with a failed-start ban, `All nodes` when
 * every node has one.
 */
import { HA_IN_SYNC_SLACK_BYTES } from '../constants.js'
import type { HaSnapshot } from './ha-local.js'
import { estimatedCompletionMs, syncProgressPercent } from './sync-progress.js'

export const HaStatus = {
  NORMAL: 'Normal',
  SYNCHRONIZING: 'Synchronization in progress',
  REMOTE_UNAVAILABLE: 'Remote unavailable',
  MIXED: 'Mixed',
  THIS_NODE_IN_STANDBY: 'This node in standby',
  REMOTE_NODE_IN_STANDBY: 'Remote node in standby',
} as const
export type HaStatus = (typeof HaStatus)[keyof typeof HaStatus]

export interface HaPeerView {
  readonly node: string
  readonly haStatus: HaStatus
  readonly outOfSyncBytes?: number
  readonly lastInSync?: string
  /** Percent, one decimal. */
  readonly syncProgress?: number
  /** ISO time. */
  readonly estimatedCompletion?: string
  /** A checkpoint catch-up: the checkpoint's LSN. */
  readonly installingCheckpointLsn?: number
}

export interface HaStatusView {
  readonly node: string
  readonly queueManager: string
  readonly queueManagerStatus: string
  readonly haRole: 'Primary' | 'Secondary' | 'Unknown'
  readonly haStatus: HaStatus
  readonly haControl: 'Enabled' | 'Disabled'
  readonly haCurrentLocation: string
  readonly haPreferredLocation: string
  readonly haBlockedLocation: string
  readonly haFloatingIpInterface: string
  readonly haFloatingIpAddress: string
  readonly nodes: readonly HaPeerView[]
  readonly failedActions: readonly string[]
}

function located(self: string, node: string | undefined): string {
  if (node === undefined) return 'None'
  return node === self ? 'This node' : node
}

/** The node whose member serves, by anyone's account. */
function primaryOf(snapshots: ReadonlyMap<string, HaSnapshot | undefined>, self: string) {
  for (const [node, snapshot] of snapshots) {
    if (snapshot?.member?.serving === true) return node
  }
  return snapshots.get(self)?.member?.primaryId
}

interface PrimaryView {
  readonly endLsn: number | undefined
  readonly snapshot: HaSnapshot | undefined
  readonly nowMs: number
}

/** Synchronization in progress: how far, and when done at the present rates. */
function synchronizing(
  peer: string,
  snapshot: HaSnapshot | undefined,
  primary: PrimaryView,
  lastInSync: string | undefined,
): HaPeerView {
  const durable = snapshot?.member?.replica.durableLsn ?? snapshot?.sync?.samples.at(-1)?.lsn
  const end = primary.endLsn
  const lag = end === undefined || durable === undefined ? undefined : Math.max(0, end - durable)
  const from = snapshot?.sync?.fromLsn
  const progress =
    from === undefined || durable === undefined || end === undefined
      ? undefined
      : syncProgressPercent(from, durable, end)
  const eta =
    lag === undefined || snapshot?.sync === undefined
      ? undefined
      : estimatedCompletionMs(
          primary.nowMs,
          lag,
          snapshot.sync.samples,
          primary.snapshot?.sync?.samples ?? [],
        )
  const install = snapshot?.checkpointInstall
  return {
    node: peer,
    haStatus: HaStatus.SYNCHRONIZING,
    ...(lag === undefined ? {} : { outOfSyncBytes: lag }),
    ...(lastInSync === undefined ? {} : { lastInSync }),
    ...(progress === undefined ? {} : { syncProgress: progress }),
    ...(eta === undefined ? {} : { estimatedCompletion: new Date(eta).toISOString() }),
    ...(install === undefined ? {} : { installingCheckpointLsn: install.lsn }),
  }
}

function peerView(
  peer: string,
  local: HaSnapshot,
  snapshot: HaSnapshot | undefined,
  primary: PrimaryView,
): HaPeerView {
  const primaryEndLsn = primary.endLsn
  const lastInSync = local.lastLinked[peer]
  const unavailable = (): HaPeerView => ({
    node: peer,
    haStatus: HaStatus.REMOTE_UNAVAILABLE,
    ...(lastInSync === undefined ? {} : { lastInSync }),
  })
  if (snapshot?.suspended === true) return { node: peer, haStatus: HaStatus.REMOTE_NODE_IN_STANDBY }
  if (local.member === undefined) {
    return snapshot === undefined ? unavailable() : { node: peer, haStatus: HaStatus.NORMAL }
  }
  if (snapshot?.checkpointInstall !== undefined) {
    return synchronizing(peer, snapshot, primary, lastInSync)
  }
  // A peer whose node channel does not answer (frozen, cut off) is unavailable even while its
  // replication connection still looks open.
  if (snapshot === undefined || !local.member.links.includes(peer)) return unavailable()
  const peerDurable = snapshot?.member?.replica.durableLsn
  if (primaryEndLsn === undefined || peerDurable === undefined) {
    return { node: peer, haStatus: HaStatus.NORMAL }
  }
  const lag = Math.max(0, primaryEndLsn - peerDurable)
  if (lag <= HA_IN_SYNC_SLACK_BYTES) return { node: peer, haStatus: HaStatus.NORMAL }
  return synchronizing(peer, snapshot, primary, lastInSync)
}

/** This node catching up: installing a checkpoint, or its log far behind the primary's. */
function catchingUp(local: HaSnapshot, primaryEndLsn: number | undefined): boolean {
  if (local.checkpointInstall !== undefined) return true
  const durable = local.member?.replica.durableLsn
  if (local.member?.serving === true || durable === undefined || primaryEndLsn === undefined) {
    return false
  }
  return primaryEndLsn - durable > HA_IN_SYNC_SLACK_BYTES
}

function blockedLocation(self: string, snapshots: ReadonlyMap<string, HaSnapshot | undefined>) {
  const blocked = [...snapshots].filter(([, snapshot]) => snapshot?.blocked !== undefined)
  if (blocked.length === 0) return 'None'
  if (blocked.length === snapshots.size) return 'All nodes'
  return blocked.map(([node]) => located(self, node)).join(',')
}

function summary(peers: readonly HaPeerView[]): HaStatus {
  const first = peers[0]?.haStatus ?? HaStatus.NORMAL
  return peers.every((peer) => peer.haStatus === first) ? first : HaStatus.MIXED
}

export function haStatusView(
  self: string,
  queueManager: string,
  snapshots: ReadonlyMap<string, HaSnapshot | undefined>,
  nowMs: number = Date.now(),
): HaStatusView {
  const local = snapshots.get(self)!
  const primary = primaryOf(snapshots, self)
  const primarySnapshot = primary === undefined ? undefined : snapshots.get(primary)
  const primaryEndLsn = primarySnapshot?.member?.journalEndLsn
  const primaryView = { endLsn: primaryEndLsn, snapshot: primarySnapshot, nowMs }
  const nodes = [...snapshots.keys()]
    .filter((node) => node !== self)
    .map((peer) => peerView(peer, local, snapshots.get(peer), primaryView))
  const member = local.member
  const haRole =
    member === undefined ? 'Unknown' : member.role === 'primary' ? 'Primary' : 'Secondary'
  const failedActions = [
    ...(local.lastFailure === undefined
      ? []
      : [`${local.lastFailure.at} ${local.lastFailure.message}`]),
    ...(local.blocked === undefined
      ? []
      : [`${local.blocked.at} banned from this node until rdqmadm -r: ${local.blocked.reason}`]),
  ]
  const haStatus =
    local.suspended === true
      ? HaStatus.THIS_NODE_IN_STANDBY
      : catchingUp(local, primaryEndLsn)
        ? HaStatus.SYNCHRONIZING
        : summary(nodes)
  return {
    node: self,
    queueManager,
    queueManagerStatus: local.status,
    haRole,
    haStatus,
    haControl: local.control === 'enabled' ? 'Enabled' : 'Disabled',
    haCurrentLocation: located(self, primary),
    haPreferredLocation: located(self, local.preferredLocation),
    haBlockedLocation: blockedLocation(self, snapshots),
    haFloatingIpInterface: local.floatingIp?.interface ?? 'None',
    haFloatingIpAddress: local.floatingIp?.address ?? 'None',
    nodes,
    failedActions,
  }
}

/** "2023-02-28 08:11:11", rdqmstatus's layout, in UTC. */
export function statusTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ')
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(33)}${value}`
}

/** rdqmstatus -m QM [-a]. */
export function formatHaStatus(view: HaStatusView, all: boolean): string[] {
  const lines = [
    field('Node', view.node),
    field('Queue manager status', view.queueManagerStatus),
    field('HA role', view.haRole),
    field('HA status', view.haStatus),
    field('HA control', view.haControl),
    field('HA current location', view.haCurrentLocation),
    field('HA preferred location', view.haPreferredLocation),
    field('HA blocked location', view.haBlockedLocation),
    field('HA floating IP interface', view.haFloatingIpInterface),
    field('HA floating IP address', view.haFloatingIpAddress),
  ]
  for (const peer of view.nodes) {
    lines.push('', field('Node', peer.node), field('HA status', peer.haStatus))
    if (peer.haStatus === HaStatus.NORMAL) continue
    if (peer.outOfSyncBytes !== undefined) {
      lines.push(field('HA out of sync data', `${Math.ceil(peer.outOfSyncBytes / 1024)}KB`))
    }
    if (peer.lastInSync !== undefined) {
      lines.push(field('HA last in sync', statusTime(peer.lastInSync)))
    }
    if (peer.syncProgress !== undefined) {
      lines.push(field('HA synchronization progress', `${peer.syncProgress.toFixed(1)}%`))
    }
    if (peer.estimatedCompletion !== undefined) {
      lines.push(field('HA estimated time to completion', statusTime(peer.estimatedCompletion)))
    }
  }
  if (all) {
    lines.push('', 'Failed resource action(s):')
    if (view.failedActions.length === 0) lines.push('  None')
    for (const action of view.failedActions) lines.push(`  ${action}`)
  }
  return lines
}

/** rdqmstatus without -m: the node, then a block per HA queue manager. */
export function formatNodeSummary(self: string, views: readonly HaStatusView[]): string[] {
  const lines = [field('Node', self)]
  for (const view of views) {
    lines.push(
      '',
      field('Queue manager name', view.queueManager),
      field('Queue manager status', view.queueManagerStatus),
      field('HA current location', view.haCurrentLocation),
      field('HA preferred location', view.haPreferredLocation),
      field('HA blocked location', view.haBlockedLocation),
    )
  }
  return lines
}
