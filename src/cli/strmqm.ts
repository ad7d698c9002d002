#!/usr/bin/env node
/**
 * strmqm QMgrName
 *
 * Starts a queue manager: the node daemon (started in the background if it is not running)
 * opens its data, replays the journal, backs out units of work left in flight and starts its
 * listener. Exit codes as MQ's: 0 started, 5 running, 16 does not exist, 24 data in use by
 * another process, 49 ending, 71 failed (port in use, recovery error).
 */
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {},
    'strmqm QMgrName',
    (candidate) => candidate.positionals.length === 1,
  )
  const queueManager = parsed.positionals[0]
  return printResponse(await callDaemonStarting('strmqm', { queueManager }))
}

runMain(main)
