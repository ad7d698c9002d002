/**
 * The node channel's handshake, the one place that decides whether a connection is a node of
 * this group: the group id and node names, then proof of the group's secret (rdqm.secret), the
 * replication links' HMAC challenge-response (src/security/link-auth.ts) with its own purpose,
 * so a proof recorded on one channel is worthless on the other:
 *
 *   dialler  -> {"type":"hello","version":2,"group":"<group id>","from":"<node>","challenge":c_d}
 *   listener <- {"type":"welcome","version":2,"node":"<node>","challenge":c_a,"proof":p_a}
 *            or {"type":"refused","reason":"..."} and the connection closes
 *   dialler  -> {"type":"proof","proof":p_d}   (after checking p_a; only then its request)
 *
 * Challenges and proofs are hex. Without a secret on either end, welcome carries no proof and
 * no proof frame follows; an end with a secret refuses an end without one, so a group cannot
 * drift into running half authenticated.
 *
 * The group id is derived from rdqm.ini's node names and addresses, so two groups on one network
 * (or a node whose rdqm.ini differs) refuse each other instead of mixing.
 */
import { LINK_CHALLENGE_BYTES, LINK_PROOF_BYTES } from '../../constants.js'
import {
  linkProof,
  newChallenge,
  proofMatches,
  type LinkRole,
  type LinkTranscript,
} from '../../security/link-auth.js'
import type { HaGroupDefinition } from '../rdqm-ini.js'
import type { NodeMessage } from './frames.js'

export const NODE_CHANNEL_VERSION = 2
/** link-auth.ts's purpose for this channel: its proofs do not pass on a replication link. */
export const NODE_CHANNEL_PURPOSE = 'ha-node-channel'

export interface NodeIdentity {
  readonly groupId: string
  readonly node: string
  readonly members: readonly string[]
  /** The group's shared secret (rdqm.secret); undefined when the group runs without one. */
  readonly secret?: Uint8Array
}

export function groupIdOf(group: HaGroupDefinition): string {
  return group.nodes.map((node) => `${node.name}@${node.replicationAddress}`).join(',')
}

export function identityOf(
  group: HaGroupDefinition,
  node: string,
  secret?: Uint8Array,
): NodeIdentity {
  const members = group.nodes.map((each) => each.name)
  return { groupId: groupIdOf(group), node, members, ...(secret ? { secret } : {}) }
}

/** What one end keeps between its hello (or welcome) and the other end's proof. */
export interface PendingProof {
  readonly transcript: LinkTranscript
  /** The role whose proof is awaited. */
  readonly from: LinkRole
}

function transcriptOf(
  identity: NodeIdentity,
  dialer: string,
  acceptor: string,
  challenges: { dialer: Uint8Array; acceptor: Uint8Array },
): LinkTranscript {
  return {
    purpose: NODE_CHANNEL_PURPOSE,
    dialer,
    acceptor,
    labels: [identity.groupId],
    dialerChallenge: challenges.dialer,
    acceptorChallenge: challenges.acceptor,
  }
}

function bytesOf(value: unknown, length: number): Buffer | undefined {
  if (typeof value !== 'string' || value.length !== length * 2 || !/^[0-9a-f]*$/.test(value)) {
    return undefined
  }
  return Buffer.from(value, 'hex')
}

export function helloOf(
  identity: NodeIdentity,
  challenge: Uint8Array = newChallenge(),
): NodeMessage {
  return {
    type: 'hello',
    version: NODE_CHANNEL_VERSION,
    group: identity.groupId,
    from: identity.node,
    ...(identity.secret ? { challenge: Buffer.from(challenge).toString('hex') } : {}),
  }
}

export type HelloAnswer =
  | { accepted: true; peer: string; reply: NodeMessage; pending?: PendingProof }
  | { accepted: false; reply: NodeMessage }

/** The listener's answer to a hello: welcome (with its proof), or refused with the reason. */
export function answerHello(
  identity: NodeIdentity,
  hello: NodeMessage,
  challenge: Uint8Array = newChallenge(),
): HelloAnswer {
  const refuse = (reason: string): HelloAnswer => ({
    accepted: false,
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
  const welcome = { type: 'welcome', version: NODE_CHANNEL_VERSION, node: identity.node }
  if (identity.secret === undefined) {
    if (hello['challenge'] !== undefined) return refuse('this node has no group secret')
    return { accepted: true, peer: from, reply: welcome }
  }
  const theirs = bytesOf(hello['challenge'], LINK_CHALLENGE_BYTES)
  if (theirs === undefined) return refuse('no challenge: this group requires its secret')
  const transcript = transcriptOf(identity, from, identity.node, {
    dialer: theirs,
    acceptor: challenge,
  })
  const proof = linkProof(identity.secret, 'acceptor', transcript)
  const reply = {
    ...welcome,
    challenge: Buffer.from(challenge).toString('hex'),
    proof: proof.toString('hex'),
  }
  return { accepted: true, peer: from, reply, pending: { transcript, from: 'dialer' } }
}

export type WelcomeCheck =
  { refused: string; proof?: undefined } | { refused?: undefined; proof?: NodeMessage }

/**
 * The dialler's check of the answer to `hello`: the reason if refused, else the proof frame to
 * send (undefined in a group without a secret).
 */
export function checkWelcome(
  identity: NodeIdentity,
  expectedNode: string,
  hello: NodeMessage,
  answer: NodeMessage,
): WelcomeCheck {
  if (answer['type'] === 'refused') return { refused: String(answer['reason']) }
  if (answer['type'] !== 'welcome' || answer['node'] !== expectedNode) {
    return { refused: `answered as '${String(answer['node'])}', not '${expectedNode}'` }
  }
  if (identity.secret === undefined) {
    if (answer['proof'] !== undefined) return { refused: 'the node requires a group secret' }
    return {}
  }
  const ours = bytesOf(hello['challenge'], LINK_CHALLENGE_BYTES)
  const theirs = bytesOf(answer['challenge'], LINK_CHALLENGE_BYTES)
  const proof = bytesOf(answer['proof'], LINK_PROOF_BYTES)
  if (ours === undefined || theirs === undefined || proof === undefined) {
    return { refused: 'the node did not prove the group secret' }
  }
  const transcript = transcriptOf(identity, identity.node, expectedNode, {
    dialer: ours,
    acceptor: theirs,
  })
  if (!proofMatches(identity.secret, 'acceptor', transcript, proof)) {
    return { refused: 'the node does not know the group secret' }
  }
  const mine = linkProof(identity.secret, 'dialer', transcript).toString('hex')
  return { proof: { type: 'proof', proof: mine } }
}

/** The listener's check of the dialler's proof frame: the reason if refused, else undefined. */
export function checkProof(
  identity: NodeIdentity,
  pending: PendingProof,
  message: NodeMessage,
): string | undefined {
  const proof = bytesOf(message['proof'], LINK_PROOF_BYTES)
  if (message['type'] !== 'proof' || proof === undefined) return 'expected the secret proof'
  if (!proofMatches(identity.secret!, pending.from, pending.transcript, proof)) {
    return 'wrong group secret'
  }
  return undefined
}
