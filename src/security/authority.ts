/**
 * Object authority, MQ's model in small (setmqaut / dspmqaut): a principal holds permissions on
 * a profile of an object type. A profile is an object name, or a generic one ending in '*'
 * (every name with that prefix; '*' alone: every object). What a principal may do to an object
 * is the union over every profile that matches it. Pure: the store reads and writes the file.
 *
 * | operation                          | needs                                        |
 * |------------------------------------|----------------------------------------------|
 * | MQOPEN for output / input / browse | +put / +get / +browse on the queue           |
 * | MQOPEN for inquire (QUERY)         | +inq on the queue                            |
 * | MQSC DISPLAY                       | +dsp on the queue manager                    |
 * | MQSC CLEAR QLOCAL                  | +clr on the queue manager                    |
 * | MQSC DELETE                        | +dlt on the queue manager                    |
 * | any other MQSC (DEFINE, ALTER ...) | +chg on the queue manager                    |
 *
 * MQ checks administrative commands against the named object's own profile; here they are
 * checked against the queue manager's, which is coarser and never more permissive.
 */
export const PERMISSIONS = ['put', 'get', 'browse', 'inq', 'dsp', 'chg', 'clr', 'dlt'] as const
export type Permission = (typeof PERMISSIONS)[number]

export const OBJECT_TYPES = ['queue', 'qmgr'] as const
export type ObjectType = (typeof OBJECT_TYPES)[number]

export interface AuthorityEntry {
  readonly principal: string
  readonly objectType: ObjectType
  readonly profile: string
  readonly permissions: readonly Permission[]
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

export function isObjectType(value: string): value is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(value)
}

export function profileMatches(profile: string, name: string): boolean {
  if (profile.endsWith('*')) return name.startsWith(profile.slice(0, -1))
  return profile === name
}

/** The permissions `principal` holds on object `name` of `objectType`. */
export function permissionsOf(
  entries: readonly AuthorityEntry[],
  principal: string,
  objectType: ObjectType,
  name: string,
): Set<Permission> {
  const held = new Set<Permission>()
  for (const entry of entries) {
    if (entry.principal !== principal || entry.objectType !== objectType) continue
    if (!profileMatches(entry.profile, name)) continue
    for (const permission of entry.permissions) held.add(permission)
  }
  return held
}

export interface AuthorityChange {
  readonly principal: string
  readonly objectType: ObjectType
  readonly profile: string
  readonly grant: readonly Permission[]
  readonly revoke: readonly Permission[]
  /** Drop the profile's entry for this principal altogether (setmqaut -remove). */
  readonly remove?: boolean
}

/** The entries after setmqaut's change: revocations first, then grants, as MQ applies them. */
export function applyAuthorityChange(
  entries: readonly AuthorityEntry[],
  change: AuthorityChange,
): AuthorityEntry[] {
  const same = (entry: AuthorityEntry): boolean =>
    entry.principal === change.principal &&
    entry.objectType === change.objectType &&
    entry.profile === change.profile
  const others = entries.filter((entry) => !same(entry))
  if (change.remove === true) return others
  const current = new Set(entries.find(same)?.permissions ?? [])
  for (const permission of change.revoke) current.delete(permission)
  for (const permission of change.grant) current.add(permission)
  const permissions = PERMISSIONS.filter((permission) => current.has(permission))
  if (permissions.length === 0) return others
  const { principal, objectType, profile } = change
  return [...others, { principal, objectType, profile, permissions }]
}

/** Which qmgr permission an MQSC command needs, from its first word (see the table above). */
export function permissionForMqsc(commandText: string): Permission {
  const verb = commandText.trimStart().split(/[\s(]/, 1)[0]?.toUpperCase() ?? ''
  if (verb.startsWith('DIS')) return 'dsp'
  if (verb === 'CLEAR') return 'clr'
  if (verb.startsWith('DELETE')) return 'dlt'
  return 'chg'
}
