#!/usr/bin/env node
/**
 * dspmqaut -m QMgrName [-n ObjectName -t queue|qmgr] [-p UserName]
 *
 * With an object: the authorities each user (or the one given) holds on it, all matching
 * profiles together. Without one: every profile, one line each.
 */
import { isObjectType } from '../security/authority.js'
import { displayAuthority, SecurityCommandError } from '../security/security-commands.js'
import { runSecurityCommand, securityPathsOf, takeQueueManager } from './security-command.js'

const USAGE = 'dspmqaut -m QMgrName [-n ObjectName -t queue|qmgr] [-p UserName]'

runSecurityCommand(USAGE, () => {
  const [queueManager, words] = takeQueueManager(process.argv.slice(2))
  const paths = securityPathsOf(queueManager)
  const value = (flag: string): string | undefined => {
    const index = words.indexOf(flag)
    return index < 0 ? undefined : words[index + 1]
  }
  const objectType = value('-t')
  if (objectType !== undefined && !isObjectType(objectType)) {
    throw new SecurityCommandError('-t is queue or qmgr')
  }
  const name = value('-n') ?? (objectType === 'qmgr' ? queueManager : undefined)
  return Promise.resolve(displayAuthority(paths, { principal: value('-p'), objectType, name }))
})
