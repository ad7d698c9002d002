/**
 * A node's HA group membership and its HA queue managers' HA state, on disk:
 *
 *   QMQ_HOME/rdqm.ini            the group as the administrator wrote it (rdqm-ini.ts)
 *   QMQ_HOME/ha-group.json       written by rdqmadm -c: the group as read then (rdqm.ini is "not
 *                                dynamic", as RDQM's: edits take effect at the next rdqmadm -c),
 *                                and whether the node is suspended (rdqmadm -s/-r)
 *   QMQ_HOME/qmgrs/<QM>/ha.json  HA control (enabled by strmqm, disabled by endmqm; a restarted
 *                                qmqd starts the enabled ones as members), preferred location,
 *                                failed-start ban, floating address (rdqmint)
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { CommandFailure } from '../daemon/command-failure.js'
import type { NodePaths, QueueManagerPaths } from '../daemon/node-paths.js'
import { writeJsonAtomically } from '../daemon/queue-manager-config.js'
import { isQmqError } from '../errors.js'
import {
  findNode,
  parseRdqmIni,
  type HaGroupDefinition,
  type HaNodeDefinition,
} from './rdqm-ini.js'

export interface HaMembership {
  readonly formatVersion: 1
  readonly self: string
  readonly group: HaGroupDefinition
  readonly joinedAt: string
  /** rdqmadm -s: no member runs here and this node takes no replication until rdqmadm -r. */
  readonly suspended?: boolean
  /** rdqmadm -c with QMQ_HA_ALLOW_NO_SECRET=1: a non-loopback group may run without a secret. */
  readonly allowNoSecret?: boolean
}

export interface HaState {
  readonly control: 'enabled' | 'disabled'
  readonly preferredLocation?: string
  /** Set once the queue manager has run as a member: its ports can no longer be changed. */
  readonly started?: boolean
  /** A failed-start ban (as Pacemaker's): the member failed to open or failed here, so this
   *  node does not open it again until rdqmadm -r clears the ban ("HA blocked location"). */
  readonly blocked?: { readonly at: string; readonly reason: string }
  /** rdqmint -a: the address the node serving the queue manager holds (lifecycle-hooks.ts). */
  readonly floatingIp?: { readonly address: string; readonly interface: string }
}

export function rdqmIniPath(node: NodePaths): string {
  return join(node.home, 'rdqm.ini')
}

function membershipPath(node: NodePaths): string {
  return join(node.home, 'ha-group.json')
}

export function haStatePath(paths: QueueManagerPaths): string {
  return join(paths.root, 'ha.json')
}

/** rdqm.ini parsed and checked to name `self`: what rdqmadm -c joins. */
export function readRdqmIni(node: NodePaths, self: string): HaGroupDefinition {
  let text: string
  try {
    text = fs.readFileSync(rdqmIniPath(node), 'utf8')
  } catch (error) {
    const reason = `${rdqmIniPath(node)}: ${(error as Error).message}`
    throw new CommandFailure('HA_INI_NOT_VALID', { reason })
  }
  let group: HaGroupDefinition
  try {
    group = parseRdqmIni(text)
  } catch (error) {
    if (!isQmqError(error)) throw error
    throw new CommandFailure('HA_INI_NOT_VALID', { reason: error.message })
  }
  if (findNode(group, self) === undefined)
    throw new CommandFailure('HA_NODE_NOT_NAMED', { node: self })
  return group
}

export function readMembership(node: NodePaths): HaMembership | undefined {
  try {
    return JSON.parse(fs.readFileSync(membershipPath(node), 'utf8')) as HaMembership
  } catch {
    return undefined
  }
}

export function writeMembership(node: NodePaths, membership: HaMembership): void {
  writeJsonAtomically(membershipPath(node), membership)
}

export function removeMembership(node: NodePaths): void {
  fs.rmSync(membershipPath(node), { force: true })
}

export function readHaState(paths: QueueManagerPaths): HaState {
  try {
    return JSON.parse(fs.readFileSync(haStatePath(paths), 'utf8')) as HaState
  } catch {
    return { control: 'disabled' }
  }
}

export function writeHaState(paths: QueueManagerPaths, state: HaState): void {
  writeJsonAtomically(haStatePath(paths), state)
}

/** Read, change, write: each field kept unless `change` names it (undefined removes it). */
export function updateHaState(paths: QueueManagerPaths, change: Partial<HaState>): HaState {
  const next: Record<string, unknown> = { ...readHaState(paths), ...change }
  for (const key of Object.keys(next)) if (next[key] === undefined) delete next[key]
  writeHaState(paths, next as unknown as HaState)
  return next as unknown as HaState
}

export function selfDefinition(membership: HaMembership): HaNodeDefinition {
  return findNode(membership.group, membership.self)!
}

export function peerDefinitions(membership: HaMembership): HaNodeDefinition[] {
  return membership.group.nodes.filter((node) => node.name !== membership.self)
}
