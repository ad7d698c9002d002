/**
 * Who a client is and what it may do: connection authentication (MQ's CONNAUTH with CHCKCLNT)
 * and object authority, from the queue manager's security files (security-files.ts). The
 * server asks it once per connection (authenticate) and once per MQOPEN or MQSC script
 * (authorize); it never sees a password itself.
 *
 * | client presents                       | CHCKCLNT OPTIONAL        | CHCKCLNT REQUIRED        |
 * |---------------------------------------|--------------------------|--------------------------|
 * | user id and password                  | checked: that user or 2035 | the same               |
 * | a client certificate the CA trusts    | its subject CN is the user | the same               |
 * | a certificate the CA does not trust,  | 2035, reason logged      | 2035                     |
 * |   or one that is revoked (CRL)        |                          |                          |
 * | nothing                               | the administrator        | 2035                     |
 *
 * A client that presents nothing under OPTIONAL runs as the administrator, as an MQ client
 * asserting the mqm user id on a channel with no MCAUSER does: OPTIONAL is for development and
 * for the loopback listener; REQUIRED is for anything reachable from elsewhere (SECURITY.md).
 * The administrator is the OS user running the daemon (this system's "mqm"): every authority,
 * as MQ's mqm group has. Every other user holds only what setmqaut gave it.
 */
import os from 'node:os'
import { AUTH_FAILURE_DELAY_MS, MAX_USER_NAME_BYTES } from '../constants.js'
import type { Logger } from '../log.js'
import { AuthThrottle } from './auth-throttle.js'
import { permissionsOf, type ObjectType, type Permission } from './authority.js'
import { verifyPassword } from './password-hash.js'
import {
  WatchedFile,
  parseAuthorities,
  parsePolicy,
  parseUsers,
  type SecurityPaths,
} from './security-files.js'

export type AuthenticationMethod = 'anonymous' | 'password' | 'certificate'

export interface Principal {
  readonly user: string
  readonly administrator: boolean
  readonly method: AuthenticationMethod
}

/** What TLS established about the client's certificate, if it sent one. */
export interface PeerCertificate {
  /** The subject's common name ('' when it has none). */
  readonly commonName: string
  /** The CA chain verified and no CRL revoked it. */
  readonly trusted: boolean
  /** OpenSSL's reason when not trusted (CERT_REVOKED, UNABLE_TO_VERIFY_LEAF_SIGNATURE...). */
  readonly problem: string | undefined
}

export interface AuthenticationRequest {
  /** The client's address, for the log and the per-address guessing limit. */
  readonly address: string
  readonly credentials: { readonly userId: string; readonly password: string } | undefined
  readonly certificate: PeerCertificate | undefined
}

export type AuthenticationOutcome =
  | { readonly accepted: true; readonly principal: Principal }
  | { readonly accepted: false; readonly why: string }

/** The server's view: the listener depends on this, not on files. */
export interface ClientGuard {
  authenticate(request: AuthenticationRequest): Promise<AuthenticationOutcome>
  /** Undefined when allowed; otherwise why not (the AMQ-style text sent with 2035). */
  authorize(
    principal: Principal,
    objectType: ObjectType,
    name: string,
    needed: readonly Permission[],
  ): string | undefined
}

/** The OS user running this process: the administrator ("mqm") of its queue managers. */
export function administratorName(): string {
  return os.userInfo().username
}

export interface GuardOptions {
  readonly paths: SecurityPaths
  readonly logger: Logger
  readonly administrator?: string
  /** Delay before a refusal is answered; AUTH_FAILURE_DELAY_MS unless a test shortens it. */
  readonly failureDelayMs?: number
  readonly throttle?: AuthThrottle
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export class FileClientGuard implements ClientGuard {
  private readonly users: WatchedFile<Map<string, string>>
  private readonly authorities
  private readonly policy: WatchedFile<'OPTIONAL' | 'REQUIRED'>
  private readonly administrator: string
  private readonly throttle: AuthThrottle
  private readonly failureDelayMs: number

  constructor(private readonly options: GuardOptions) {
    this.users = new WatchedFile(options.paths.users, parseUsers)
    this.authorities = new WatchedFile(options.paths.authorities, parseAuthorities)
    this.policy = new WatchedFile(options.paths.policy, parsePolicy)
    this.administrator = options.administrator ?? administratorName()
    this.throttle = options.throttle ?? new AuthThrottle()
    this.failureDelayMs = options.failureDelayMs ?? AUTH_FAILURE_DELAY_MS
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationOutcome> {
    const outcome = await this.decide(request)
    if (outcome.accepted) return outcome
    this.throttle.recordFailure(request.address)
    const user = request.credentials?.userId ?? request.certificate?.commonName
    this.options.logger.warn(
      { address: request.address, user, why: outcome.why },
      'AMQ5534E: client authentication failed (2035 MQRC_NOT_AUTHORIZED)',
    )
    await sleep(this.failureDelayMs)
    return outcome
  }

  authorize(
    principal: Principal,
    objectType: ObjectType,
    name: string,
    needed: readonly Permission[],
  ): string | undefined {
    if (principal.administrator) return undefined
    const held = permissionsOf(this.authorities.current(), principal.user, objectType, name)
    const missing = needed.filter((permission) => !held.has(permission))
    if (missing.length === 0) return undefined
    const lacking = missing.map((permission) => `+${permission}`).join(' ')
    const what = objectType === 'qmgr' ? `queue manager ${name}` : `queue ${name}`
    return `AMQ8135E: Not authorized: user ${principal.user} lacks ${lacking} on ${what}`
  }

  private async decide(request: AuthenticationRequest): Promise<AuthenticationOutcome> {
    if (this.throttle.isBlocked(request.address)) {
      return refused(`too many failed attempts from ${request.address}: try again later`)
    }
    const { credentials, certificate } = request
    if (certificate !== undefined && !certificate.trusted) {
      return refused(`client certificate not accepted: ${certificate.problem ?? 'untrusted'}`)
    }
    if (credentials !== undefined) return this.checkPassword(credentials)
    if (certificate !== undefined && certificate.commonName !== '') {
      return this.accept(certificate.commonName, 'certificate')
    }
    if (this.policy.current() === 'REQUIRED') {
      return refused('credentials are required (CHCKCLNT REQUIRED) and none were given')
    }
    return this.accept(this.administrator, 'anonymous')
  }

  private async checkPassword(credentials: {
    readonly userId: string
    readonly password: string
  }): Promise<AuthenticationOutcome> {
    const { userId, password } = credentials
    const stored = validUserName(userId) ? this.users.current().get(userId) : undefined
    // Always one scrypt, known user or not: the answer's timing does not tell which.
    const matches = await verifyPassword(password, stored)
    if (!matches) return refused(`user id ${JSON.stringify(userId)} or its password is wrong`)
    return this.accept(userId, 'password')
  }

  private accept(user: string, method: AuthenticationMethod): AuthenticationOutcome {
    return {
      accepted: true,
      principal: { user, method, administrator: user === this.administrator },
    }
  }
}

function refused(why: string): AuthenticationOutcome {
  return { accepted: false, why }
}

const USER_NAME = new RegExp(`^[A-Za-z0-9._@-]{1,${MAX_USER_NAME_BYTES}}$`)

export function validUserName(name: string): boolean {
  return USER_NAME.test(name)
}
