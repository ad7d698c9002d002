/**
 * The pure parts of security, table by table: password hashes, the guessing throttle, authority
 * profiles and setmqaut's words, the link HMAC handshake decisions, the pre-auth gate and the
 * plaintext-listener rule.
 */
import { describe, expect, it } from 'vitest'
import { AuthThrottle } from '../../src/security/auth-throttle.js'
import {
  applyAuthorityChange,
  permissionForMqsc,
  permissionsOf,
} from '../../src/security/authority.js'
import { linkProof, proofMatches, type LinkTranscript } from '../../src/security/link-auth.js'
import { checkPlaintextListener, isLoopbackHost } from '../../src/security/listener-policy.js'
import { hashPassword, verifyPassword } from '../../src/security/password-hash.js'
import { parseAuthorityChange, SecurityCommandError } from '../../src/security/security-commands.js'
import { PreAuthGate } from '../../src/server/pre-auth-gate.js'
import {
  answerHello,
  helloFor,
  helloOkProblem,
  proofFor,
  proofProblem,
} from '../../src/wire/replication-handshake.js'
import { LinkMessageType, RefusalReason } from '../../src/wire/replication-protocol.js'

describe('password hashes', () => {
  it('verify the password they were made from and nothing else; salts differ', async () => {
    const first = await hashPassword('correct horse')
    const second = await hashPassword('correct horse')
    expect(first).not.toBe(second)
    expect(first.startsWith('scrypt$16384$8$1$')).toBe(true)
    expect(await verifyPassword('correct horse', first)).toBe(true)
    expect(await verifyPassword('correct hors', first)).toBe(false)
    expect(await verifyPassword('correct horse', undefined)).toBe(false)
    expect(await verifyPassword('correct horse', 'scrypt$garbage')).toBe(false)
  })
})

describe('guessing throttle', () => {
  it('blocks an address at its limit until its failures leave the window', () => {
    let now = 0
    const throttle = new AuthThrottle(() => now, { failuresMax: 3, windowMs: 100, addressesMax: 2 })
    for (let i = 0; i < 3; i++) throttle.recordFailure('10.0.0.1')
    expect(throttle.isBlocked('10.0.0.1')).toBe(true)
    expect(throttle.isBlocked('10.0.0.2')).toBe(false)
    now = 101
    expect(throttle.isBlocked('10.0.0.1')).toBe(false)
    throttle.recordFailure('a')
    throttle.recordFailure('b')
    throttle.recordFailure('c')
    expect(throttle.trackedAddresses).toBe(2)
  })
})

describe('authority', () => {
  const entries = applyAuthorityChange(
    applyAuthorityChange([], {
      principal: 'app',
      objectType: 'queue',
      profile: 'APP.*',
      grant: ['put', 'get'],
      revoke: [],
    }),
    { principal: 'app', objectType: 'queue', profile: 'APP.IN', grant: ['browse'], revoke: [] },
  )

  it('is the union of every matching profile, per principal and type', () => {
    expect([...permissionsOf(entries, 'app', 'queue', 'APP.IN')].sort()).toEqual([
      'browse',
      'get',
      'put',
    ])
    expect([...permissionsOf(entries, 'app', 'queue', 'OTHER')]).toEqual([])
    expect([...permissionsOf(entries, 'app', 'qmgr', 'APP.IN')]).toEqual([])
    expect([...permissionsOf(entries, 'someone', 'queue', 'APP.IN')]).toEqual([])
  })

  it('revokes before it grants, drops empty entries, and -remove drops the profile', () => {
    const change = parseAuthorityChange(['-n', 'APP.*', '-t', 'queue', '-p', 'app', '-all', '+inq'])
    expect(
      applyAuthorityChange(entries, change).find((e) => e.profile === 'APP.*')?.permissions,
    ).toEqual(['inq'])
    const revokeAll = parseAuthorityChange(['-n', 'APP.IN', '-t', 'queue', '-p', 'app', '-browse'])
    expect(applyAuthorityChange(entries, revokeAll).some((e) => e.profile === 'APP.IN')).toBe(false)
    const remove = parseAuthorityChange(['-n', 'APP.*', '-t', 'queue', '-p', 'app', '-remove'])
    expect(applyAuthorityChange(entries, remove).map((e) => e.profile)).toEqual(['APP.IN'])
  })

  it('refuses unknown authorities and types', () => {
    expect(() => parseAuthorityChange(['-n', 'Q', '-t', 'queue', '-p', 'u', '+fly'])).toThrow(
      SecurityCommandError,
    )
    expect(() => parseAuthorityChange(['-n', 'Q', '-t', 'topic', '-p', 'u', '+put'])).toThrow(
      SecurityCommandError,
    )
  })

  it.each([
    ['DISPLAY QLOCAL(*)', 'dsp'],
    ['dis qmgr', 'dsp'],
    ['DEFINE QLOCAL(A)', 'chg'],
    ['ALTER QLOCAL(A) MAXDEPTH(5)', 'chg'],
    ['DELETE QLOCAL(A)', 'dlt'],
    ['CLEAR QLOCAL(A)', 'clr'],
  ])('MQSC %s needs +%s on the queue manager', (command, permission) => {
    expect(permissionForMqsc(command)).toBe(permission)
  })
})

describe('link HMAC', () => {
  const transcript: LinkTranscript = {
    purpose: 'qmq-replication',
    dialer: 'a',
    acceptor: 'b',
    labels: ['QM', 'G'],
    dialerChallenge: new Uint8Array(32).fill(1),
    acceptorChallenge: new Uint8Array(32).fill(2),
  }
  const secret = Buffer.from('a-shared-secret-of-some-length')

  it('a proof is bound to the secret, the role and every transcript field', () => {
    const proof = linkProof(secret, 'dialer', transcript)
    expect(proofMatches(secret, 'dialer', transcript, proof)).toBe(true)
    expect(
      proofMatches(Buffer.from('another-secret-of-some-length'), 'dialer', transcript, proof),
    ).toBe(false)
    expect(proofMatches(secret, 'acceptor', transcript, proof)).toBe(false)
    expect(proofMatches(secret, 'dialer', { ...transcript, labels: ['QM', 'H'] }, proof)).toBe(
      false,
    )
    const otherChallenge = { ...transcript, acceptorChallenge: new Uint8Array(32).fill(3) }
    expect(proofMatches(secret, 'dialer', otherChallenge, proof)).toBe(false)
    expect(proofMatches(secret, 'dialer', transcript, proof.subarray(0, 31))).toBe(false)
  })

  const ident = (node: string, key?: string) => ({
    queueManager: 'QM',
    group: 'G',
    node,
    members: ['a', 'b'],
    secret: key === undefined ? undefined : Buffer.from(key),
  })

  it('the whole handshake: both ends prove, wrong secrets are caught on either side', () => {
    const hello = helloFor(ident('a', 'secret-number-one!'), 'b')
    const ok = answerHello(hello, ident('b', 'secret-number-one!'))
    expect(ok.type).toBe(LinkMessageType.HELLO_OK)
    if (ok.type !== LinkMessageType.HELLO_OK) return
    expect(helloOkProblem(ok, hello, ident('a', 'secret-number-one!'))).toBeUndefined()
    expect(helloOkProblem(ok, hello, ident('a', 'secret-number-two!'))).toMatch(
      /wrong shared secret/,
    )
    const proof = proofFor(ident('a', 'secret-number-one!'), hello, ok)
    expect(proofProblem(ident('b', 'secret-number-one!'), hello, ok, proof)).toBeUndefined()
    const forged = proofFor(ident('a', 'secret-number-two!'), hello, ok)
    expect(proofProblem(ident('b', 'secret-number-one!'), hello, ok, forged)).toMatch(
      /wrong shared secret/,
    )
  })

  it('a mechanism mismatch is AUTHENTICATION_FAILED both ways', () => {
    const plain = answerHello(helloFor(ident('a'), 'b'), ident('b', 'secret-number-one!'))
    expect(plain).toMatchObject({ reason: RefusalReason.AUTHENTICATION_FAILED })
    const secured = answerHello(helloFor(ident('a', 'secret-number-one!'), 'b'), ident('b'))
    expect(secured).toMatchObject({ reason: RefusalReason.AUTHENTICATION_FAILED })
  })
})

describe('pre-auth gate and listener rule', () => {
  it('caps connections per address and in all, and gives slots back once', () => {
    const gate = new PreAuthGate({ total: 3, perAddress: 2 })
    expect(gate.admit('x:1', 'x')).toBe(true)
    expect(gate.admit('x:2', 'x')).toBe(true)
    expect(gate.admit('x:3', 'x')).toBe(false)
    expect(gate.admit('y:1', 'y')).toBe(true)
    expect(gate.admit('z:1', 'z')).toBe(false)
    gate.release('x:1')
    gate.release('x:1')
    expect(gate.heldCount).toBe(2)
    expect(gate.admit('x:4', 'x')).toBe(true)
    expect(gate.refusedCount).toBe(2)
  })

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.3', true],
    ['::1', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['10.1.2.3', false],
    ['::', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
    const check = (): void => checkPlaintextListener(host, false, false)
    if (loopback) expect(check).not.toThrow()
    else expect(check).toThrow(/refusing to listen in plain TCP/)
    expect(() => checkPlaintextListener(host, true, false)).not.toThrow()
    expect(() => checkPlaintextListener(host, false, true)).not.toThrow()
  })
})
