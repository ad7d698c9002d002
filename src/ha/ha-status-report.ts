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
 * and this node's HA status is Normal, Remote unavailable or Synchronization in progress when
 * all others agree, else Mixed. Out-of-sync data and the last time in sync are shown for a node
 * that is not Normal.
 */
import { HA_IN_SYNC_SLACK_BYTES } from '../constants.js'
import type { HaSnapshot } from './ha-local.js'

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

function peerView(
  peer: string,
  local: HaSnapshot,
  snapshot: HaSnapshot | undefined,
  primaryEndLsn: number | undefined,
): HaPeerView {
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
  if (!local.member.links.includes(peer)) return unavailable()
  const peerDurable = snapshot?.member?.replica.durableLsn
  if (primaryEndLsn === undefined || peerDurable === undefined) {
    return { node: peer, haStatus: HaStatus.NORMAL }
  }
  const lag = Math.max(0, primaryEndLsn - peerDurable)
  if (lag <= HA_IN_SYNC_SLACK_BYTES) return { node: peer, haStatus: HaStatus.NORMAL }
  return {
    node: peer,
    haStatus: HaStatus.SYNCHRONIZING,
    outOfSyncBytes: lag,
    ...(lastInSync === undefined ? {} : { lastInSync }),
  }
}

function summary(peers: readonly HaPeerView[]): HaStatus {
  const first = peers[0]?.haStatus ?? HaStatus.NORMAL
  return peers.every((peer) => peer.haStatus === first) ? first : HaStatus.MIXED
}

export function haStatusView(
  self: string,
  queueManager: string,
  snapshots: ReadonlyMap<string, HaSnapshot | undefined>,
): HaStatusView {
  const local = snapshots.get(self)!
  const primary = primaryOf(snapshots, self)
  const primaryEndLsn =
    primary === undefined ? undefined : snapshots.get(primary)?.member?.journalEndLsn
  const nodes = [...snapshots.keys()]
    .filter((node) => node !== self)
    .map((peer) => peerView(peer, local, snapshots.get(peer), primaryEndLsn))
  const member = local.member
  const haRole =
    member === undefined ? 'Unknown' : member.role === 'primary' ? 'Primary' : 'Secondary'
  const failedActions =
    local.lastFailure === undefined ? [] : [`${local.lastFailure.at} ${local.lastFailure.message}`]
  return {
    node: self,
    queueManager,
    queueManagerStatus: local.status,
    haRole,
    haStatus: local.suspended === true ? HaStatus.THIS_NODE_IN_STANDBY : summary(nodes),
    haControl: local.control === 'enabled' ? 'Enabled' : 'Disabled',
    haCurrentLocation: located(self, primary),
    haPreferredLocation: located(self, local.preferredLocation),
    haBlockedLocation: 'None',
    haFloatingIpInterface: 'None',
    haFloatingIpAddress: 'None',
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
