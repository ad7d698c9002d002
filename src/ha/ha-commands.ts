/**
 * rdqmadm and rdqmstatus as daemon commands (the HA parts of crtmqm, strmqm, endmqm and dltmqm
 * are in ha-lifecycle.ts).
 *
 *   rdqmadm {action:"join", allowNoSecret?}  rdqmadm -c: reads rdqm.ini, checks it names this
 *                               node, refuses if the node is already in another group or has
 *                               no usable rdqm.secret where one is needed (group-secret.ts),
 *                               records the group and listens on the node channel
 *   rdqmadm {action:"leave"}    rdqmadm -u: refused while HA queue managers exist here
 *   rdqmadm {action:"suspend"|"resume", node?}, {action:"preferred", queueManager, nodes?,
 *           clear?}: rdqmadm -s, -r, -p (ha-placement.ts)
 *   rdqmstatus {queueManager?, nodes?, all?}: the views the node's status source holds (its HA
 *               contributor, src/ops/ha-contributor.ts, builds them with haStatusView)
 *   rdqmint {action:"add"|"delete", queueManager, address?, interface?} (floating-address.ts)
 */
import { HA_STATUS_REQUEST_TIMEOUT_MS } from '../constants.js'
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { CommandHandler } from '../daemon/control-server.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { existingQueueManager, readConfig } from '../daemon/queue-manager-config.js'
import { floatingAddressCommand } from './floating-address.js'
import { requireJoined, snapshotLocal, type HaSnapshot } from './ha-local.js'
import { formatHaStatus, formatNodeSummary, type HaStatusView } from './ha-status-report.js'
import { resumeNode, setPreferredLocation, suspendNode } from './ha-placement.js'
import { readRdqmIni, type HaMembership } from './membership.js'
import { groupIdOf } from './node-channel/handshake.js'
import { haQueueManagerNames } from './node-commands.js'
import { selfNodeName } from './rdqm-ini.js'

type Parameters = Readonly<Record<string, unknown>>

export function haCommands(daemon: DaemonContext): Map<string, CommandHandler> {
  return new Map<string, CommandHandler>([
    ['rdqmadm', (parameters) => daemon.serialize(() => administer(daemon, parameters))],
    ['rdqmstatus', (parameters) => status(daemon, parameters)],
    ['rdqmint', (parameters) => daemon.serialize(() => floatingAddressCommand(daemon, parameters))],
  ])
}

async function administer(daemon: DaemonContext, parameters: Parameters): Promise<CommandReply> {
  if (parameters['action'] === 'join') {
    return join(daemon, parameters['node'], parameters['allowNoSecret'] === true)
  }
  if (parameters['action'] === 'leave') return leave(daemon)
  if (parameters['action'] === 'suspend') return suspendNode(daemon, parameters)
  if (parameters['action'] === 'resume') return resumeNode(daemon, parameters)
  if (parameters['action'] === 'preferred') return setPreferredLocation(daemon, parameters)
  throw new CommandFailure('ARGUMENTS_NOT_VALID')
}

async function join(
  daemon: DaemonContext,
  node: unknown,
  allowNoSecret: boolean,
): Promise<CommandReply> {
  const self = typeof node === 'string' && node !== '' ? node : selfNodeName()
  const group = readRdqmIni(daemon.paths, self)
  const current = daemon.ha.membership
  const reply = new ReplyBuilder()
  if (current !== undefined) {
    if (current.self === self && groupIdOf(current.group) === groupIdOf(group)) {
      return reply.print('HA_SUBSYSTEM_ALREADY', { node: self }).done({ node: self })
    }
    throw new CommandFailure('HA_OTHER_GROUP', {
      node: current.self,
      group: groupIdOf(current.group),
    })
  }
  const membership: HaMembership = {
    formatVersion: 1,
    self,
    group,
    joinedAt: new Date().toISOString(),
    ...(allowNoSecret ? { allowNoSecret } : {}),
  }
  await daemon.ha.join(membership)
  daemon.logger.info({ node: self, group: groupIdOf(group) }, 'joined the HA group')
  return reply.print('HA_SUBSYSTEM_CONFIGURED', { node: self }).done({ node: self })
}

async function leave(daemon: DaemonContext): Promise<CommandReply> {
  const membership = requireJoined(daemon.ha)
  const names = haQueueManagerNames(daemon.ha)
  if (names.length > 0) {
    const queueManagers = names.map((name) => `'${name}'`).join(', ')
    throw new CommandFailure('HA_QUEUE_MANAGERS_EXIST', { queueManagers })
  }
  await daemon.ha.leave()
  daemon.logger.info({ node: membership.self }, 'left the HA group')
  return new ReplyBuilder().print('HA_SUBSYSTEM_DELETED', { node: membership.self }).done()
}

async function status(daemon: DaemonContext, parameters: Parameters): Promise<CommandReply> {
  const membership = requireJoined(daemon.ha)
  if (parameters['nodes'] === true) return nodeStatus(daemon, membership)
  const name = parameters['queueManager']
  if (typeof name === 'string' && name !== '') {
    const paths = existingQueueManager(daemon.paths, name)
    if (readConfig(paths).ha === undefined) {
      throw new CommandFailure('HA_NOT_REPLICATED', { queueManager: name })
    }
    const [view] = await reportsOf(daemon, name)
    if (view === undefined) throw new CommandFailure('HA_NOT_REPLICATED', { queueManager: name })
    return {
      exitCode: 0,
      output: formatHaStatus(view, parameters['all'] === true),
      errors: [],
      data: view,
    }
  }
  const views = await reportsOf(daemon, undefined)
  const data = { node: membership.self, queueManagers: views }
  return { exitCode: 0, output: formatNodeSummary(membership.self, views), errors: [], data }
}

/**
 * rdqmstatus's views, read from the node's status source (ops/status-source.ts), whose HA
 * contributor made them: rdqmstatus, the console and the metrics show the same snapshot.
 */
async function reportsOf(daemon: DaemonContext, only: string | undefined) {
  const snapshot = await daemon.ops.status.snapshot(only)
  const views: HaStatusView[] = []
  for (const entry of snapshot.queueManagers) {
    if (entry.ha?.report !== undefined) views.push(entry.ha.report)
  }
  return views
}

/** Every node's snapshot of one HA queue manager (undefined: the node did not answer). */
export async function gatherHaSnapshots(
  daemon: DaemonContext,
  membership: HaMembership,
  name: string,
): Promise<Map<string, HaSnapshot | undefined>> {
  const [local, peers] = await Promise.all([
    snapshotLocal(daemon.ha, name),
    daemon.ha.requestPeers<HaSnapshot>(
      'ha-status',
      { queueManager: name },
      undefined,
      HA_STATUS_REQUEST_TIMEOUT_MS,
    ),
  ])
  const snapshots = new Map<string, HaSnapshot | undefined>()
  for (const node of membership.group.nodes) {
    if (node.name === membership.self) snapshots.set(node.name, local)
    const result = peers.find((peer) => peer.node === node.name)
    if (result !== undefined) snapshots.set(node.name, result.ok ? result.data : undefined)
  }
  return snapshots
}

async function nodeStatus(daemon: DaemonContext, membership: HaMembership) {
  const pings = await daemon.ha.requestPeers('ping', {}, undefined, HA_STATUS_REQUEST_TIMEOUT_MS)
  const nodes = membership.group.nodes.map((node) => ({
    node: node.name,
    online:
      node.name === membership.self || pings.some((ping) => ping.node === node.name && ping.ok),
  }))
  const output = nodes.map((each) => `Node ${each.node} is ${each.online ? 'online' : 'offline'}`)
  return { exitCode: 0, output, errors: [], data: { nodes } }
}
