#!/usr/bin/env node
/**
 * strmqm [-z] [QMgrName]
 *
 * Starts a queue manager (without a name: the default one, crtmqm -q): the node daemon (started
 * in the background if it is not running) opens its data, replays the journal, backs out units
 * of work left in flight and starts its listener. -z suppresses error messages. Exit codes as
 * MQ's: 0 started, 5 running, 16 does not exist, 24 data in use by another process, 49 ending,
 * 71 failed (port in use, recovery error).
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
import { refuseUnsupported, unsupportedSpecification } from './unsupported-options.js'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { ...unsupportedSpecification('strmqm'), z: 'flag' } },
    COMMAND_HELP['strmqm']!.usage,
    (candidate) => candidate.positionals.length <= 1,
  )
  if (hasFlag(parsed, '-z')) suppressErrorMessages()
  refuseUnsupported('strmqm', parsed)
  const queueManager = parsed.positionals[0]
  return printResponse(await callDaemonStarting('strmqm', { queueManager }))
}

runMain(main)
