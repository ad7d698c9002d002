#!/usr/bin/env node
/**
 * qmqusr -m QMgrName (-a UserName | -d UserName | -l | -c OPTIONAL|REQUIRED)
 *
 * Users of a queue manager's client connections (src/security/): -a adds a user or changes its
 * password, read from standard input (so it is never on a command line or in a shell history);
 * -d deletes one with its authorities; -l lists them; -c sets CONNAUTH's CHCKCLNT: REQUIRED
 * refuses clients that present neither a password nor a trusted certificate.
 */
import {
  addUser,
  checkClient,
  deleteUser,
  listUsers,
  SecurityCommandError,
  setCheckClient,
} from '../security/security-commands.js'
import {
  readStandardInput,
  runSecurityCommand,
  securityPathsOf,
  takeQueueManager,
} from './security-command.js'

const USAGE = 'qmqusr -m QMgrName (-a UserName | -d UserName | -l | -c OPTIONAL|REQUIRED)'

async function main(): Promise<string[]> {
  const [queueManager, words] = takeQueueManager(process.argv.slice(2))
  const paths = securityPathsOf(queueManager)
  const [option, value] = words
  if (option === '-l' && value === undefined) {
    return [`CHCKCLNT(${checkClient(paths)})`, ...listUsers(paths).map((name) => `USER(${name})`)]
  }
  if (value === undefined || words.length !== 2) throw new SecurityCommandError('one option')
  if (option === '-a') return [await addUser(paths, value, await readStandardInput())]
  if (option === '-d') return [deleteUser(paths, value)]
  if (option === '-c') return [setCheckClient(paths, value)]
  throw new SecurityCommandError(`unknown option ${option ?? ''}`)
}

runSecurityCommand(USAGE, main)
