/**
 * crtmqm -sx/-sxs, strmqm, endmqm and dltmqm of an HA queue manager, run on any node of the
 * group: this node acts locally (ha-local.ts) and asks the other two over the node channel.
 *
 * - crtmqm -sx: every node must answer (RDQM creates on all three); ports are chosen free on all
 *   three (the replication port from ReplicationFirstPort up, as RDQM's DRBD ports from 7000;
 *   the listener's from 1414 unless -p), and a failure part-way deletes what was created.
 * - strmqm: HA control enabled on every node that answers; the group elects a primary.
 * - endmqm: HA control disabled and the member closed on the secondaries first, then on the
 *   primary, so the group cannot fail over while it ends (the primary, left alone, stops
 *   acknowledging).
 * - dltmqm: refused while HA control is enabled anywhere; deletes on every node that answers
 *   and names those that did not.
 */
import {
  DEFAULT_LISTENER_PORT,
  DEFAULT_SEGMENT_BYTES,
  HA_REPLICATION_PORT_COUNT,
  HA_START_WAIT_MS,
  LISTENER_PORT_SEARCH_COUNT,
  LOG_FILE_PAGE_BYTES,
  MAX_LOG_FILE_PAGES,
  MIN_LOG_FILE_PAGES,
} from '../constants.js'
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import { INSTALLATION_NAME, installationVersion } from '../daemon/installation.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import { portBindable } from '../daemon/port-probe.js'
import { requireValidName } from '../daemon/queue-manager-config.js'
import {
  createLocal,
  deleteLocal,
  endLocal,
  localPorts,
  requireJoined,
  startLocal,
  type HaCreateRequest,
  type HaSnapshot,
  type LocalPorts,
} from './ha-local.js'
import type { HaNode, PeerResult } from './ha-node.js'
import { selfDefinition } from './membership.js'

type Parameters = Readonly<Record<string, unknown>>

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function requireAll<T>(results: PeerResult<T>[]): T[] {
  return results.map((result) => {
    if (result.ok) return result.data
    if (result.error instanceof CommandFailure) throw result.error
    throw new CommandFailure('HA_NODE_UNREACHABLE', {
      node: result.node,
      reason: reasonOf(result.error),
    })
  })
}

function segmentBytesOf(pages: unknown): number {
  if (pages === undefined) return DEFAULT_SEGMENT_BYTES
  const valid = typeof pages === 'number' && Number.isInteger(pages)
  if (!valid || pages < MIN_LOG_FILE_PAGES || pages > MAX_LOG_FILE_PAGES) {
    const inserts = {
      pages: String(pages),
      minimum: MIN_LOG_FILE_PAGES,
      maximum: MAX_LOG_FILE_PAGES,
    }
    throw new CommandFailure('LOG_FILE_PAGES_NOT_VALID', inserts)
  }
  return pages * LOG_FILE_PAGE_BYTES
}

async function firstFree(
  host: string,
  first: number,
  count: number,
  used: ReadonlySet<number>,
): Promise<number | undefined> {
  for (let port = first; port < first + count && port <= 65_535; port++) {
    if (!used.has(port) && (await portBindable(host, port))) return port
  }
  return undefined
}

async function choosePorts(
  node: HaNode,
  requested: unknown,
  everyNode: LocalPorts[],
): Promise<{ port: number; replicationPort: number }> {
  const membership = requireJoined(node)
  const host = selfDefinition(membership).replicationAddress
  const used = new Set(
    everyNode.flatMap((ports) => [...ports.listenerPorts, ...ports.replicationPorts]),
  )
  // -p's port is the listener's: the replication port must not take it.
  if (typeof requested === 'number') used.add(requested)
  const first = membership.group.replicationFirstPort
  const replicationPort = await firstFree(host, first, HA_REPLICATION_PORT_COUNT, used)
  if (replicationPort === undefined) {
    throw new CommandFailure('HA_NO_FREE_PORT', {
      first,
      last: first + HA_REPLICATION_PORT_COUNT - 1,
    })
  }
  used.add(replicationPort)
  if (requested !== undefined) {
    const valid = typeof requested === 'number' && Number.isInteger(requested)
    if (!valid || requested < 1 || requested > 65_535) {
      throw new CommandFailure('PORT_NOT_VALID', { port: String(requested) })
    }
    return { port: requested, replicationPort }
  }
  const port = await firstFree(host, DEFAULT_LISTENER_PORT, LISTENER_PORT_SEARCH_COUNT, used)
  if (port === undefined) {
    const last = DEFAULT_LISTENER_PORT + LISTENER_PORT_SEARCH_COUNT - 1
    throw new CommandFailure('NO_FREE_PORT', { first: DEFAULT_LISTENER_PORT, last })
  }
  return { port, replicationPort }
}

/** crtmqm -sx (on all three nodes) or -sxs (a secondary, here only). */
export async function createHaQueueManager(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const node = daemon.ha
  requireJoined(node)
  const name = requireValidName(parameters['queueManager'])
  const segmentBytes = segmentBytesOf(parameters['logFilePages'])
  const secondaryOnly = parameters['ha'] === 'sxs'
  const peerPorts = secondaryOnly ? [] : requireAll(await node.requestPeers<LocalPorts>('ha-ports'))
  for (const [index, ports] of peerPorts.entries()) {
    if (!ports.queueManagers.includes(name)) continue
    // A -sxs secondary waiting for its -sx is adopted by ha-create; anything else is refused.
    node.logger.info({ qm: name, node: node.peers()[index]!.name }, 'secondary exists on a peer')
  }
  const ports = await choosePorts(node, parameters['port'], [localPorts(node), ...peerPorts])
  const request: HaCreateRequest = { queueManager: name, segmentBytes, ...ports }
  createLocal(node, request)
  const reply = new ReplyBuilder()
  if (secondaryOnly) {
    return reply
      .print('HA_SECONDARY_CREATED')
      .print('HA_REPLICATION_PORT', { port: ports.replicationPort, queueManager: name })
      .done({ queueManager: name, ...ports })
  }
  const created: string[] = []
  try {
    for (const peer of node.peers()) {
      await node.request(peer, 'ha-create', { ...request })
      created.push(peer.name)
      reply.print('HA_SECONDARY_CREATED_ON', { node: peer.name })
    }
  } catch (error) {
    await undoCreate(node, name, created)
    if (error instanceof CommandFailure) throw error
    const failed = node.peers()[created.length]!.name
    throw new CommandFailure('HA_NODE_UNREACHABLE', { node: failed, reason: reasonOf(error) })
  }
  daemon.logger.info({ qm: name, ...ports }, 'HA queue manager created on all nodes')
  return reply
    .print('QUEUE_MANAGER_CREATED')
    .print('DIRECTORY_CREATED', { directory: queueManagerPaths(daemon.paths, name).root })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
    .print('LISTENER_PORT_ASSIGNED', { port: ports.port, queueManager: name })
    .print('HA_REPLICATION_PORT', { port: ports.replicationPort, queueManager: name })
    .print('HA_ENABLING')
    .print('HA_ENABLED')
    .done({ queueManager: name, ...ports })
}

async function undoCreate(node: HaNode, name: string, peers: string[]): Promise<void> {
  deleteLocal(node, name)
  const created = node.peers().filter((peer) => peers.includes(peer.name))
  await node.requestPeers('ha-delete', { queueManager: name }, created)
}

function skipped(reply: ReplyBuilder, result: PeerResult<unknown>, advice: string): void {
  if (result.ok) return
  reply.print('HA_NODE_SKIPPED', { node: result.node, reason: reasonOf(result.error), advice })
}

/** strmqm: HA control enabled everywhere reachable; waits for the group to elect a primary. */
export async function startHaQueueManager(daemon: DaemonContext, name: string) {
  const node = daemon.ha
  const membership = requireJoined(node)
  const hosted = node.knownHosted(name)
  if (hosted?.isMember === true) throw new CommandFailure('RUNNING', { queueManager: name })
  const reply = new ReplyBuilder()
    .print('QUEUE_MANAGER_STARTING', { queueManager: name })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
    .print('HA_ENABLING')
  const [local, ...peers] = await Promise.all([
    startLocal(node, name).then(
      () => undefined,
      (error: unknown) => error,
    ),
    node.requestPeers('ha-start', { queueManager: name }),
  ])
  if (local !== undefined) {
    if (local instanceof CommandFailure) return reply.failed(local)
    throw local
  }
  for (const result of peers.flat()) {
    skipped(reply, result, `run strmqm ${name} there once it is back`)
  }
  reply.print('HA_ENABLED')
  const primary = await waitForPrimary(node, name)
  if (primary === undefined) return reply.print('HA_NO_PRIMARY_YET', { queueManager: name }).done()
  const where = primary === membership.self ? 'This node' : primary
  daemon.logger.info({ qm: name, primary }, 'HA queue manager started')
  return reply
    .print('HA_RUNNING_ON', { queueManager: name, node: primary })
    .print('QUEUE_MANAGER_STARTED', { queueManager: name, version: installationVersion() })
    .done({ queueManager: name, primary, where })
}

/** The node whose member serves, as this node's member knows it; undefined after the wait. */
async function waitForPrimary(node: HaNode, name: string): Promise<string | undefined> {
  const deadline = Date.now() + HA_START_WAIT_MS
  while (Date.now() < deadline) {
    const status = await node.knownHosted(name)?.memberStatus()
    if (status === undefined) return undefined
    const primary = status.primaryId
    if (primary !== undefined && (primary !== status.node || status.serving)) return primary
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return undefined
}

/** endmqm: HA control disabled and the member closed everywhere, the primary last. */
export async function endHaQueueManager(daemon: DaemonContext, name: string, mode: EndMode) {
  const node = daemon.ha
  const membership = requireJoined(node)
  const primary = await findPrimary(node, name)
  const reply = new ReplyBuilder().print('QUEUE_MANAGER_ENDING', { queueManager: name })
  const secondaries = node.peers().filter((peer) => peer.name !== primary)
  let wasRunning = false
  const endPeers = async (peers: typeof secondaries) => {
    const results = await node.requestPeers<{ wasMember: boolean }>(
      'ha-end',
      { queueManager: name, mode },
      peers,
    )
    for (const result of results) {
      if (result.ok) wasRunning ||= result.data.wasMember
      skipped(reply, result, `it ends the queue manager when its qmqd is restarted`)
    }
  }
  const endSelf = async () => {
    wasRunning = (await endLocal(node, name, mode)) || wasRunning
  }
  await Promise.all([endPeers(secondaries), primary === membership.self ? undefined : endSelf()])
  if (primary === membership.self) await endSelf()
  else if (primary !== undefined)
    await endPeers(node.peers().filter((peer) => peer.name === primary))
  if (!wasRunning) throw new CommandFailure('NOT_RUNNING', { queueManager: name })
  daemon.logger.info({ qm: name, primary }, 'HA queue manager ended on every node')
  return reply
    .print('HA_DISABLED')
    .print('QUEUE_MANAGER_ENDED', { queueManager: name })
    .done({ queueManager: name })
}

async function findPrimary(node: HaNode, name: string): Promise<string | undefined> {
  const local = await node.knownHosted(name)?.memberStatus()
  if (local?.primaryId !== undefined) return local.primaryId
  const results = await node.requestPeers<HaSnapshot>('ha-status', { queueManager: name })
  for (const result of results) {
    if (result.ok && result.data.member?.serving === true) return result.node
  }
  return undefined
}

/** dltmqm: refused while HA control is enabled on any node that answers. */
export async function deleteHaQueueManager(daemon: DaemonContext, name: string) {
  const node = daemon.ha
  requireJoined(node)
  const snapshots = await node.requestPeers<HaSnapshot>('ha-status', { queueManager: name })
  for (const result of snapshots) {
    if (result.ok && (result.data.control === 'enabled' || result.data.member !== undefined)) {
      throw new CommandFailure('DELETE_WHILE_RUNNING', { queueManager: name })
    }
  }
  deleteLocal(node, name)
  const reply = new ReplyBuilder()
  const results = await node.requestPeers('ha-delete', { queueManager: name })
  for (const result of results) skipped(reply, result, `run dltmqm ${name} there`)
  daemon.forget(name)
  return reply.print('QUEUE_MANAGER_DELETED', { queueManager: name }).done()
}
