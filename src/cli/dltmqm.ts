#!/usr/bin/env node
/**
 * dltmqm QMgrName
 *
 * Deletes an ended queue manager and all its data. A running one is refused (exit 5): end it
 * first with endmqm, as in MQ.
 */
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {},
    'dltmqm QMgrName',
    (candidate) => candidate.positionals.length === 1,
  )
  const queueManager = parsed.positionals[0]
  return printResponse(await callDaemonStarting('dltmqm', { queueManager }))
}

runMain(main)
