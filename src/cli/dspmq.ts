#!/usr/bin/env node
/**
 * dspmq [-m QMgrName] [-o status | -o all | -o ha | -o dr | -o log]
 *
 * One line per queue manager of this node, MQ's layout:
 *   QMNAME(QM1)                                               STATUS(Running)
 * -o all adds DEFAULT STANDBY INSTNAME INSTPATH INSTVER HA DRROLE; -o log (QuorumMQ's own) adds
 * a running queue manager's log: LOGSIZE LOGSEGS LOGINUSE CURRLOG RECLOG MEDIALOG CKPTLOG.
 * Works without the node daemon (statuses are then what the disk recorded, and nothing runs, so
 * -o log shows no log). Exit 72 for an unknown -m name, as MQ.
 */
import { daemonLockHeld } from '../daemon/daemon-lock.js'
import {
  DISPLAY_OUTPUTS,
  describeQueueManager,
  formatDisplayLine,
  selectQueueManagers,
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
    'dspmq [-m QMgrName] [-o status | -o all | -o ha | -o dr | -o log]',
    (candidate) => {
      const output = optionValue(candidate, '-o')
      return (
        candidate.positionals.length === 0 &&
        (output === undefined || DISPLAY_OUTPUTS.some((each) => each === output))
      )
    },
  )
  const queueManager = optionValue(parsed, '-m')
  const requested = optionValue(parsed, '-o')
  const output = DISPLAY_OUTPUTS.find((each) => each === requested) ?? 'status'
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
