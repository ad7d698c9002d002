#!/usr/bin/env node
/**
 * endmqm [-c | -i | -w] QMgrName
 *
 *   -c  controlled (default): new connections and calls fail with 2161 (quiescing), connected
 *       applications get CONTROLLED_END_WAIT_MS to disconnect; returns once the request is
 *       accepted
 *   -w  the same, and waits for the end and reports it
 *   -i  immediate: connections are closed at once, their units of work backed out; waits
 * Exit codes as MQ's: 0, 16 does not exist, 40 not running, 49 already ending.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { existingQueueManager } from '../daemon/queue-manager-config.js'
import { hasFlag } from './arguments.js'
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
    { short: { c: 'flag', i: 'flag', w: 'flag' } },
    'endmqm [-c | -i | -w] QMgrName',
    (candidate) =>
      candidate.positionals.length === 1 &&
      ['-c', '-i', '-w'].filter((flag) => hasFlag(candidate, flag)).length <= 1,
  )
  const queueManager = parsed.positionals[0]!
  const mode = hasFlag(parsed, '-i') ? 'immediate' : hasFlag(parsed, '-w') ? 'wait' : 'controlled'
  const response = await callDaemonIfRunning('endmqm', { queueManager, mode })
  if (response !== undefined) return printResponse(response)
  // No daemon: nothing runs. Say whether the queue manager exists at all.
  existingQueueManager(localNode(), queueManager)
  throw new CommandFailure('NOT_RUNNING', { queueManager })
}

runMain(main)
