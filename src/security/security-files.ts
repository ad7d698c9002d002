/**
 * The security files of one queue manager, in `<queue manager directory>/security/` (mode 0700;
 * files 0600, so only the owning OS user, the "mqm" of this system, and root read them):
 *
 *   users.json        { formatVersion: 1, users: { NAME: "scrypt$N$r$p$salt$hash" } }
 *   authorities.json  { formatVersion: 1, entries: AuthorityEntry[] }
 *   policy.json       { formatVersion: 1, chckclnt: "OPTIONAL" | "REQUIRED" }
 *
 * Commands (qmqusr, setmqaut, dspmqaut) write them by temporary file and rename; the running
 * listener rereads a file when its modification time or size changes (one stat per check), so a
 * revoked user or authority takes effect at the next connection or MQOPEN without a restart.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { QmqError, ErrorCode } from '../errors.js'
import { isObjectType, isPermission, type AuthorityEntry } from './authority.js'

export type CheckClient = 'OPTIONAL' | 'REQUIRED'

export interface SecurityPaths {
  readonly directory: string
  readonly users: string
  readonly authorities: string
  readonly policy: string
}

export function securityPaths(queueManagerDirectory: string): SecurityPaths {
  const directory = join(queueManagerDirectory, 'security')
  return {
    directory,
    users: join(directory, 'users.json'),
    authorities: join(directory, 'authorities.json'),
    policy: join(directory, 'policy.json'),
  }
}

function invalid(path: string, why: string): QmqError {
  return new QmqError(ErrorCode.CONFIG_INVALID, `${path}: ${why}`, { path })
}

/** A file's parsed JSON, or `absent` when it does not exist. */
function readJson(path: string): unknown {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw invalid(path, `not JSON (${(error as Error).message})`)
  }
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(path, 'expected an object')
  }
  const object = value as Record<string, unknown>
  if (object['formatVersion'] !== 1) throw invalid(path, 'formatVersion is not 1')
  return object
}

export function parseUsers(value: unknown, path: string): Map<string, string> {
  const users = new Map<string, string>()
  if (value === undefined) return users
  const table = record(value, path)['users']
  if (typeof table !== 'object' || table === null) throw invalid(path, 'users is not an object')
  for (const [name, hash] of Object.entries(table)) {
    if (typeof hash !== 'string') throw invalid(path, `user ${name} has no hash`)
    users.set(name, hash)
  }
  return users
}

export function parseAuthorities(value: unknown, path: string): AuthorityEntry[] {
  if (value === undefined) return []
  const entries = record(value, path)['entries']
  if (!Array.isArray(entries)) throw invalid(path, 'entries is not an array')
  return entries.map((entry: Record<string, unknown>, index) => {
    const { principal, objectType, profile, permissions } = entry
    const ok =
      typeof principal === 'string' &&
      typeof objectType === 'string' &&
      isObjectType(objectType) &&
      typeof profile === 'string' &&
      Array.isArray(permissions) &&
      permissions.every((p) => typeof p === 'string' && isPermission(p))
    if (!ok) throw invalid(path, `entry ${index} is not a valid authority`)
    return entry as unknown as AuthorityEntry
  })
}

export function parsePolicy(value: unknown, path: string): CheckClient {
  if (value === undefined) return 'OPTIONAL'
  const chckclnt = record(value, path)['chckclnt']
  if (chckclnt !== 'OPTIONAL' && chckclnt !== 'REQUIRED') {
    throw invalid(path, 'chckclnt is neither OPTIONAL nor REQUIRED')
  }
  return chckclnt
}

/** A file read again only when its size or modification time changed. */
export class WatchedFile<T> {
  private stamp = ''
  private value: T | undefined

  constructor(
    readonly path: string,
    private readonly parse: (value: unknown, path: string) => T,
  ) {}

  current(): T {
    const stamp = statStamp(this.path)
    if (this.value === undefined || stamp !== this.stamp) {
      this.value = this.parse(readJson(this.path), this.path)
      this.stamp = stamp
    }
    return this.value
  }
}

function statStamp(path: string): string {
  try {
    const stat = fs.statSync(path, { bigint: true })
    return `${stat.size}:${stat.mtimeNs}:${stat.ino}`
  } catch {
    return 'absent'
  }
}

/** Temporary file (0600), fsync, rename: readers see the old file or the new one. */
export function writeSecurityFile(paths: SecurityPaths, path: string, value: unknown): void {
  fs.mkdirSync(paths.directory, { recursive: true, mode: 0o700 })
  fs.chmodSync(paths.directory, 0o700)
  const temporary = `${path}.${process.pid}.tmp`
  const descriptor = fs.openSync(temporary, 'w', 0o600)
  try {
    fs.writeSync(descriptor, `${JSON.stringify(value, null, 2)}\n`)
    fs.fsyncSync(descriptor)
  } finally {
    fs.closeSync(descriptor)
  }
  fs.renameSync(temporary, path)
}

export function readUsers(paths: SecurityPaths): Map<string, string> {
  return parseUsers(readJson(paths.users), paths.users)
}

export function readAuthorities(paths: SecurityPaths): AuthorityEntry[] {
  return parseAuthorities(readJson(paths.authorities), paths.authorities)
}

export function readPolicy(paths: SecurityPaths): CheckClient {
  return parsePolicy(readJson(paths.policy), paths.policy)
}

export function writeUsers(paths: SecurityPaths, users: ReadonlyMap<string, string>): void {
  const sorted = Object.fromEntries([...users].sort(([a], [b]) => (a < b ? -1 : 1)))
  writeSecurityFile(paths, paths.users, { formatVersion: 1, users: sorted })
}

export function writeAuthorities(paths: SecurityPaths, entries: readonly AuthorityEntry[]): void {
  writeSecurityFile(paths, paths.authorities, { formatVersion: 1, entries })
}

export function writePolicy(paths: SecurityPaths, chckclnt: CheckClient): void {
  writeSecurityFile(paths, paths.policy, { formatVersion: 1, chckclnt })
}
