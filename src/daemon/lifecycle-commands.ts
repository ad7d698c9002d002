/**
 * crtmqm, strmqm, endmqm and dltmqm as daemon commands. Arguments arrive checked for shape by
 * the command line and are checked again here, since anything can write to the socket.
 */
import fs from 'node:fs'
import { securityPaths, writePolicy } from '../security/security-files.js'
import {
  DEFAULT_LISTENER_HOST,
  DEFAULT_SEGMENT_BYTES,
  LOG_FILE_PAGE_BYTES,
  MAX_LOG_FILE_PAGES,
  MIN_LOG_FILE_PAGES,
} from '../constants.js'
import { ErrorCode, isQmqError } from '../errors.js'
import { lockDataDirectory } from '../queue-manager/data-directory.js'
import { QueueManager } from '../queue-manager/queue-manager.js'
import { isValidQueueName } from '../queue/queue-attributes.js'
import {
  forgetDefaultIf,
  resolveQueueManagerName,
  setDefaultQueueManager,
} from './default-queue-manager.js'
import {
  createHaQueueManager,
  deleteHaQueueManager,
  endHaQueueManager,
  startHaQueueManager,
} from '../ha/ha-lifecycle.js'
import { CommandFailure, ReplyBuilder } from './command-failure.js'
import type { CommandReply } from './control-protocol.js'
import type { CommandHandler } from './control-server.js'
import type { EndMode, HostedQueueManager, StartReport } from './hosted-queue-manager.js'
import { INSTALLATION_NAME, installationVersion } from './installation.js'
import type { DaemonContext } from './daemon-context.js'
import { queueManagerPaths } from './node-paths.js'
import { findFreePort } from './port-probe.js'
import {
  existingQueueManager,
  listQueueManagerNames,
  readConfig,
  requireValidName,
  writeJsonAtomically,
  type QueueManagerConfig,
} from './queue-manager-config.js'
import { QueueManagerStatus, isActiveStatus } from './queue-manager-status.js'

type Parameters = Readonly<Record<string, unknown>>

export function lifecycleCommands(daemon: DaemonContext): Map<string, CommandHandler> {
  return new Map<string, CommandHandler>([
    ['crtmqm', (parameters) => daemon.serialize(() => createQueueManager(daemon, parameters))],
    ['strmqm', (parameters) => startQueueManager(daemon, parameters)],
    ['endmqm', (parameters) => endQueueManager(daemon, parameters)],
    ['dltmqm', (parameters) => daemon.serialize(() => deleteQueueManager(daemon, parameters))],
  ])
}

async function createQueueManager(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  if (parameters['ha'] === 'sx' || parameters['ha'] === 'sxs') {
    return createHaQueueManager(daemon, parameters)
  }
  const name = requireValidName(parameters['queueManager'])
  const paths = queueManagerPaths(daemon.paths, name)
  if (fs.existsSync(paths.config)) throw new CommandFailure('ALREADY_EXISTS')
  const host = optionalString(parameters['host']) ?? DEFAULT_LISTENER_HOST
  const segmentBytes = segmentBytesOf(parameters['logFilePages'])
  const deadLetterQueue = deadLetterQueueOf(parameters['deadLetterQueue'])
  const description = optionalString(parameters['description'])
  const port = await choosePort(daemon, host, parameters['port'])
  // A directory without qmgr.json is what an interrupted crtmqm or dltmqm left: not a queue
  // manager, so it is cleared for the new one.
  fs.rmSync(paths.root, { recursive: true, force: true })
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o700 })
  try {
    await createData(paths.data, { name, segmentBytes, deadLetterQueue }, daemon)
    // crtmqm --chckclnt REQUIRED: clients must authenticate from the first start on.
    if (parameters['checkClient'] === 'REQUIRED') writePolicy(securityPaths(paths.root), 'REQUIRED')
    const config: QueueManagerConfig = {
      formatVersion: 1,
      name,
      host,
      port,
      createdAt: new Date().toISOString(),
      ...(description === undefined ? {} : { description }),
      ...(deadLetterQueue === undefined ? {} : { deadLetterQueue }),
    }
    // The configuration last: a queue manager exists once qmgr.json does.
    writeJsonAtomically(paths.config, config)
  } catch (error) {
    fs.rmSync(paths.root, { recursive: true, force: true })
    throw error
  }
  if (parameters['makeDefault'] === true) setDefaultQueueManager(daemon.paths, name)
  daemon.logger.info({ qm: name, port, segmentBytes, deadLetterQueue }, 'queue manager created')
  return new ReplyBuilder()
    .print('QUEUE_MANAGER_CREATED')
    .print('DIRECTORY_CREATED', { directory: paths.root })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
    .print('LISTENER_PORT_ASSIGNED', { port, queueManager: name })
    .done({ queueManager: name, host, port, directory: paths.root, deadLetterQueue })
}

/**
 * Creates the data directory by opening the queue manager with its create options, then closes
 * it: what the queue manager sets up at creation (the dead-letter queue's name, default
 * objects) happens once, here, as MQ's crtmqm does it.
 */
async function createData(
  dataDirectory: string,
  create: { name: string; segmentBytes: number; deadLetterQueue: string | undefined },
  daemon: DaemonContext,
): Promise<void> {
  const { deadLetterQueue, ...rest } = create
  const queueManager = await QueueManager.open({
    dataDirectory,
    create: deadLetterQueue === undefined ? rest : { ...rest, deadLetterQueue },
    logger: daemon.logger.child({ qm: create.name }),
  })
  await queueManager.close()
}

function deadLetterQueueOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string' || !isValidQueueName(value)) {
    throw new CommandFailure('QUEUE_NAME_NOT_VALID', { queue: String(value) })
  }
  return value
}

async function choosePort(daemon: DaemonContext, host: string, requested: unknown) {
  const taken = new Map<number, string>()
  for (const other of listQueueManagerNames(daemon.paths)) {
    taken.set(readConfig(queueManagerPaths(daemon.paths, other)).port, other)
  }
  if (requested === undefined) return findFreePort(host, new Set(taken.keys()))
  if (typeof requested !== 'number' || !Number.isInteger(requested)) {
    throw new CommandFailure('PORT_NOT_VALID', { port: String(requested) })
  }
  if (requested < 1 || requested > 65_535) {
    throw new CommandFailure('PORT_NOT_VALID', { port: requested })
  }
  const owner = taken.get(requested)
  if (owner !== undefined) throw new CommandFailure('PORT_ASSIGNED', { port: requested, owner })
  return requested
}

function segmentBytesOf(pages: unknown): number {
  if (pages === undefined) return DEFAULT_SEGMENT_BYTES
  const valid =
    typeof pages === 'number' &&
    Number.isInteger(pages) &&
    pages >= MIN_LOG_FILE_PAGES &&
    pages <= MAX_LOG_FILE_PAGES
  if (!valid) {
    const inserts = {
      pages: String(pages),
      minimum: MIN_LOG_FILE_PAGES,
      maximum: MAX_LOG_FILE_PAGES,
    }
    throw new CommandFailure('LOG_FILE_PAGES_NOT_VALID', inserts)
  }
  return pages * LOG_FILE_PAGE_BYTES
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

async function startQueueManager(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const name = resolveQueueManagerName(daemon.paths, parameters['queueManager'])
  const paths = existingQueueManager(daemon.paths, name)
  if (readConfig(paths).ha !== undefined) return startHaQueueManager(daemon, name)
  const hosted = daemon.hosted(name)
  refuseIfActive(hosted)
  const reply = new ReplyBuilder()
    .print('QUEUE_MANAGER_STARTING', { queueManager: name })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
  let report: StartReport
  try {
    report = await hosted.start(readConfig(paths))
  } catch (error) {
    if (error instanceof CommandFailure) return reply.failed(error)
    throw error
  }
  daemon.logger.info({ qm: name, port: report.port }, 'queue manager started')
  return startedReply(reply, name, report)
}

function refuseIfActive(hosted: HostedQueueManager): void {
  const status = hosted.status
  if (status === QueueManagerStatus.STARTING || status === QueueManagerStatus.RUNNING) {
    throw new CommandFailure('RUNNING', { queueManager: hosted.name })
  }
  if (isActiveStatus(status)) throw new CommandFailure('ENDING', { queueManager: hosted.name })
}

function startedReply(reply: ReplyBuilder, name: string, report: StartReport): CommandReply {
  const { recovery } = report
  reply
    .print('LOG_RECORDS_REPLAYED', { count: recovery.replayedRecords, queueManager: name })
    .print('LOG_REPLAY_COMPLETE', { queueManager: name })
    .print('TRANSACTIONS_RECOVERED', { queueManager: name })
  if (recovery.rolledBackUnitsOfWork > 0) {
    const count = recovery.rolledBackUnitsOfWork
    reply.print('UNITS_OF_WORK_BACKED_OUT', { count, queueManager: name })
  }
  return reply
    .print('LISTENER_STARTED', { queueManager: name, host: report.host, port: report.port })
    .print('QUEUE_MANAGER_STARTED', { queueManager: name, version: installationVersion() })
    .done({ queueManager: name, host: report.host, port: report.port, recovery })
}

type EndRequest = 'controlled' | 'immediate' | 'wait'

async function endQueueManager(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const name = resolveQueueManagerName(daemon.paths, parameters['queueManager'])
  const paths = existingQueueManager(daemon.paths, name)
  const request = endRequestOf(parameters['mode'])
  if (readConfig(paths).ha !== undefined) {
    // endmqm under HA: disabled and ended everywhere; -c waits for it as -w does.
    return endHaQueueManager(daemon, name, request === 'immediate' ? 'immediate' : 'controlled')
  }
  const hosted = daemon.knownHosted(name)
  if (hosted === undefined || !isActiveStatus(hosted.status)) {
    throw new CommandFailure('NOT_RUNNING', { queueManager: name })
  }
  const reply = new ReplyBuilder()
  if (request === 'controlled') {
    if (
      hosted.status !== QueueManagerStatus.RUNNING &&
      hosted.status !== QueueManagerStatus.STARTING
    ) {
      throw new CommandFailure('ENDING', { queueManager: name })
    }
    void endInBackground(daemon, hosted, 'controlled')
    return reply.print('QUIESCE_ACCEPTED').done({ queueManager: name })
  }
  const mode: EndMode = request === 'wait' ? 'controlled' : 'immediate'
  reply.print(request === 'wait' ? 'WAITING_FOR_END' : 'QUEUE_MANAGER_ENDING', {
    queueManager: name,
  })
  await hosted.end(mode)
  return reply
    .print('QUEUE_MANAGER_ENDED', { queueManager: name })
    .done({ queueManager: name, status: hosted.status })
}

function endRequestOf(mode: unknown): EndRequest {
  if (mode === undefined) return 'controlled'
  if (mode === 'controlled' || mode === 'immediate' || mode === 'wait') return mode
  // endmqm -p: MQ's pre-emptive end stops without waiting for anything; an immediate end here
  // already closes every connection at once, so there is nothing further to cut short.
  if (mode === 'preemptive') return 'immediate'
  throw new CommandFailure('ARGUMENTS_NOT_VALID')
}

async function endInBackground(
  daemon: DaemonContext,
  hosted: { readonly name: string; end(mode: EndMode): Promise<void> },
  mode: EndMode,
): Promise<void> {
  try {
    await hosted.end(mode)
  } catch (error) {
    daemon.logger.error({ err: error, qm: hosted.name }, 'queue manager did not end cleanly')
  }
}

async function deleteQueueManager(
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const name = requireValidName(parameters['queueManager'])
  const paths = existingQueueManager(daemon.paths, name)
  if (readConfig(paths).ha !== undefined) return deleteHaQueueManager(daemon, name)
  const hosted = daemon.knownHosted(name)
  if (hosted !== undefined && isActiveStatus(hosted.status)) {
    throw new CommandFailure('DELETE_WHILE_RUNNING', { queueManager: name })
  }
  // Another process (a program using the library directly) may have the data open.
  let release: () => void
  try {
    release = lockDataDirectory(paths.data)
  } catch (error) {
    if (isQmqError(error) && error.code === ErrorCode.DATA_DIRECTORY_LOCKED) {
      const pid = String(error.details['pid'] ?? 'unknown')
      throw new CommandFailure('DATA_IN_USE', { pid, directory: paths.data })
    }
    throw error
  }
  release()
  // The configuration first: from then on the queue manager no longer exists, even if the
  // removal of its data is interrupted.
  fs.rmSync(paths.config, { force: true })
  forgetDefaultIf(daemon.paths, name)
  fs.rmSync(paths.root, { recursive: true, force: true })
  daemon.forget(name)
  daemon.logger.info({ qm: name }, 'queue manager deleted')
  return new ReplyBuilder().print('QUEUE_MANAGER_DELETED', { queueManager: name }).done()
}
