#!/usr/bin/env node
/**
 * rdqmadm -c | -u
 *
 * -c joins this node to the HA group that QMQ_HOME/rdqm.ini describes (run it on each of the
 *    three nodes; the node's name is its host name, or QMQ_NODE): checks rdqm.ini names this
 *    node, refuses if the node is already in another group, then the node daemon listens for its
 *    peers on its HA_Replication address. rdqm.ini is read now only, as RDQM's.
 * -u leaves the group; refused while replicated data queue managers exist on this node.
 * -s, -r (suspend, resume) and -p (preferred location) are not built yet.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { selfNodeName } from '../ha/rdqm-ini.js'
import { hasFlag } from './arguments.js'
import { callDaemonStarting, parseOrUsage, printResponse, runMain } from './command-line.js'

const USAGE = 'rdqmadm -c | -u'

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    { short: { c: 'flag', u: 'flag', s: 'flag', r: 'flag', p: 'flag', n: 'value', m: 'value' } },
    USAGE,
    (candidate) => candidate.positionals.length === 0,
  )
  const join = hasFlag(parsed, '-c')
  const leave = hasFlag(parsed, '-u')
  for (const option of ['-s', '-r', '-p']) {
    if (hasFlag(parsed, option)) {
      const reason = 'suspend, resume and preferred location come in the next step'
      throw new CommandFailure('UNSUPPORTED_OPTION', { option, command: 'rdqmadm', reason })
    }
  }
  if (join === leave) throw new CommandFailure('ARGUMENTS_NOT_VALID')
  // The node's name as this command sees it (QMQ_NODE or the host name), not as the daemon's
  // environment had it when some earlier command started it.
  const parameters = { action: join ? 'join' : 'leave', node: selfNodeName() }
  return printResponse(await callDaemonStarting('rdqmadm', parameters))
}

runMain(main)
