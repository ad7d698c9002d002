#!/usr/bin/env node
/**
 * crtmqm [-c Text] [-lf LogFilePages] [-p Port] [--listener-host Address] [-q]
 *        [--chckclnt OPTIONAL|REQUIRED]
 *        [-u DeadLetterQName] [-z] QMgrName
 *
 * Creates a queue manager in this node's directory (QMQ_HOME). Without -p its listener gets the
 * first free port from 1414 upward, printed. -lf sets the journal segment size in MQ's 4 KiB log
 * file pages: 2049 (about 8 MiB, two records of the largest message) to 65535, default 16384
 * (64 MiB). --listener-host chooses the address the listener binds (QMQ_LISTENER_HOST too; the
 * option wins); the default is 127.0.0.1, loopback only; elsewhere the listener needs TLS or
 * "allowPlaintext" (SECURITY.md). -q makes it the node's default queue manager; -u names its
 * dead-letter queue; -z suppresses error messages. --chckclnt REQUIRED makes client
 * connections authenticate (a user and password, or a trusted certificate) from the start;
 * OPTIONAL is the default and qmqusr -c changes it later (SECURITY.md). MQ options QuorumMQ
 * does not support are refused with the reason (unsupported-options.ts). The queue manager is
 * created ended; strmqm starts it.
 * -sx creates a replicated data (HA) queue manager on the three nodes of this node's HA group
 * (rdqmadm -c first), printing "Secondary queue manager created on '<node>'." per other node;
 * -sxs creates an HA secondary here only (src/ha/ha-lifecycle.ts).
 * -rr p|s -rt a|s -rl -ri -rn -rp creates one side of a DR pair (src/dr/dr-commands.ts); the
 * primary prints the crtmqm to run on the other node.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { hasFlag, optionValue, parseWholeNumber } from './arguments.js'
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
    {
      short: {
        ...unsupportedSpecification('crtmqm'),
        c: 'value',
        p: 'value',
        lf: 'value',
        q: 'flag',
        u: 'value',
        z: 'flag',
        sx: 'flag',
        sxs: 'flag',
        rr: 'value',
        rt: 'value',
        rl: 'value',
        ri: 'value',
        rn: 'value',
        rp: 'value',
      },
      long: { 'listener-host': 'value', chckclnt: 'value', 'dr-sync-timeout-ms': 'value' },
    },
    COMMAND_HELP['crtmqm']!.usage,
    (candidate) => candidate.positionals.length === 1,
  )
  if (hasFlag(parsed, '-z')) suppressErrorMessages()
  refuseUnsupported('crtmqm', parsed)
  const parameters: Record<string, unknown> = { queueManager: parsed.positionals[0] }
  const port = optionValue(parsed, '-p')
  if (port !== undefined) {
    parameters['port'] = parseWholeNumber(port) ?? invalid('PORT_NOT_VALID', { port })
  }
  const pages = optionValue(parsed, '-lf')
  if (pages !== undefined) {
    parameters['logFilePages'] = parseWholeNumber(pages) ?? pages
  }
  const host = optionValue(parsed, '--listener-host') ?? process.env['QMQ_LISTENER_HOST']
  if (host !== undefined && host !== '') parameters['host'] = host
  const deadLetterQueue = optionValue(parsed, '-u')
  if (deadLetterQueue !== undefined) parameters['deadLetterQueue'] = deadLetterQueue
  const description = optionValue(parsed, '-c')
  if (description !== undefined) parameters['description'] = description
  if (hasFlag(parsed, '-q')) parameters['makeDefault'] = true
  if (hasFlag(parsed, '-sx') && hasFlag(parsed, '-sxs')) {
    throw new CommandFailure('ARGUMENTS_NOT_VALID')
  }
  if (hasFlag(parsed, '-sx')) parameters['ha'] = 'sx'
  if (hasFlag(parsed, '-sxs')) parameters['ha'] = 'sxs'
  const checkClient = optionValue(parsed, '--chckclnt')?.toUpperCase()
  if (checkClient !== undefined && checkClient !== 'REQUIRED' && checkClient !== 'OPTIONAL') {
    invalid('ARGUMENTS_NOT_VALID', {})
  }
  if (checkClient !== undefined) parameters['checkClient'] = checkClient
  addDrOptions(parsed, parameters)
  return printResponse(await callDaemonStarting('crtmqm', parameters))
}

/** -rr p|s -rt a|s -rl -ri -rn -rp: a DR queue manager (src/dr/dr-commands.ts checks them). */
function addDrOptions(
  parsed: Parameters<typeof optionValue>[0],
  parameters: Record<string, unknown>,
): void {
  const role = optionValue(parsed, '-rr')
  if (role === undefined) return
  parameters['drRole'] = role
  parameters['drType'] = optionValue(parsed, '-rt') ?? 'a'
  parameters['localAddress'] = optionValue(parsed, '-rl')
  parameters['remoteAddress'] = optionValue(parsed, '-ri')
  parameters['remoteNode'] = optionValue(parsed, '-rn')
  const drPort = optionValue(parsed, '-rp')
  parameters['drPort'] = drPort === undefined ? undefined : parseWholeNumber(drPort)
  const timeout = optionValue(parsed, '--dr-sync-timeout-ms')
  if (timeout !== undefined) parameters['syncTimeoutMs'] = parseWholeNumber(timeout)
}

function invalid(
  key: 'PORT_NOT_VALID' | 'ARGUMENTS_NOT_VALID',
  inserts: Record<string, string>,
): never {
  throw new CommandFailure(key, inserts)
}

runMain(main)
