#!/usr/bin/env node
/**
 * rdqmstatus [-m QMgrName [-a]] [-n] [--json] [--wait Status [--timeout Seconds]]
 *
 * The HA group as this node sees it, with RDQM's fields and values (src/ha/ha-status-report.ts):
 * without options the node and a block per HA queue manager; -m QM that queue manager's status
 * here and each other node's HA status (-a adds its failed actions); -n whether each node is
 * online. For a DR queue manager, -m QM gives RDQM's DR fields (src/dr/dr-status-report.ts).
 * --json prints the same as one JSON object, for scripts and monitoring.
 * --wait Status (with -m, a DR queue manager) polls until its DR status is Status (for example
 * Normal), drawing a progress bar of the synchronization; exit 0 once reached, 1 after
 * --timeout seconds (default: wait for ever).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DR_WAIT_POLL_MS } from '../constants.js'
import type { DrStatusView } from '../dr/dr-status-report.js'
import { hasFlag, optionValue } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

const USAGE = 'rdqmstatus [-m QMgrName [-a]] [-n] [--json] [--wait Status [--timeout Seconds]]'
const BAR_WIDTH = 30

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {
      short: { m: 'value', a: 'flag', n: 'flag' },
      long: { json: 'flag', wait: 'value', timeout: 'value' },
    },
    USAGE,
    (candidate) =>
      candidate.positionals.length === 0 &&
      (!hasFlag(candidate, '-a') || optionValue(candidate, '-m') !== undefined) &&
      (optionValue(candidate, '--wait') === undefined ||
        optionValue(candidate, '-m') !== undefined),
  )
  const queueManager = optionValue(parsed, '-m')
  const wanted = optionValue(parsed, '--wait')
  if (wanted !== undefined && queueManager !== undefined) {
    const timeout = Number(optionValue(parsed, '--timeout') ?? 'Infinity')
    return waitFor(queueManager, wanted, timeout * 1000)
  }
  const response = await callDaemonStarting('rdqmstatus', {
    queueManager,
    all: hasFlag(parsed, '-a'),
    nodes: hasFlag(parsed, '-n'),
    json: hasFlag(parsed, '--json'),
  })
  if (hasFlag(parsed, '--json') && response.exitCode === 0) {
    process.stdout.write(`${JSON.stringify(response.data, null, 2)}\n`)
    return 0
  }
  return printResponse(response)
}

/** Polls until the DR status is `wanted`, drawing the synchronization's progress. */
async function waitFor(queueManager: string, wanted: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  const tty = process.stdout.isTTY === true
  let last = ''
  for (;;) {
    const response = await callDaemonStarting('rdqmstatus', { queueManager, json: true })
    if (response.exitCode !== 0) return printResponse(response)
    const view = response.data as DrStatusView
    const line = progressLine(view)
    if (tty) process.stdout.write(`\r${line}`)
    else if (line !== last) process.stdout.write(`${line}\n`)
    last = line
    if (view.status === wanted) {
      if (tty) process.stdout.write('\n')
      return 0
    }
    if (Date.now() >= deadline) {
      if (tty) process.stdout.write('\n')
      process.stderr.write(`DR status is still '${view.status}', not '${wanted}'.\n`)
      return 1
    }
    await sleep(DR_WAIT_POLL_MS)
  }
}

function progressLine(view: DrStatusView): string {
  const percent = view.status === 'Normal' ? 100 : (view.synchronizationPercent ?? 0)
  const filled = Math.round((percent / 100) * BAR_WIDTH)
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`
  const kb = Math.ceil(view.outOfSyncBytes / 1024)
  const eta = view.completesAt === undefined ? '' : `, ETA ${view.completesAt}`
  return `${bar} ${percent.toFixed(1).padStart(5)}% ${view.status}, out of sync ${kb}KB${eta}`
}

runMain(main)
