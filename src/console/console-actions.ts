/**
 * What an operator can do from the web console. Each action runs the very command handler the
 * CLI's command runs (the daemon's control-command table), so a refusal carries the CLI's
 * message word for word, and each says before it runs what will happen.
 *
 * An action is offered only when the daemon has its command: DR promote and demote join this
 * table as they land. HA actions (rdqmadm -s, -r, -p) are offered for HA queue managers only;
 * node actions name a node of the group (sent in the POST body as `node`), drawn on its row.
 */
import type { QueueManagerStatus } from '../daemon/queue-manager-status.js'

/**
 * When the page offers a node action (the command still decides):
 *   active     the node is not suspended        suspended   it is
 *   elsewhere  it is not the preferred location  preferred   a preferred location is set
 */
export type NodeCondition = 'active' | 'suspended' | 'elsewhere' | 'preferred'

export interface ConsoleAction {
  readonly id: string
  readonly label: string
  /** The control command it runs (the CLI command's name). */
  readonly command: string
  /** queue-manager: a button on the card; node: a button on each node's row (HA only). */
  readonly scope: 'queue-manager' | 'node'
  /** Offered for HA queue managers only. */
  readonly haOnly: boolean
  /** The statuses in which the page offers it (the command still decides). */
  readonly offeredWhen: readonly QueueManagerStatus[]
  /** Node actions: the node's state in which the page offers it. */
  readonly nodeCondition?: NodeCondition
  /** {qm} is replaced by the queue manager's name, {node} by the node's. */
  readonly confirmation: string
  parameters(queueManager: string, node: string): Record<string, unknown>
}

const ENDED: readonly QueueManagerStatus[] = [
  'Ended normally',
  'Ended immediately',
  'Ended unexpectedly',
]
/** An HA queue manager shows one of these on every node where its member runs or ran. */
const HA_ANY: readonly QueueManagerStatus[] = [
  'Running',
  'Running elsewhere',
  'Starting',
  ...ENDED,
  'Status not available',
]

function haActions(): ConsoleAction[] {
  const ha = { command: 'rdqmadm', haOnly: true, offeredWhen: HA_ANY } as const
  return [
    {
      ...ha,
      id: 'suspend-node',
      label: 'Suspend node',
      scope: 'node',
      nodeCondition: 'active',
      confirmation:
        'Suspend node {node} (rdqmadm -s -n {node}): every HA queue manager member on {node} ' +
        'closes, so queue managers running there move to another node (their applications ' +
        'reconnect), and {node} takes no replication until it is resumed. Refused for the ' +
        'last active node.',
      parameters: (_queueManager, node) => ({ action: 'suspend', node }),
    },
    {
      ...ha,
      id: 'resume-node',
      label: 'Resume node',
      scope: 'node',
      nodeCondition: 'suspended',
      confirmation:
        'Resume node {node} (rdqmadm -r -n {node}): its HA queue manager members open again ' +
        'and catch up; queue managers whose preferred location is {node} move back to it once ' +
        'it has caught up.',
      parameters: (_queueManager, node) => ({ action: 'resume', node }),
    },
    {
      ...ha,
      id: 'prefer-node',
      label: 'Make preferred',
      scope: 'node',
      nodeCondition: 'elsewhere',
      confirmation:
        'Make {node} the preferred location of {qm} (rdqmadm -p -m {qm} -n {node}): if {qm} ' +
        'runs on another node, it moves to {node} (a switchover: nothing acknowledged is lost; ' +
        'connected applications reconnect) as soon as {node} has caught up, and moves back ' +
        'there after any later failover.',
      parameters: (queueManager, node) => ({ action: 'preferred', queueManager, nodes: node }),
    },
    {
      ...ha,
      id: 'clear-preferred',
      label: 'Clear preferred location',
      scope: 'queue-manager',
      nodeCondition: 'preferred',
      confirmation:
        'Clear the preferred location of {qm} (rdqmadm -p -m {qm} -d): {qm} stays where it ' +
        'runs now and no longer moves back to a preferred node by itself.',
      parameters: (queueManager) => ({ action: 'preferred', queueManager, clear: true }),
    },
  ]
}

export const CONSOLE_ACTIONS: readonly ConsoleAction[] = [
  {
    id: 'start',
    label: 'Start',
    command: 'strmqm',
    offeredWhen: ENDED,
    confirmation:
      'Start queue manager {qm} (strmqm {qm}): it replays its log and its listener starts ' +
      'accepting client connections.',
    scope: 'queue-manager',
    haOnly: false,
    parameters: (queueManager) => ({ queueManager }),
  },
  {
    id: 'end',
    label: 'End',
    command: 'endmqm',
    offeredWhen: ['Running'],
    confirmation:
      'End queue manager {qm} immediately (endmqm -i {qm}): connected applications are ' +
      'disconnected now, their uncommitted units of work are backed out, and a final ' +
      'checkpoint is taken.',
    scope: 'queue-manager',
    haOnly: false,
    parameters: (queueManager) => ({ queueManager, mode: 'immediate' }),
  },
  {
    id: 'end-controlled',
    label: 'End (wait)',
    command: 'endmqm',
    offeredWhen: ['Running'],
    confirmation:
      'End queue manager {qm} controlled and wait (endmqm -w {qm}): new connections and calls ' +
      'are refused, connected applications get time to disconnect, then it ends.',
    scope: 'queue-manager',
    haOnly: false,
    parameters: (queueManager) => ({ queueManager, mode: 'wait' }),
  },
  ...haActions(),
]

export function findAction(id: string): ConsoleAction | undefined {
  return CONSOLE_ACTIONS.find((action) => action.id === id)
}
