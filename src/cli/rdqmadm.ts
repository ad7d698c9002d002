#!/usr/bin/env node
/**
 * rdqmadm -c | -u | -k | -s [-n Node] | -r [-n Node] | -p -m QMgrName (-n Node[,Node2] | -d)
 *
 * -k writes a new random group secret to QMQ_HOME/rdqm.secret (0600; never over an existing
 *    one), without the daemon. Copy the file to the other two nodes' QMQ_HOME before rdqmadm -c:
 *    the node channel and the replication links prove it (src/ha/group-secret.ts). A group with
 *    a node off loopback does not join without it unless QMQ_HA_ALLOW_NO_SECRET=1 is set for -c.
 *
 * -c joins this node to the HA group that QMQ_HOME/rdqm.ini describes (run it on each of the
 *    three nodes; the node's name is its host name, or QMQ_NODE): checks rdqm.ini names this
 *    node, refuses if the node is already in another group, then the node daemon listens for its
 *    peers on its HA_Replication address. rdqm.ini is read now only, as RDQM's.
 * -u leaves the group; refused while replicated data queue managers exist on this node.
 * -s suspends this node (or -n Node): its queue managers move away, it takes no replication;
 *    refused for the last active node. -r resumes it: it catches up, and queue managers that
 *    prefer it move back.
 * -p -m QM -n Node sets the queue manager's preferred location (a controlled switchover when it
 *    runs elsewhere); -p -m QM -d clears it (no automatic failback).
 */
import { CommandFailure } from '../daemon/command-failure.js'
import { formatMessage } from '../amq-messages.js'
import { createGroupSecret } from '../ha/group-secret.js'
import { selfNodeName } from '../ha/rdqm-ini.js'
import { hasFlag, optionValue } from './arguments.js'
import {
  callDaemonStarting,
  localNode,
  parseOrUsage,
  printResponse,
  runMain,
} from './command-line.js'

const USAGE =
  'rdqmadm -c | -u | -k | -s [-n Node] | -r [-n Node] | -p -m QMgrName (-n Node[,Node2] | -d)'

function request(parsed: ReturnType<typeof parseOrUsage>): Record<string, unknown> {
  const actions = ['-c', '-u', '-s', '-r', '-p', '-k'].filter((flag) => hasFlag(parsed, flag))
  if (actions.length !== 1) throw new CommandFailure('ARGUMENTS_NOT_VALID')
  const node = optionValue(parsed, '-n')
  switch (actions[0]) {
    case '-c':
      // The node's name as this command sees it (QMQ_NODE or the host name), not as the
      // daemon's environment had it when some earlier command started it.
      return {
        action: 'join',
        node: selfNodeName(),
        allowNoSecret: process.env['QMQ_HA_ALLOW_NO_SECRET'] === '1',
      }
    case '-u':
      return { action: 'leave' }
    case '-s':
      return { action: 'suspend', node }
    case '-r':
      return { action: 'resume', node }
    case '-k':
      return { action: 'secret' }
    default: {
      const queueManager = optionValue(parsed, '-m')
      const clear = hasFlag(parsed, '-d')
      if (queueManager === undefined || clear === (node !== undefined)) {
        throw new CommandFailure('ARGUMENTS_NOT_VALID')
      }
      return { action: 'preferred', queueManager, nodes: node, clear }
    }
  }
}

async function main(): Promise<number> {
  const parsed = parseOrUsage(
    process.argv.slice(2),
    {
      short: {
        c: 'flag',
        u: 'flag',
        s: 'flag',
        r: 'flag',
        p: 'flag',
        d: 'flag',
        n: 'value',
        m: 'value',
        k: 'flag',
      },
    },
    USAGE,
    (candidate) => candidate.positionals.length === 0,
  )
  const action = request(parsed)
  if (action['action'] === 'secret') {
    const path = createGroupSecret(localNode())
    process.stdout.write(`${formatMessage('HA_SECRET_CREATED', { path })}\n`)
    return 0
  }
  return printResponse(await callDaemonStarting('rdqmadm', action))
}

runMain(main)
