/**
 * What one node does to its own copy of an HA queue manager, whether the command was typed on
 * this node or arrived from a peer over the node channel: create, start and end under HA control,
 * delete, describe.
 */
import fs from 'node:fs'
import { CommandFailure } from '../daemon/command-failure.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import {
  listQueueManagerNames,
  readConfig,
  requireValidName,
  writeJsonAtomically,
  type QueueManagerConfig,
} from '../daemon/queue-manager-config.js'
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import type { MemberStatus } from '../queue-manager/replicated-queue-manager.js'
import type { HaNode } from './ha-node.js'
import type { LsnSample } from './sync-progress.js'
import { readHaState, selfDefinition, writeHaState } from './membership.js'

export interface LocalPorts {
  readonly replicationPorts: number[]
  readonly listenerPorts: number[]
  readonly queueManagers: string[]
}

export interface HaCreateRequest {
  readonly queueManager: string
  readonly port: number
  readonly replicationPort: number
  readonly segmentBytes: number
}

/** One node's view of an HA queue manager, as rdqmstatus gathers it from every node. */
export interface HaSnapshot {
  readonly node: string
  readonly exists: boolean
  readonly replicated: boolean
  readonly status: string
  readonly control: 'enabled' | 'disabled'
  readonly preferredLocation: string | undefined
  readonly member: MemberStatus | undefined
  readonly lastLinked: Readonly<Record<string, string>>
  readonly lastFailure: { at: string; message: string } | undefined
  /** The node is suspended (rdqmadm -s). */
  readonly suspended?: boolean
  /** A failed-start ban on this node (HA blocked location). */
  readonly blocked?: { readonly at: string; readonly reason: string }
  /** rdqmint's floating address (the same on every node). */
  readonly floatingIp?: { readonly address: string; readonly interface: string }
  /** A checkpoint catch-up under way here. */
  readonly checkpointInstall?: { readonly lsn: number; readonly since: string }
  /** The member's durable LSN at its open and sampled since (sync-progress.ts), epoch ms. */
  readonly sync?: { readonly fromLsn: number; readonly samples: readonly LsnSample[] }
}

export function requireJoined(node: HaNode) {
  const membership = node.membership
  if (membership === undefined) throw new CommandFailure('HA_NOT_CONFIGURED')
  return membership
}

export function localPorts(node: HaNode): LocalPorts {
  const ports: LocalPorts = { replicationPorts: [], listenerPorts: [], queueManagers: [] }
  for (const name of listQueueManagerNames(node.paths)) {
    const config = readConfig(queueManagerPaths(node.paths, name))
    ports.queueManagers.push(name)
    ports.listenerPorts.push(config.port)
    if (config.ha !== undefined) ports.replicationPorts.push(config.ha.replicationPort)
  }
  return ports
}

/**
 * Writes this node's configuration of an HA queue manager. An existing one is replaced only if
 * it is an HA queue manager that never ran (a crtmqm -sxs waiting for the -sx that sets its
 * ports); its data directory is created by the member's first start.
 */
export function createLocal(node: HaNode, request: HaCreateRequest): void {
  const membership = requireJoined(node)
  const name = requireValidName(request.queueManager)
  const paths = queueManagerPaths(node.paths, name)
  if (fs.existsSync(paths.config)) {
    const existing = readConfig(paths)
    if (existing.ha === undefined || readHaState(paths).started === true) {
      throw new CommandFailure('ALREADY_EXISTS')
    }
  }
  for (const other of listQueueManagerNames(node.paths)) {
    if (other === name) continue
    const config = readConfig(queueManagerPaths(node.paths, other))
    const used = [config.port, config.ha?.replicationPort]
    for (const port of [request.port, request.replicationPort]) {
      if (used.includes(port)) throw new CommandFailure('PORT_ASSIGNED', { port, owner: other })
    }
  }
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o700 })
  const config: QueueManagerConfig = {
    formatVersion: 1,
    name,
    host: selfDefinition(membership).replicationAddress,
    port: request.port,
    createdAt: new Date().toISOString(),
    ha: { replicationPort: request.replicationPort, segmentBytes: request.segmentBytes },
  }
  writeHaState(paths, { control: 'disabled' })
  // The configuration last: a queue manager exists once qmgr.json does.
  writeJsonAtomically(paths.config, config)
  node.logger.info({ qm: name, ...request }, 'HA queue manager configured on this node')
}

function existingHa(node: HaNode, name: string) {
  const paths = queueManagerPaths(node.paths, requireValidName(name))
  if (!fs.existsSync(paths.config)) throw new CommandFailure('DOES_NOT_EXIST')
  const config = readConfig(paths)
  if (config.ha === undefined) {
    throw new CommandFailure('HA_NOT_REPLICATED', { queueManager: name })
  }
  return { paths, config }
}

/** HA control enabled on this node, and the member opened (unless the node is suspended). */
export async function startLocal(node: HaNode, name: string): Promise<void> {
  const membership = requireJoined(node)
  const { paths, config } = existingHa(node, name)
  writeHaState(paths, { ...readHaState(paths), control: 'enabled' })
  // A banned node leaves the queue manager to the other two (rdqmadm -r lifts the ban).
  if (node.suspended || readHaState(paths).blocked !== undefined) return
  await node.hosted(name).open(config, membership)
}

/** rdqmadm -p: this node's record of the preferred location (undefined: none). */
export function setPreferredLocal(node: HaNode, name: string, preferred: string | undefined) {
  const { paths } = existingHa(node, name)
  const { preferredLocation: _previous, ...state } = readHaState(paths)
  writeHaState(paths, preferred === undefined ? state : { ...state, preferredLocation: preferred })
}

/** HA control disabled on this node and the member closed; true if it was open. */
export async function endLocal(node: HaNode, name: string, mode: EndMode): Promise<boolean> {
  const { paths } = existingHa(node, name)
  writeHaState(paths, { ...readHaState(paths), control: 'disabled' })
  const hosted = node.knownHosted(name)
  const wasMember = hosted?.isMember ?? false
  await hosted?.end(mode)
  return wasMember
}

/** Refused while HA control is enabled or the member open; true if there was one to delete. */
export function deleteLocal(node: HaNode, name: string): boolean {
  const paths = queueManagerPaths(node.paths, requireValidName(name))
  if (!fs.existsSync(paths.config)) return false
  const hosted = node.knownHosted(name)
  if (readHaState(paths).control === 'enabled' || hosted?.isMember === true) {
    throw new CommandFailure('DELETE_WHILE_RUNNING', { queueManager: name })
  }
  fs.rmSync(paths.config, { force: true })
  fs.rmSync(paths.root, { recursive: true, force: true })
  node.forget(name)
  node.logger.info({ qm: name }, 'HA queue manager deleted on this node')
  return true
}

export async function snapshotLocal(node: HaNode, name: string): Promise<HaSnapshot> {
  const self = requireJoined(node).self
  const paths = queueManagerPaths(node.paths, requireValidName(name))
  const exists = fs.existsSync(paths.config)
  const replicated = exists && readConfig(paths).ha !== undefined
  const state = readHaState(paths)
  const hosted = exists ? node.hosted(name) : undefined
  const member = await hosted?.memberStatus().catch(() => undefined)
  const lastLinked: Record<string, string> = {}
  for (const peer of node.peers()) {
    const at = hosted?.lastLinkedAt(peer.name)
    if (at !== undefined) lastLinked[peer.name] = at
  }
  return {
    node: self,
    exists,
    replicated,
    status: hosted?.status ?? 'Status not available',
    control: state.control,
    preferredLocation: state.preferredLocation,
    member,
    lastLinked,
    lastFailure: hosted?.lastFailure,
    suspended: node.suspended,
    ...(state.blocked === undefined ? {} : { blocked: state.blocked }),
    ...(state.floatingIp === undefined ? {} : { floatingIp: state.floatingIp }),
    ...(hosted?.checkpointInstall === undefined
      ? {}
      : { checkpointInstall: hosted.checkpointInstall }),
    ...(hosted?.samples.fromLsn === undefined
      ? {}
      : { sync: { fromLsn: hosted.samples.fromLsn, samples: [...hosted.samples.all] } }),
  }
}
