/**
 * The acceptor's decision on a HELLO, a pure function so every refusal is a table test: the
 * version both ends speak, then who is calling and for what. Checks run in a fixed order and the
 * first failure is the reason given, so a peer that is wrong in several ways always hears the
 * same one, the most basic first (a peer that speaks no common version may misread the rest).
 *
 * Authentication is reserved for the security issue's HMAC challenge: version 1 accepts
 * mechanism 0 (none) with an empty section only, and refuses anything else as
 * AUTHENTICATION_FAILED, so a peer configured for authentication never links to one that is not.
 */
import {
  AuthMechanism,
  LinkMessageType,
  REPLICATION_MIN_PROTOCOL_VERSION,
  REPLICATION_PROTOCOL_VERSION,
  RefusalReason,
  type HelloFrame,
  type HelloOkFrame,
  type HelloRefusedFrame,
} from './replication-frames.js'

/** What the accepting node knows about itself and its group. */
export interface LinkIdentity {
  readonly queueManager: string
  readonly group: string
  readonly node: string
  /** Every member's node name, this node's included. */
  readonly members: readonly string[]
  readonly minVersion?: number
  readonly maxVersion?: number
}

/** The highest version in both ranges, or undefined when they do not overlap. */
export function chooseReplicationVersion(
  theirs: { readonly minVersion: number; readonly maxVersion: number },
  ownMin: number = REPLICATION_MIN_PROTOCOL_VERSION,
  ownMax: number = REPLICATION_PROTOCOL_VERSION,
): number | undefined {
  const highest = Math.min(theirs.maxVersion, ownMax)
  return highest >= Math.max(theirs.minVersion, ownMin) ? highest : undefined
}

/** The HELLO a dialer sends to reach `toNode` for `identity`'s queue manager and group. */
export function helloFor(identity: LinkIdentity, toNode: string): HelloFrame {
  return {
    type: LinkMessageType.HELLO,
    minVersion: identity.minVersion ?? REPLICATION_MIN_PROTOCOL_VERSION,
    maxVersion: identity.maxVersion ?? REPLICATION_PROTOCOL_VERSION,
    queueManager: identity.queueManager,
    group: identity.group,
    fromNode: identity.node,
    toNode,
    authMechanism: AuthMechanism.NONE,
    auth: new Uint8Array(0),
  }
}

function refuse(reason: RefusalReason, message: string): HelloRefusedFrame {
  return { type: LinkMessageType.HELLO_REFUSED, reason, message }
}

/** HELLO_OK, or HELLO_REFUSED with the first reason that applies. */
export function answerHello(
  hello: HelloFrame,
  identity: LinkIdentity,
): HelloOkFrame | HelloRefusedFrame {
  const ownMin = identity.minVersion ?? REPLICATION_MIN_PROTOCOL_VERSION
  const ownMax = identity.maxVersion ?? REPLICATION_PROTOCOL_VERSION
  const version = chooseReplicationVersion(hello, ownMin, ownMax)
  if (version === undefined) {
    const detail = `versions ${hello.minVersion}..${hello.maxVersion} offered, ${ownMin}..${ownMax} spoken`
    return refuse(RefusalReason.UNSUPPORTED_VERSION, detail)
  }
  if (hello.queueManager !== identity.queueManager) {
    const detail = `queue manager ${hello.queueManager} asked for, this is ${identity.queueManager}`
    return refuse(RefusalReason.WRONG_QUEUE_MANAGER, detail)
  }
  if (hello.group !== identity.group) {
    const detail = `group ${hello.group} asked for, this node is in ${identity.group}`
    return refuse(RefusalReason.WRONG_GROUP, detail)
  }
  if (hello.toNode !== identity.node) {
    return refuse(
      RefusalReason.WRONG_NODE,
      `node ${hello.toNode} asked for, this is ${identity.node}`,
    )
  }
  if (hello.fromNode === identity.node || !identity.members.includes(hello.fromNode)) {
    const detail = `node ${hello.fromNode} is not another member of group ${identity.group}`
    return refuse(RefusalReason.NOT_A_MEMBER, detail)
  }
  if (hello.authMechanism !== AuthMechanism.NONE || hello.auth.length > 0) {
    const detail = `mechanism ${hello.authMechanism} with ${hello.auth.length} bytes; only none (0) is known`
    return refuse(RefusalReason.AUTHENTICATION_FAILED, detail)
  }
  return {
    type: LinkMessageType.HELLO_OK,
    version,
    node: identity.node,
    authMechanism: AuthMechanism.NONE,
    auth: new Uint8Array(0),
  }
}

/**
 * The dialer's check of the acceptor's HELLO_OK: the node it meant to reach, in a version it
 * offered. Returns what is wrong, or undefined; a wrong answer ends the link like a bad frame.
 */
export function helloOkProblem(ok: HelloOkFrame, hello: HelloFrame): string | undefined {
  if (ok.node !== hello.toNode) return `answered by node ${ok.node}, not ${hello.toNode}`
  if (ok.version < hello.minVersion || ok.version > hello.maxVersion) {
    return `version ${ok.version} chosen, ${hello.minVersion}..${hello.maxVersion} offered`
  }
  if (ok.authMechanism !== AuthMechanism.NONE || ok.auth.length > 0) {
    return `authentication mechanism ${ok.authMechanism} answered; only none (0) is known`
  }
  return undefined
}
