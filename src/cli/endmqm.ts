#!/usr/bin/env node
/**
 * endmqm [-c | -i | -p | -w] [-z] [QMgrName]
 *
 *   -c  controlled (default): new connections and calls fail with 2161 (quiescing), connected
 *       applications get CONTROLLED_END_WAIT_MS to disconnect; returns once the request is
 *       accepted
 *   -w  the same, and waits for the end and reports it
 *   -i  immediate: connections are closed at once, their units of work backed out; waits
 *   -p  pre-emptive: as -i, which already waits for no application
 *   -z  suppress error messages
 * Without a name: the default queue manager (crtmqm -q). Exit codes as MQ's: 0, 16 does not
 * exist, 40 not running, 49 already ending.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { resolveQueueManagerName } from '../daemon/default-queue-manager.js'
import { existingQueueManager } from '../daemon/queue-manager-config.js'
import { hasFlag } from './arguments.js'
import { COMMAND_HELP } from './command-help.js'
import {
  callDaemonIfRunning,
  localNode,
  parseOrUsage,
  printResponse,
  runMain,
  suppressErrorMessages,
} from './command-line.js'
import { refuseUnsupported, unsupportedSpecification } from './unsupported-options.js'

const MODES = [
  ['-c', 'controlled'],
  ['-i', 'immediate'],
  ['-p', 'preemptive'],
  ['-w', 'wait'],
] as const

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {
      short: {
        ...unsupportedSpecification('endmqm'),
        c: 'flag',
        i: 'flag',
        p: 'flag',
        w: 'flag',
        z: 'flag',
      },
    },
    COMMAND_HELP['endmqm']!.usage,
    (candidate) =>
      candidate.positionals.length <= 1 &&
      MODES.filter(([flag]) => hasFlag(candidate, flag)).length <= 1,
  )
  if (hasFlag(parsed, '-z')) suppressErrorMessages()
  refuseUnsupported('endmqm', parsed)
  const mode = MODES.find(([flag]) => hasFlag(parsed, flag))?.[1] ?? 'controlled'
  const response = await callDaemonIfRunning('endmqm', {
    queueManager: parsed.positionals[0],
    mode,
  })
  if (response !== undefined) return printResponse(response)
  // No daemon: nothing runs. Say whether the queue manager exists at all.
  const node = localNode()
  const queueManager = resolveQueueManagerName(node, parsed.positionals[0])
  existingQueueManager(node, queueManager)
  throw new CommandFailure('NOT_RUNNING', { queueManager })
}

runMain(main)
