/**
 * The node channel's handshake, the one place that decides whether a connection is a node of
 * this group (authentication is to be added here, and only here):
 *
 *   dialler  -> {"type":"hello","version":1,"group":"<group id>","from":"<node>"}
 *   listener <- {"type":"welcome","version":1,"node":"<node>"}
 *            or {"type":"refused","reason":"..."} and the connection closes
 *
 * The group id is derived from rdqm.ini's node names and addresses, so two groups on one network
 * (or a node whose rdqm.ini differs) refuse each other instead of mixing.
 */
import type { HaGroupDefinition } from '../rdqm-ini.js'
import type { NodeMessage } from './frames.js'

export const NODE_CHANNEL_VERSION = 1

export interface NodeIdentity {
  readonly groupId: string
  readonly node: string
  readonly members: readonly string[]
}

export function groupIdOf(group: HaGroupDefinition): string {
  return group.nodes.map((node) => `${node.name}@${node.replicationAddress}`).join(',')
}

export function identityOf(group: HaGroupDefinition, node: string): NodeIdentity {
  return { groupId: groupIdOf(group), node, members: group.nodes.map((each) => each.name) }
}

export function helloOf(identity: NodeIdentity): NodeMessage {
  return {
    type: 'hello',
    version: NODE_CHANNEL_VERSION,
    group: identity.groupId,
    from: identity.node,
  }
}

/** The listener's answer to a hello: welcome, or refused with the reason. */
export function answerHello(
  identity: NodeIdentity,
  hello: NodeMessage,
): { accepted: true; peer: string; reply: NodeMessage } | { accepted: false; reply: NodeMessage } {
  const refuse = (reason: string) => ({
    accepted: false as const,
    reply: { type: 'refused', reason },
  })
  if (hello['type'] !== 'hello') return refuse('expected hello')
  if (hello['version'] !== NODE_CHANNEL_VERSION)
    return refuse(`version ${String(hello['version'])}`)
  if (hello['group'] !== identity.groupId) return refuse('not a node of this HA group')
  const from = hello['from']
  if (typeof from !== 'string' || !identity.members.includes(from) || from === identity.node) {
    return refuse(`'${String(from)}' is not another node of this group`)
  }
  const reply = { type: 'welcome', version: NODE_CHANNEL_VERSION, node: identity.node }
  return { accepted: true, peer: from, reply }
}

/** The dialler's check of the answer: the reason if refused, else undefined. */
export function checkWelcome(expectedNode: string, answer: NodeMessage): string | undefined {
  if (answer['type'] === 'refused') return String(answer['reason'])
  if (answer['type'] !== 'welcome' || answer['node'] !== expectedNode) {
    return `answered as '${String(answer['node'])}', not '${expectedNode}'`
  }
  return undefined
}
