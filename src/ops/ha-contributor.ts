/**
 * The status source's HA contributor: for an HA queue manager of a joined node, gathers every
 * node's snapshot of it over the node channel (as rdqmstatus does, with its timeout: a frozen
 * node shows as unavailable), turns them into rdqmstatus's view, and hands both to
 * haContribution (ha-status.ts). Registered by OpsServers; DR adds its own contributor beside.
 */
import { queueManagerPaths } from '../daemon/node-paths.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { readConfig } from '../daemon/queue-manager-config.js'
import { gatherHaSnapshots } from '../ha/ha-commands.js'
import { haStatusView } from '../ha/ha-status-report.js'
import { groupIdOf } from '../ha/node-channel/handshake.js'
import { haContribution } from './ha-status.js'
import type { StatusContribution, StatusContributor } from './node-status.js'

const UNKNOWN_ROLE: StatusContribution = { role: 'unknown' }

export function haStatusContributor(daemon: DaemonContext): StatusContributor {
  return async (name) => {
    const membership = daemon.ha.membership
    const groupKnown =
      membership !== undefined && readConfig(queueManagerPaths(daemon.paths, name)).ha !== undefined
    // A member this node hosts but cannot show the group of (it left the group): no role known.
    if (!groupKnown) return daemon.ha.knownHosted(name) === undefined ? undefined : UNKNOWN_ROLE
    const snapshots = await gatherHaSnapshots(daemon, membership, name)
    const report = haStatusView(membership.self, name, snapshots)
    return haContribution({
      self: membership.self,
      group: groupIdOf(membership.group),
      report,
      snapshots,
      counts: daemon.ha.knownHosted(name)?.roleChanges.counts(),
      nowMs: Date.now(),
    })
  }
}
