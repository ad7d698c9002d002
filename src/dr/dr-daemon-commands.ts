/**
 * The daemon's command table, DR-aware: crtmqm with -rr, and strmqm, endmqm, dltmqm and
 * rdqmstatus -m of a DR queue manager are answered by src/dr/; anything else goes on to the
 * handler that was there (plain and HA queue managers), so no other handler needs to know DR.
 * rdqmdr is DR's own.
 */
import { CommandFailure } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { CommandHandler } from '../daemon/control-server.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import { resolveQueueManagerName } from '../daemon/default-queue-manager.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import { readConfig } from '../daemon/queue-manager-config.js'
import {
  createDrQueueManager,
  deleteDrQueueManager,
  drStatus,
  endDrQueueManager,
  rdqmdr,
  startDrQueueManager,
} from './dr-commands.js'

type Parameters = Readonly<Record<string, unknown>>

/** The queue manager's name when it is a DR one, else undefined. */
function drName(daemon: DaemonContext, requested: unknown): string | undefined {
  let name: string
  try {
    name = resolveQueueManagerName(daemon.paths, requested)
    return readConfig(queueManagerPaths(daemon.paths, name)).dr === undefined ? undefined : name
  } catch {
    return undefined
  }
}

export function drDaemonCommands(
  daemon: DaemonContext,
  table: ReadonlyMap<string, CommandHandler>,
): Map<string, CommandHandler> {
  const previous = (command: string): CommandHandler => {
    const handler = table.get(command)
    if (handler === undefined) throw new Error(`no ${command} handler to extend`)
    return handler
  }
  const crtmqm = previous('crtmqm')
  const strmqm = previous('strmqm')
  const endmqm = previous('endmqm')
  const dltmqm = previous('dltmqm')
  const rdqmstatus = previous('rdqmstatus')
  const { dr } = daemon
  return new Map<string, CommandHandler>([
    [
      'crtmqm',
      (parameters) =>
        parameters['drRole'] === undefined
          ? crtmqm(parameters)
          : daemon.serialize(() => createDrQueueManager(daemon, dr, parameters)),
    ],
    [
      'strmqm',
      (parameters) => {
        const name = drName(daemon, parameters['queueManager'])
        return name === undefined ? strmqm(parameters) : startDrQueueManager(dr, daemon, name)
      },
    ],
    [
      'endmqm',
      (parameters) => {
        const name = drName(daemon, parameters['queueManager'])
        if (name === undefined) return endmqm(parameters)
        const mode = parameters['mode'] === 'immediate' ? 'immediate' : 'controlled'
        return endDrQueueManager(dr, daemon, name, mode)
      },
    ],
    [
      'dltmqm',
      (parameters) => {
        const name = drName(daemon, parameters['queueManager'])
        if (name === undefined) return dltmqm(parameters)
        return daemon.serialize(() => deleteDrQueueManager(dr, daemon, name))
      },
    ],
    ['rdqmdr', (parameters) => daemon.serialize(() => rdqmdr(dr, daemon, parameters))],
    ['rdqmstatus', (parameters) => status(daemon, parameters, rdqmstatus)],
  ])
}

function status(
  daemon: DaemonContext,
  parameters: Parameters,
  rdqmstatus: CommandHandler,
): Promise<CommandReply> | CommandReply {
  const requested = parameters['queueManager']
  if (typeof requested !== 'string' || requested === '') return rdqmstatus(parameters)
  const name = drName(daemon, requested)
  if (name === undefined) return rdqmstatus(parameters)
  const hosted = daemon.dr.hosted(name)
  if (hosted === undefined) throw new CommandFailure('DR_NOT_DR', { queueManager: name })
  return drStatus(hosted, parameters['json'] === true)
}
