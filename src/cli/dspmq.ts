#!/usr/bin/env node
/**
 * dspmq [-m QMgrName] [-o status | -o all]
 *
 * One line per queue manager of this node, MQ's layout:
 *   QMNAME(QM1)                                               STATUS(Running)
 * -o all adds DEFAULT STANDBY INSTNAME INSTPATH INSTVER HA DRROLE. Works without the node
 * daemon (statuses are then what the disk recorded). Exit 72 for an unknown -m name, as MQ.
 */
import { daemonLockHeld } from '../daemon/daemon-lock.js'
import {
  describeQueueManager,
  formatDisplayLine,
  selectQueueManagers,
  type DisplayOutput,
} from '../daemon/queue-manager-listing.js'
import { optionValue } from './arguments.js'
import {
  callDaemonIfRunning,
  localNode,
  parseOrUsage,
  printResponse,
  runMain,
} from './command-line.js'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { m: 'value', o: 'value' } },
    'dspmq [-m QMgrName] [-o status | -o all]',
    (candidate) =>
      candidate.positionals.length === 0 &&
      ['status', 'all', undefined].includes(optionValue(candidate, '-o')),
  )
  const queueManager = optionValue(parsed, '-m')
  const output: DisplayOutput = optionValue(parsed, '-o') === 'all' ? 'all' : 'status'
  const response = await callDaemonIfRunning('dspmq', { queueManager, output })
  if (response !== undefined) return printResponse(response)
  const node = localNode()
  const lockHeld = await daemonLockHeld(node)
  for (const name of selectQueueManagers(node, queueManager)) {
    const entry = describeQueueManager(node, name, undefined, lockHeld)
    process.stdout.write(`${formatDisplayLine(entry, output)}\n`)
  }
  return 0
}

runMain(main)
