/**
 * The HA group's shared secret: QMQ_HOME/rdqm.secret, the same bytes on the three nodes, mode
 * 0600 (refused if group or others may read it, as ssh refuses an open key). It authenticates
 * both daemon-to-daemon channels of the group: the HA queue managers' replication links (the
 * member's HMAC challenge-response) and the node channel's handshake, each with its own purpose.
 *
 * Without the file a group whose HA_Replication addresses are all loopback still joins (one
 * machine: development and tests; the node logs a warning), because only local processes can
 * reach its ports; a group on a network does not, unless the operator says so explicitly
 * (QMQ_HA_ALLOW_NO_SECRET=1 for rdqmadm -c, recorded in ha-group.json), the same rule as plain
 * TCP on a client listener (src/security/listener-policy.ts).
 *
 * The secret is read when the node joins (rdqmadm -c) and when qmqd starts; changing it means
 * stopping qmqd on the three nodes, replacing the file, and starting them again.
 */
import fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { HA_GROUP_SECRET_RANDOM_BYTES } from '../constants.js'
import { CommandFailure } from '../daemon/command-failure.js'
import type { NodePaths } from '../daemon/node-paths.js'
import { isQmqError } from '../errors.js'
import { isLoopbackHost } from '../security/listener-policy.js'
import { readSecretFile } from '../security/link-security.js'
import type { HaGroupDefinition } from './rdqm-ini.js'

export function groupSecretPath(node: NodePaths): string {
  return join(node.home, 'rdqm.secret')
}

/** rdqm.secret's bytes, or undefined when there is none; a weak or open file is an error. */
export function readGroupSecret(node: NodePaths): Uint8Array | undefined {
  const path = groupSecretPath(node)
  let mode: number
  try {
    mode = fs.statSync(path).mode
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new CommandFailure('HA_SECRET_NOT_VALID', { reason: `${path}: ${String(error)}` })
  }
  if ((mode & 0o077) !== 0) {
    const reason = `${path} may be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`
    throw new CommandFailure('HA_SECRET_NOT_VALID', { reason })
  }
  try {
    return readSecretFile(path)
  } catch (error) {
    if (!isQmqError(error)) throw error
    throw new CommandFailure('HA_SECRET_NOT_VALID', { reason: error.message })
  }
}

export function isLoopbackGroup(group: HaGroupDefinition): boolean {
  return group.nodes.every((node) => isLoopbackHost(node.replicationAddress))
}

/**
 * The secret this node's group runs with: rdqm.secret, or none where that is allowed (a
 * loopback group, or the operator's explicit choice); otherwise HA_SECRET_REQUIRED.
 */
export function groupSecretFor(
  node: NodePaths,
  group: HaGroupDefinition,
  allowNoSecret: boolean,
): Uint8Array | undefined {
  const secret = readGroupSecret(node)
  if (secret !== undefined || allowNoSecret || isLoopbackGroup(group)) return secret
  throw new CommandFailure('HA_SECRET_REQUIRED', { path: groupSecretPath(node) })
}

/** rdqmadm -k: a new random secret, 0600, never over an existing one (the group would split). */
export function createGroupSecret(node: NodePaths): string {
  const path = groupSecretPath(node)
  const text = `${randomBytes(HA_GROUP_SECRET_RANDOM_BYTES).toString('base64')}\n`
  fs.mkdirSync(node.home, { recursive: true, mode: 0o700 })
  try {
    fs.writeFileSync(path, text, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    throw new CommandFailure('HA_SECRET_NOT_VALID', {
      reason: `${path} exists already; remove it first to replace the group's secret`,
    })
  }
  return path
}
