/**
 * rdqmint as a daemon command: the floating address of an HA queue manager, recorded in ha.json
 * on every node that answers (as rdqmadm -p records the preferred location), and taken or given
 * up at once by the node serving it. The address itself moves through the lifecycle hooks
 * (lifecycle-hooks.ts): `ip addr add` on the node that becomes primary, `del` on the others.
 *
 *   rdqmint {action:"add", queueManager, address, interface}   refused if one is set (AMQ3877E)
 *   rdqmint {action:"delete", queueManager}
 */
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { existingQueueManager, readConfig } from '../daemon/queue-manager-config.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import { requireJoined } from './ha-local.js'
import type { HaNode } from './ha-node.js'
import type { FloatingAddress } from './lifecycle-hooks.js'
import { readHaState, updateHaState } from './membership.js'

type Parameters = Readonly<Record<string, unknown>>

const ADDRESS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/
const INTERFACE = /^[A-Za-z0-9_.:-]{1,15}$/

/** An IPv4 address (prefix length optional) and a Linux interface name, or a failure. */
export function floatingAddressOf(address: unknown, device: unknown): FloatingAddress {
  const match = typeof address === 'string' ? ADDRESS.exec(address) : null
  const valid =
    match !== null &&
    match.slice(1, 5).every((part) => Number(part) <= 255) &&
    (match[6] === undefined || Number(match[6]) <= 32)
  if (!valid || typeof device !== 'string' || !INTERFACE.test(device)) {
    throw new CommandFailure('ARGUMENTS_NOT_VALID')
  }
  return { address: address as string, interface: device }
}

/** This node's record, and the serving member moves to it (node command ha-set-floating). */
export function setFloatingLocal(
  node: HaNode,
  name: string,
  floating: FloatingAddress | undefined,
): void {
  const paths = queueManagerPaths(node.paths, name)
  const previous = readHaState(paths).floatingIp
  updateHaState(paths, { floatingIp: floating })
  node.knownHosted(name)?.floatingChanged(previous)
}

export async function floatingAddressCommand(
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
  const add = parameters['action'] === 'add'
  const floating = add
    ? floatingAddressOf(parameters['address'], parameters['interface'])
    : undefined
  const existing = readHaState(paths).floatingIp
  if (add && existing !== undefined) {
    throw new CommandFailure('HA_FLOATING_IP_EXISTS', {
      queueManager: name,
      address: existing.address,
    })
  }
  setFloatingLocal(node, name, floating)
  const reply = new ReplyBuilder()
  const results = await node.requestPeers('ha-set-floating', { queueManager: name, floating })
  for (const result of results) {
    if (result.ok) continue
    const reason = result.error instanceof Error ? result.error.message : String(result.error)
    reply.print('HA_NODE_SKIPPED', { node: result.node, reason, advice: 'run rdqmint there' })
  }
  if (floating === undefined) {
    return reply
      .print('HA_FLOATING_IP_DELETED', { queueManager: name })
      .done({ queueManager: name })
  }
  return reply
    .print('HA_FLOATING_IP_SET', { queueManager: name, ...floating })
    .done({ queueManager: name, ...floating })
}
