/**
 * The acceptor's decision on a HELLO, a pure function so every refusal is a table test: the
 * version both ends speak, then who is calling and for what. Checks run in a fixed order and the
 * first failure is the reason given, so a peer that is wrong in several ways always hears the
 * same one, the most basic first (a peer that speaks no common version may misread the rest).
 *
 * Authentication: a node configured with the group's shared secret requires mechanism 1
 * (HMAC_SHA256, src/security/link-auth.ts) and one without requires mechanism 0 (none); any
 * mismatch is refused as AUTHENTICATION_FAILED, so an authenticating node never links to one that
 * is not. With HMAC the acceptor's HELLO_OK carries its challenge and proof, the dialer checks
 * the proof (helloOkProblem) and answers HELLO_PROOF, which the acceptor checks (proofProblem)
 * before it binds the link.
 */
import { assert } from '../assert.js'
import { LINK_CHALLENGE_BYTES, LINK_PROOF_BYTES } from '../constants.js'
import {
  linkProof,
  newChallenge,
  proofMatches,
  type LinkTranscript,
} from '../security/link-auth.js'
import {
  AuthMechanism,
  LinkMessageType,
  REPLICATION_MIN_PROTOCOL_VERSION,
  REPLICATION_PROTOCOL_VERSION,
  RefusalReason,
  type HelloFrame,
  type HelloOkFrame,
  type HelloProofFrame,
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
  /** The group's shared secret: when set, links authenticate with HMAC_SHA256 both ways. */
  readonly secret?: Uint8Array
}

const PURPOSE = 'qmq-replication'
const NO_AUTH = new Uint8Array(0)

function transcriptOf(
  identity: LinkIdentity,
  hello: HelloFrame,
  acceptorChallenge: Uint8Array,
): LinkTranscript {
  return {
    purpose: PURPOSE,
    dialer: hello.fromNode,
    acceptor: hello.toNode,
    labels: [identity.queueManager, identity.group],
    dialerChallenge: hello.auth,
    acceptorChallenge,
  }
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
export function helloFor(
  identity: LinkIdentity,
  toNode: string,
  challenge: Uint8Array = newChallenge(),
): HelloFrame {
  const secured = identity.secret !== undefined
  return {
    type: LinkMessageType.HELLO,
    minVersion: identity.minVersion ?? REPLICATION_MIN_PROTOCOL_VERSION,
    maxVersion: identity.maxVersion ?? REPLICATION_PROTOCOL_VERSION,
    queueManager: identity.queueManager,
    group: identity.group,
    fromNode: identity.node,
    toNode,
    authMechanism: secured ? AuthMechanism.HMAC_SHA256 : AuthMechanism.NONE,
    auth: secured ? challenge : NO_AUTH,
  }
}

function refuse(reason: RefusalReason, message: string): HelloRefusedFrame {
  return { type: LinkMessageType.HELLO_REFUSED, reason, message }
}

/** HELLO_OK, or HELLO_REFUSED with the first reason that applies. */
export function answerHello(
  hello: HelloFrame,
  identity: LinkIdentity,
  challenge: Uint8Array = newChallenge(),
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
  const authProblem = helloAuthProblem(hello, identity)
  if (authProblem !== undefined) return refuse(RefusalReason.AUTHENTICATION_FAILED, authProblem)
  const secret = identity.secret
  const ok = { type: LinkMessageType.HELLO_OK, version, node: identity.node } as const
  if (secret === undefined) return { ...ok, authMechanism: AuthMechanism.NONE, auth: NO_AUTH }
  const proof = linkProof(secret, 'acceptor', transcriptOf(identity, hello, challenge))
  const auth = new Uint8Array(LINK_CHALLENGE_BYTES + LINK_PROOF_BYTES)
  auth.set(challenge.subarray(0, LINK_CHALLENGE_BYTES))
  auth.set(proof, LINK_CHALLENGE_BYTES)
  return { ...ok, authMechanism: AuthMechanism.HMAC_SHA256, auth }
}

function helloAuthProblem(hello: HelloFrame, identity: LinkIdentity): string | undefined {
  const offered = `mechanism ${hello.authMechanism} with ${hello.auth.length} bytes`
  if (identity.secret === undefined) {
    if (hello.authMechanism === AuthMechanism.NONE && hello.auth.length === 0) return undefined
    return `${offered}; this node has no shared secret and expects none (0)`
  }
  if (hello.authMechanism !== AuthMechanism.HMAC_SHA256) {
    return `${offered}; this group requires HMAC-SHA256 (1) with its shared secret`
  }
  if (hello.auth.length !== LINK_CHALLENGE_BYTES) {
    return `${offered}; an HMAC-SHA256 challenge is ${LINK_CHALLENGE_BYTES} bytes`
  }
  return undefined
}

/** The acceptor's challenge in its HELLO_OK (HMAC_SHA256). */
function acceptorChallengeOf(ok: HelloOkFrame): Uint8Array {
  return ok.auth.subarray(0, LINK_CHALLENGE_BYTES)
}

/** The dialer's answer to a checked HELLO_OK: its proof over both challenges. */
export function proofFor(
  identity: LinkIdentity,
  hello: HelloFrame,
  ok: HelloOkFrame,
): HelloProofFrame {
  const secret = identity.secret
  assert(secret !== undefined, 'a proof is sent only with a secret')
  const transcript = transcriptOf(identity, hello, acceptorChallengeOf(ok))
  return { type: LinkMessageType.HELLO_PROOF, proof: linkProof(secret, 'dialer', transcript) }
}

/**
 * The acceptor's check of HELLO_PROOF against the HELLO it accepted and the HELLO_OK it sent.
 * Returns what is wrong, or undefined; a wrong proof closes the link before any record.
 */
export function proofProblem(
  identity: LinkIdentity,
  hello: HelloFrame,
  ok: HelloOkFrame,
  frame: HelloProofFrame,
): string | undefined {
  const secret = identity.secret
  assert(secret !== undefined, 'a proof is checked only with a secret')
  const transcript = transcriptOf(identity, hello, acceptorChallengeOf(ok))
  if (proofMatches(secret, 'dialer', transcript, frame.proof)) return undefined
  return `node ${hello.fromNode} failed the HMAC challenge: wrong shared secret`
}

/**
 * The dialer's check of the acceptor's HELLO_OK: the node it meant to reach, in a version it
 * offered. Returns what is wrong, or undefined; a wrong answer ends the link like a bad frame.
 */
export function helloOkProblem(
  ok: HelloOkFrame,
  hello: HelloFrame,
  identity?: LinkIdentity,
): string | undefined {
  if (ok.node !== hello.toNode) return `answered by node ${ok.node}, not ${hello.toNode}`
  if (ok.version < hello.minVersion || ok.version > hello.maxVersion) {
    return `version ${ok.version} chosen, ${hello.minVersion}..${hello.maxVersion} offered`
  }
  const secret = identity?.secret
  if (secret === undefined) {
    if (ok.authMechanism === AuthMechanism.NONE && ok.auth.length === 0) return undefined
    return `authentication mechanism ${ok.authMechanism} answered; none (0) was offered`
  }
  if (ok.authMechanism !== AuthMechanism.HMAC_SHA256) {
    return `authentication mechanism ${ok.authMechanism} answered; HMAC-SHA256 (1) is required`
  }
  if (ok.auth.length !== LINK_CHALLENGE_BYTES + LINK_PROOF_BYTES) {
    return `HELLO_OK auth of ${ok.auth.length} bytes, not a challenge and a proof`
  }
  const transcript = transcriptOf(identity!, hello, acceptorChallengeOf(ok))
  const proof = ok.auth.subarray(LINK_CHALLENGE_BYTES)
  if (proofMatches(secret, 'acceptor', transcript, proof)) return undefined
  return `node ${ok.node} failed the HMAC challenge: wrong shared secret`
}
