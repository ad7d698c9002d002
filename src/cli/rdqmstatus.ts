#!/usr/bin/env node
/**
 * rdqmstatus [-m QMgrName [-a]] [-n] [--json]
 *
 * The HA group as this node sees it, with RDQM's fields and values (src/ha/ha-status-report.ts):
 * without options the node and a block per HA queue manager; -m QM that queue manager's status
 * here and each other node's HA status (-a adds its failed actions); -n whether each node is
 * online. --json prints the same as one JSON object, for scripts and monitoring.
 */
import { hasFlag, optionValue } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

const USAGE = 'rdqmstatus [-m QMgrName [-a]] [-n] [--json]'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { m: 'value', a: 'flag', n: 'flag' }, long: { json: 'flag' } },
    USAGE,
    (candidate) =>
      candidate.positionals.length === 0 &&
      (!hasFlag(candidate, '-a') || optionValue(candidate, '-m') !== undefined),
  )
  const response = await callDaemonStarting('rdqmstatus', {
    queueManager: optionValue(parsed, '-m'),
    all: hasFlag(parsed, '-a'),
    nodes: hasFlag(parsed, '-n'),
  })
  if (hasFlag(parsed, '--json') && response.exitCode === 0) {
    process.stdout.write(`${JSON.stringify(response.data, null, 2)}\n`)
    return 0
  }
  return printResponse(response)
}

runMain(main)
