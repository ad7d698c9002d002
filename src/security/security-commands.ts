/**
 * The security commands' work on a queue manager's security files, apart from their command
 * lines (src/cli/qmqusr.ts, setmqaut.ts, dspmqaut.ts), so tests drive them directly:
 *
 *   qmqusr -m QM -a NAME    add a user or change its password (read from standard input)
 *   qmqusr -m QM -d NAME    delete a user
 *   qmqusr -m QM -l         list users
 *   qmqusr -m QM -c OPTIONAL|REQUIRED    CONNAUTH CHCKCLNT for client connections
 *   setmqaut -m QM -n PROFILE -t queue|qmgr -p USER [+perm|-perm ...] [+all|-all] [-remove]
 *   dspmqaut -m QM [-n NAME -t queue|qmgr] [-p USER]
 */
import { MAX_PASSWORD_BYTES } from '../constants.js'
import {
  applyAuthorityChange,
  isObjectType,
  isPermission,
  permissionsOf,
  PERMISSIONS,
  type AuthorityChange,
  type ObjectType,
  type Permission,
} from './authority.js'
import { validUserName } from './client-guard.js'
import { hashPassword } from './password-hash.js'
import {
  readAuthorities,
  readPolicy,
  readUsers,
  writeAuthorities,
  writePolicy,
  writeUsers,
  type CheckClient,
  type SecurityPaths,
} from './security-files.js'

export class SecurityCommandError extends Error {
  override readonly name = 'SecurityCommandError'
}

export async function addUser(
  paths: SecurityPaths,
  name: string,
  password: string,
): Promise<string> {
  if (!validUserName(name)) {
    throw new SecurityCommandError(
      `user name ${JSON.stringify(name)} is not valid (A-Z a-z 0-9 . _ @ -, 1-64)`,
    )
  }
  if (password.length === 0) throw new SecurityCommandError('the password is empty')
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new SecurityCommandError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`)
  }
  const users = readUsers(paths)
  const existed = users.has(name)
  users.set(name, await hashPassword(password))
  writeUsers(paths, users)
  return existed ? `Password of user ${name} changed.` : `User ${name} added.`
}

export function deleteUser(paths: SecurityPaths, name: string): string {
  const users = readUsers(paths)
  if (!users.delete(name)) throw new SecurityCommandError(`user ${name} does not exist`)
  writeUsers(paths, users)
  // Its authorities go with it: a user added again later under the name starts with none.
  const entries = readAuthorities(paths).filter((entry) => entry.principal !== name)
  writeAuthorities(paths, entries)
  return `User ${name} deleted.`
}

export function listUsers(paths: SecurityPaths): string[] {
  return [...readUsers(paths).keys()].sort()
}

export function setCheckClient(paths: SecurityPaths, value: string): string {
  const upper = value.toUpperCase()
  if (upper !== 'OPTIONAL' && upper !== 'REQUIRED') {
    throw new SecurityCommandError(`CHCKCLNT is OPTIONAL or REQUIRED, not ${value}`)
  }
  writePolicy(paths, upper as CheckClient)
  return `CHCKCLNT(${upper}) set for client connections.`
}

export function checkClient(paths: SecurityPaths): CheckClient {
  return readPolicy(paths)
}

/** setmqaut's words after -m QM: -n, -t, -p, then +perm, -perm, +all, -all, -remove. */
export function parseAuthorityChange(words: readonly string[]): AuthorityChange {
  const values = new Map<string, string>()
  const grant: Permission[] = []
  const revoke: Permission[] = []
  let remove = false
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    if (word === '-n' || word === '-t' || word === '-p') {
      const value = words[++index]
      if (value === undefined) throw new SecurityCommandError(`${word} needs a value`)
      values.set(word, value)
    } else if (word === '-remove') {
      remove = true
    } else if (/^[+-]/.test(word)) {
      const name = word.slice(1).toLowerCase()
      const list = word.startsWith('+') ? grant : revoke
      if (name === 'all') list.push(...PERMISSIONS)
      else if (isPermission(name)) list.push(name)
      else
        throw new SecurityCommandError(
          `unknown authority ${word} (known: ${PERMISSIONS.join(' ')} all)`,
        )
    } else {
      throw new SecurityCommandError(`unexpected argument ${word}`)
    }
  }
  const objectType = values.get('-t') ?? ''
  if (!isObjectType(objectType)) throw new SecurityCommandError('-t is queue or qmgr')
  const principal = values.get('-p')
  const profile = values.get('-n') ?? (objectType === 'qmgr' ? '*' : undefined)
  if (principal === undefined || profile === undefined) {
    throw new SecurityCommandError('-p USER and -n PROFILE are needed')
  }
  if (!remove && grant.length + revoke.length === 0) {
    throw new SecurityCommandError('no authority to change: give +perm, -perm or -remove')
  }
  return { principal, objectType, profile, grant, revoke, remove }
}

export function setAuthority(paths: SecurityPaths, change: AuthorityChange): string {
  if (!validUserName(change.principal)) {
    throw new SecurityCommandError(`principal ${change.principal} is not a valid user name`)
  }
  writeAuthorities(paths, applyAuthorityChange(readAuthorities(paths), change))
  return `Authorities of ${change.principal} on ${change.objectType} ${change.profile} set.`
}

/**
 * dspmqaut: with an object, the authority `principal` (or each principal) holds on it; without
 * one, every profile, one line each.
 */
export function displayAuthority(
  paths: SecurityPaths,
  query: { readonly principal?: string; readonly objectType?: ObjectType; readonly name?: string },
): string[] {
  const entries = readAuthorities(paths)
  const { principal, objectType, name } = query
  if (objectType !== undefined && name !== undefined) {
    const principals =
      principal !== undefined ? [principal] : [...new Set(entries.map((e) => e.principal))]
    return principals.sort().map((user) => {
      const held = [...permissionsOf(entries, user, objectType, name)]
      return `Entity ${user} on ${objectType} ${name}: ${held.length === 0 ? '(none)' : held.join(' ')}`
    })
  }
  return entries
    .filter((entry) => principal === undefined || entry.principal === principal)
    .map(
      (entry) =>
        `profile: ${entry.profile}  object type: ${entry.objectType}  entity: ${entry.principal}  authority: ${entry.permissions.join(' ')}`,
    )
}
