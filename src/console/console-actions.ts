/**
 * What an operator can do from the web console. Each action runs the very command handler the
 * CLI's command runs (the daemon's control-command table), so a refusal carries the CLI's
 * message word for word, and each says before it runs what will happen.
 *
 * An action is offered only when the daemon has its command: the HA and DR commands (suspend
 * and resume a node, preferred location, DR promote and demote) join this table as they land.
 */
import type { QueueManagerStatus } from '../daemon/queue-manager-status.js'

export interface ConsoleAction {
  readonly id: string
  readonly label: string
  /** The control command it runs (the CLI command's name). */
  readonly command: string
  /** The statuses in which the page offers it (the command still decides). */
  readonly offeredWhen: readonly QueueManagerStatus[]
  /** {qm} is replaced by the queue manager's name. */
  readonly confirmation: string
  parameters(queueManager: string): Record<string, unknown>
}

const ENDED: readonly QueueManagerStatus[] = [
  'Ended normally',
  'Ended immediately',
  'Ended unexpectedly',
]

export const CONSOLE_ACTIONS: readonly ConsoleAction[] = [
  {
    id: 'start',
    label: 'Start',
    command: 'strmqm',
    offeredWhen: ENDED,
    confirmation:
      'Start queue manager {qm} (strmqm {qm}): it replays its log and its listener starts ' +
      'accepting client connections.',
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
    parameters: (queueManager) => ({ queueManager, mode: 'wait' }),
  },
]

export function findAction(id: string): ConsoleAction | undefined {
  return CONSOLE_ACTIONS.find((action) => action.id === id)
}
