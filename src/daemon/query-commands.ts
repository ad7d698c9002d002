/**
 * dspmq, runmqsc and locate as daemon commands.
 *
 * runmqsc answers with MQ's exit codes only: 0 all commands ran, 10 some failed, 20 the script
 * could not run at all (no such queue manager, not running), whatever the message says.
 * locate tells a client command where a local queue manager listens; with no name it picks the
 * default queue manager (crtmqm -q), else the node's only one.
 */
import { formatTranscript } from '../mqsc/index.js'
import { CommandFailure, ReplyBuilder, failureReply } from './command-failure.js'
import type { CommandReply } from './control-protocol.js'
import type { CommandHandler } from './control-server.js'
import type { DaemonContext } from './daemon-context.js'
import {
  DISPLAY_OUTPUTS,
  describeQueueManager,
  formatDisplayLine,
  selectQueueManagers,
} from './queue-manager-listing.js'
import { resolveQueueManagerName } from './default-queue-manager.js'
import { existingQueueManager, readConfig } from './queue-manager-config.js'
import { QueueManagerStatus } from './queue-manager-status.js'

type Parameters = Readonly<Record<string, unknown>>

export const RUNMQSC_EXIT = { OK: 0, COMMANDS_FAILED: 10, ERROR: 20 } as const

export function queryCommands(daemon: DaemonContext): Map<string, CommandHandler> {
  return new Map<string, CommandHandler>([
    ['dspmq', (parameters) => displayQueueManagers(daemon, parameters)],
    ['runmqsc', (parameters) => runScript(daemon, parameters)],
    ['locate', (parameters) => locateQueueManager(daemon, parameters)],
  ])
}

function displayQueueManagers(daemon: DaemonContext, parameters: Parameters): CommandReply {
  const name = parameters['queueManager']
  const requested = parameters['output']
  const output = DISPLAY_OUTPUTS.find((each) => each === requested) ?? 'status'
  const names = selectQueueManagers(daemon.paths, typeof name === 'string' ? name : undefined)
  const entries = names.map((each) => {
    const hosted = daemon.knownHosted(each)
    const log = output === 'log' ? hosted?.logStatus() : undefined
    return describeQueueManager(daemon.paths, each, hosted?.status, undefined, log)
  })
  const reply = new ReplyBuilder()
  for (const entry of entries) reply.line(formatDisplayLine(entry, output))
  return reply.done(entries)
}

async function runScript(daemon: DaemonContext, parameters: Parameters): Promise<CommandReply> {
  try {
    const name = parameters['queueManager']
    const text = parameters['text']
    if (typeof name !== 'string' || typeof text !== 'string') {
      throw new CommandFailure('ARGUMENTS_NOT_VALID')
    }
    existingQueueManager(daemon.paths, name)
    const hosted = daemon.knownHosted(name)
    if (hosted === undefined) throw new CommandFailure('NOT_AVAILABLE')
    const run = await hosted.runScript(text)
    const exitCode = run.commandsFailed > 0 ? RUNMQSC_EXIT.COMMANDS_FAILED : RUNMQSC_EXIT.OK
    // Interactive runmqsc numbers and prints as it goes, so it takes the results, not the text.
    const output = parameters['interactive'] === true ? [] : formatTranscript(run, name)
    return { exitCode, output, errors: [], data: run }
  } catch (error) {
    return { ...failureReply(error), exitCode: RUNMQSC_EXIT.ERROR }
  }
}

export interface LocateResult {
  readonly queueManager: string
  readonly host: string
  readonly port: number
  readonly running: boolean
}

function locateQueueManager(daemon: DaemonContext, parameters: Parameters): CommandReply {
  const name = resolveQueueManagerName(daemon.paths, parameters['queueManager'])
  const paths = existingQueueManager(daemon.paths, name)
  const config = readConfig(paths)
  const hosted = daemon.knownHosted(name)
  const running = hosted?.status === QueueManagerStatus.RUNNING
  const result: LocateResult = {
    queueManager: name,
    host: config.host,
    port: hosted?.port ?? config.port,
    running,
  }
  return new ReplyBuilder().done(result)
}
