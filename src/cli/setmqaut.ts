#!/usr/bin/env node
/**
 * setmqaut -m QMgrName -n Profile -t queue|qmgr -p UserName [+auth ...] [-auth ...] [-remove]
 *
 * Grants (+) and revokes (-) a user's authorities on a queue profile (a name, or a generic one
 * ending in '*') or on the queue manager: put get browse inq dsp chg clr dlt, or all. Revocations
 * are applied before grants, as MQ does. See src/security/authority.ts for what each one allows.
 */
import { parseAuthorityChange, setAuthority } from '../security/security-commands.js'
import { runSecurityCommand, securityPathsOf, takeQueueManager } from './security-command.js'

const USAGE =
  'setmqaut -m QMgrName -n Profile -t queue|qmgr -p UserName [+auth ...] [-auth ...] [-remove]'

runSecurityCommand(USAGE, () => {
  const [queueManager, words] = takeQueueManager(process.argv.slice(2))
  const paths = securityPathsOf(queueManager)
  return Promise.resolve([setAuthority(paths, parseAuthorityChange(words))])
})
