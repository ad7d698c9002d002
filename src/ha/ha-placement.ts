/**
 * Where the group runs its queue managers, as rdqmadm changes it (rdqm.md sections 2 and 3):
 *
 *   rdqmadm -s [-n node]   suspend: the node's members close, so the group moves its queue
 *                          managers away and the node takes no replication; refused for the
 *                          last active node
 *   rdqmadm -r [-n node]   resume: the members open again and catch up; queue managers that
 *                          prefer the node move back once it has (failback.ts)
 *   rdqmadm -p -m QM -n node[,node2]   preferred location, on every node that answers; when the
 *                          group runs the queue manager elsewhere its primary hands the
 *                          leadership to the preferred node (a controlled switchover by the
 *                          core's transfer; housekeeping retries until it has caught up).
 *                          QuorumMQ keeps the first node named: the second-preferred location
 *                          is accepted and not used yet.
 *   rdqmadm -p -m QM -d    clear it: no automatic failback.
 */
import { HA_STATUS_REQUEST_TIMEOUT_MS } from '../constants.js'
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { existingQueueManager, readConfig } from '../daemon/queue-manager-config.js'
import { requireJoined, setPreferredLocal, type HaSnapshot } from './ha-local.js'
import type { HaNode } from './ha-node.js'

type Parameters = Readonly<Record<string, unknown>>

function targetNode(node: HaNode, requested: unknown): string {
  const membership = requireJoined(node)
  if (typeof requested !== 'string' || requested === '') return membership.self
  const names = membership.group.nodes.map((each) => each.name)
  if (!names.includes(requested)) {
    throw new CommandFailure('HA_NODE_UNKNOWN', { node: requested, nodes: names.join(', ') })
  }
  return requested
}

async function onNode(node: HaNode, target: string, command: string, parameters: Parameters) {
  if (target === node.membership!.self) return undefined
  const peer = node.peers().find((each) => each.name === target)!
  return node.request(peer, command, parameters)
}

export async function suspendNode(daemon: DaemonContext, parameters: Parameters) {
  const node = daemon.ha
  const membership = requireJoined(node)
  const target = targetNode(node, parameters['node'])
  const pings = await node.requestPeers<{ suspended: boolean }>(
    'ping',
    {},
    undefined,
    HA_STATUS_REQUEST_TIMEOUT_MS,
  )
  const active = [
    ...(node.suspended ? [] : [membership.self]),
    ...pings.filter((ping) => ping.ok && !ping.data.suspended).map((ping) => ping.node),
  ]
  if (active.every((name) => name === target)) {
    throw new CommandFailure('HA_LAST_ACTIVE_NODE', { node: target })
  }
  if (target === membership.self) await node.suspend()
  else await onNode(node, target, 'ha-suspend', {})
  daemon.logger.info({ node: target }, 'node suspended')
  return new ReplyBuilder().print('HA_NODE_SUSPENDED', { node: target }).done({ node: target })
}

export async function resumeNode(daemon: DaemonContext, parameters: Parameters) {
  const node = daemon.ha
  const target = targetNode(node, parameters['node'])
  if (target === node.membership!.self) node.resume()
  else await onNode(node, target, 'ha-resume', {})
  daemon.logger.info({ node: target }, 'node resumed')
  return new ReplyBuilder().print('HA_NODE_RESUMED', { node: target }).done({ node: target })
}

export async function setPreferredLocation(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const node = daemon.ha
  requireJoined(node)
  const name = String(parameters['queueManager'] ?? '')
  const paths = existingQueueManager(daemon.paths, name)
  if (readConfig(paths).ha === undefined) {
    throw new CommandFailure('HA_NOT_REPLICATED', { queueManager: name })
  }
  const clear = parameters['clear'] === true
  const listed = String(parameters['nodes'] ?? '').split(',')[0]
  const preferred = clear ? undefined : targetNode(node, listed === '' ? undefined : listed)
  setPreferredLocal(node, name, preferred)
  const reply = new ReplyBuilder()
  const results = await node.requestPeers('ha-set-preferred', {
    queueManager: name,
    preferred: preferred ?? '',
  })
  for (const result of results) {
    if (result.ok) continue
    const reason = result.error instanceof Error ? result.error.message : String(result.error)
    const advice = 'run rdqmadm -p there once it is back'
    reply.print('HA_NODE_SKIPPED', { node: result.node, reason, advice })
  }
  if (preferred === undefined) {
    return reply.print('HA_PREFERRED_CLEARED', { queueManager: name }).done({ queueManager: name })
  }
  await switchOver(node, name, preferred)
  return reply
    .print('HA_PREFERRED_SET', { node: preferred, queueManager: name })
    .done({ queueManager: name, preferred })
}

/** Asks the serving primary, wherever it is, to hand the leadership to `preferred`. */
async function switchOver(node: HaNode, name: string, preferred: string): Promise<void> {
  const local = await node.knownHosted(name)?.memberStatus()
  if (local?.serving === true) {
    if (preferred !== local.node) node.knownHosted(name)!.transferLeadership(preferred)
    return
  }
  const snapshots = await node.requestPeers<HaSnapshot>(
    'ha-status',
    { queueManager: name },
    undefined,
    HA_STATUS_REQUEST_TIMEOUT_MS,
  )
  const primary = snapshots.find((each) => each.ok && each.data.member?.serving === true)
  if (primary === undefined || primary.node === preferred) return
  await onNode(node, primary.node, 'ha-transfer', { queueManager: name, to: preferred })
}
