/**
 * Mutual challenge-response with a shared secret, as DRBD's cram-hmac-alg: each end sends a
 * fresh random challenge and proves it knows the secret by returning HMAC-SHA256 over both
 * challenges and the link's identity, with its own role in the MAC so a proof cannot be
 * reflected back to its sender. The secret itself never travels, and a recorded exchange is
 * useless later (the other end's challenge is new each time).
 *
 *   dialer                                              acceptor
 *   challenge_d = random(32)   ── HELLO(..., c_d) ────▶  check identity; challenge_a = random
 *   verify proof_a             ◀── HELLO_OK(c_a, proof_a = MAC("acceptor", transcript))
 *   proof_d = MAC("dialer", …) ── HELLO_PROOF(proof_d) ▶ verify, then (only then) bind the link
 *
 * transcript = purpose, the two node names, the labels (queue manager, group), c_d, c_a: each
 * length-prefixed, so no two different transcripts are the same bytes.
 *
 * Pure functions, no sockets: the replication links use it in their HELLO exchange
 * (src/actors/replication/peer-links.ts), and any other daemon-to-daemon channel can use it with
 * its own `purpose` so proofs of one channel are worthless on another.
 *
 * What it does not do: it authenticates the start of a connection, not each frame after it. An
 * attacker who can rewrite TCP segments mid-stream could inject frames into an authenticated
 * plain link (as with DRBD); TLS on the links closes that (SECURITY.md).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { assert } from '../assert.js'
import { LINK_CHALLENGE_BYTES, LINK_PROOF_BYTES, LINK_SECRET_MIN_BYTES } from '../constants.js'

/** The mechanism number carried in a replication HELLO's authMechanism field. */
export const LINK_AUTH_HMAC_SHA256 = 1

export type LinkRole = 'dialer' | 'acceptor'

export interface LinkTranscript {
  /** Which channel this is ('replication', 'ha-control', ...): proofs do not cross channels. */
  readonly purpose: string
  readonly dialer: string
  readonly acceptor: string
  /** What else both ends must agree on (queue manager, group). */
  readonly labels: readonly string[]
  readonly dialerChallenge: Uint8Array
  readonly acceptorChallenge: Uint8Array
}

export function newChallenge(): Buffer {
  return randomBytes(LINK_CHALLENGE_BYTES)
}

/** A configured secret is long enough to resist an offline guess from a recorded exchange. */
export function checkSecret(secret: Uint8Array): string | undefined {
  if (secret.length >= LINK_SECRET_MIN_BYTES) return undefined
  return `the shared secret is ${secret.length} bytes; at least ${LINK_SECRET_MIN_BYTES} are needed`
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const prefix = Buffer.alloc(4)
  prefix.writeUInt32LE(bytes.length)
  return Buffer.concat([prefix, bytes])
}

export function linkProof(secret: Uint8Array, role: LinkRole, transcript: LinkTranscript): Buffer {
  assert(secret.length > 0, 'link proof: a secret is configured')
  const mac = createHmac('sha256', secret)
  const texts = [transcript.purpose, role, transcript.dialer, transcript.acceptor]
  for (const text of [...texts, ...transcript.labels]) {
    mac.update(lengthPrefixed(Buffer.from(text, 'utf8')))
  }
  mac.update(lengthPrefixed(transcript.dialerChallenge))
  mac.update(lengthPrefixed(transcript.acceptorChallenge))
  const proof = mac.digest()
  assert(proof.length === LINK_PROOF_BYTES, 'link proof: HMAC-SHA256 is 32 bytes')
  return proof
}

/** Constant-time check of the other end's proof (any length is refused in constant time too). */
export function proofMatches(
  secret: Uint8Array,
  role: LinkRole,
  transcript: LinkTranscript,
  proof: Uint8Array,
): boolean {
  const expected = linkProof(secret, role, transcript)
  const given = Buffer.alloc(LINK_PROOF_BYTES)
  given.set(proof.subarray(0, LINK_PROOF_BYTES))
  return timingSafeEqual(expected, given) && proof.length === LINK_PROOF_BYTES
}
