#!/usr/bin/env node
/**
 * dltmqm [-z] QMgrName
 *
 * Deletes an ended queue manager and all its data. A running one is refused (exit 5): end it
 * first with endmqm, as in MQ. -z suppresses error messages.
 */
import { hasFlag } from './arguments.js'
import { COMMAND_HELP } from './command-help.js'
import {
  callDaemonStarting,
  parseOrUsage,
  printResponse,
  runMain,
  suppressErrorMessages,
} from './command-line.js'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { z: 'flag' } },
    COMMAND_HELP['dltmqm']!.usage,
    (candidate) => candidate.positionals.length === 1,
  )
  if (hasFlag(parsed, '-z')) suppressErrorMessages()
  const queueManager = parsed.positionals[0]
  return printResponse(await callDaemonStarting('dltmqm', { queueManager }))
}

runMain(main)
