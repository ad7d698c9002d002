#!/usr/bin/env node
/**
 * rdqmint -m QMgrName -a -f Address -l Interface | rdqmint -m QMgrName -d
 *
 * -a gives the HA queue manager a floating IPv4 address on the named interface (which must
 *    exist, by that name, on every node): the node serving it holds the address (`ip addr add`
 *    when qmqd runs as root) and gives it up when it stops serving (`ip addr del`), through the
 *    lifecycle hooks (src/ha/lifecycle-hooks.ts). One per queue manager, as RDQM's.
 * -d deletes it (the serving node gives the address up).
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { hasFlag, optionValue } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

const USAGE = 'rdqmint -m QMgrName (-a -f Address -l Interface | -d)'

function request(parsed: ReturnType<typeof parseOrUsage>): Record<string, unknown> {
  const queueManager = optionValue(parsed, '-m')
  const add = hasFlag(parsed, '-a')
  if (queueManager === undefined || add === hasFlag(parsed, '-d')) {
    throw new CommandFailure('ARGUMENTS_NOT_VALID')
  }
  if (!add) return { action: 'delete', queueManager }
  const address = optionValue(parsed, '-f')
  const device = optionValue(parsed, '-l')
  if (address === undefined || device === undefined) throw new CommandFailure('ARGUMENTS_NOT_VALID')
  return { action: 'add', queueManager, address, interface: device }
}

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { m: 'value', a: 'flag', d: 'flag', f: 'value', l: 'value' } },
    USAGE,
    (candidate) => candidate.positionals.length === 0,
  )
  return printResponse(await callDaemonStarting('rdqmint', request(parsed)))
}

runMain(main)
