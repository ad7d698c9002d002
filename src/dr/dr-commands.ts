/**
 * DR queue managers as daemon commands: crtmqm -rr, strmqm, endmqm, dltmqm of a DR queue
 * manager (lifecycle-commands.ts hands them here), rdqmdr and rdqmstatus -m of a DR one.
 *
 *   rdqmdr {queueManager, action: "primary"}    rdqmdr -p
 *          {action: "secondary"}                 rdqmdr -s
 *          {action: "command"}                   rdqmdr -d: the crtmqm for the other side
 *          {action: "list"}                      rdqmdr -l: the messages saved aside
 *          {action: "restored", files}           after rdqmdr -r put them again
 */
import fs from 'node:fs'
import { DEFAULT_SEGMENT_BYTES, DR_SYNC_TIMEOUT_MS, LOG_FILE_PAGE_BYTES } from '../constants.js'
import { CommandFailure, ReplyBuilder } from '../daemon/command-failure.js'
import type { CommandReply } from '../daemon/control-protocol.js'
import type { DaemonContext } from '../daemon/daemon-context.js'
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import { INSTALLATION_NAME, installationVersion } from '../daemon/installation.js'
import { queueManagerPaths } from '../daemon/node-paths.js'
import { findFreePort } from '../daemon/port-probe.js'
import {
  existingQueueManager,
  listQueueManagerNames,
  readConfig,
  requireValidName,
  writeJsonAtomically,
  type DrQueueManagerConfig,
  type QueueManagerConfig,
} from '../daemon/queue-manager-config.js'
import { selfNodeName } from '../ha/rdqm-ini.js'
import { divergentFiles, markRestored, savedMessages } from './divergent-records.js'
import type { DrNode } from './dr-node.js'
import { writeDrState } from './dr-state.js'
import { drStatusView, formatDrStatus } from './dr-status-report.js'
import type { HostedDrQueueManager } from './hosted-dr-queue-manager.js'

type Parameters = Readonly<Record<string, unknown>>

function text(parameters: Parameters, key: string, option: string): string {
  const value = parameters[key]
  if (typeof value !== 'string' || value === '') {
    throw new CommandFailure('DR_ARGUMENTS', { reason: `${option} is required` })
  }
  return value
}

function port(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new CommandFailure('DR_ARGUMENTS', { reason: `${option} must be a port number` })
  }
  return value
}

function roleAndType(parameters: Parameters): {
  role: 'primary' | 'secondary'
  type: 'a' | 's'
} {
  if (parameters['drRole'] !== 'p' && parameters['drRole'] !== 's') {
    throw new CommandFailure('DR_ARGUMENTS', { reason: '-rr must be p or s' })
  }
  const type = parameters['drType'] ?? 'a'
  if (type !== 'a' && type !== 's') {
    throw new CommandFailure('DR_ARGUMENTS', { reason: '-rt must be a or s' })
  }
  return { role: parameters['drRole'] === 'p' ? 'primary' : 'secondary', type }
}

/** crtmqm -rr p|s -rt a|s -rl local -ri remote -rn remote-node -rp port [-p port] QM */
export async function createDrQueueManager(
  daemon: DaemonContext,
  dr: DrNode,
  parameters: Parameters,
): Promise<CommandReply> {
  const name = requireValidName(parameters['queueManager'])
  const paths = queueManagerPaths(daemon.paths, name)
  if (fs.existsSync(paths.config)) throw new CommandFailure('ALREADY_EXISTS')
  const { role, type } = roleAndType(parameters)
  const self = typeof parameters['node'] === 'string' ? parameters['node'] : selfNodeName()
  const remoteNode = text(parameters, 'remoteNode', '-rn')
  if (remoteNode === self) {
    throw new CommandFailure('DR_ARGUMENTS', { reason: `-rn names this node (${self})` })
  }
  const localAddress = text(parameters, 'localAddress', '-rl')
  const drPort = port(parameters['drPort'], '-rp')
  const pages = parameters['logFilePages']
  const segmentBytes =
    typeof pages === 'number' ? pages * LOG_FILE_PAGE_BYTES : DEFAULT_SEGMENT_BYTES
  const syncTimeout = parameters['syncTimeoutMs']
  const drConfig: DrQueueManagerConfig = {
    type,
    localAddress,
    remoteAddress: text(parameters, 'remoteAddress', '-ri'),
    // Sorted, so both sides list them in the same order whatever their roles.
    members: [self, remoteNode].sort() as [string, string],
    self,
    port: drPort,
    segmentBytes,
    syncTimeoutMs:
      typeof syncTimeout === 'number' && syncTimeout > 0 ? syncTimeout : DR_SYNC_TIMEOUT_MS,
  }
  const listenerPort =
    parameters['port'] === undefined
      ? await findFreePort(localAddress, takenPorts(daemon))
      : port(parameters['port'], '-p')
  const config: QueueManagerConfig = {
    formatVersion: 1,
    name,
    host: localAddress,
    port: listenerPort,
    createdAt: new Date().toISOString(),
    dr: drConfig,
  }
  fs.rmSync(paths.root, { recursive: true, force: true })
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o700 })
  writeDrState(paths, { role, started: false })
  writeJsonAtomically(paths.config, config)
  daemon.logger.info({ qm: name, role, type, drPort, listenerPort }, 'DR queue manager created')
  const reply = new ReplyBuilder()
    .print('QUEUE_MANAGER_CREATED')
    .print('DIRECTORY_CREATED', { directory: paths.root })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
    .print('LISTENER_PORT_ASSIGNED', { port: listenerPort, queueManager: name })
    .print('DR_ENABLING')
  // A secondary receives the primary's log from now on (it creates its data at first open).
  if (role === 'secondary') await dr.hosted(name)!.resume()
  reply.print('DR_ENABLED')
  if (role === 'primary') {
    reply.print('DR_ISSUE_ON_NODE', { node: remoteNode })
    reply.print('DR_COMMAND', { command: otherSideCommand(name, config) })
  } else {
    reply.print('DR_SECONDARY_CREATED')
  }
  return reply.done({ queueManager: name, port: listenerPort, dr: drConfig })
}

function takenPorts(daemon: DaemonContext): Set<number> {
  const taken = new Set<number>()
  for (const other of listQueueManagerNames(daemon.paths)) {
    taken.add(readConfig(queueManagerPaths(daemon.paths, other)).port)
  }
  return taken
}

/** The crtmqm that creates the other side as secondary (crtmqm -rr p, rdqmdr -d). */
export function otherSideCommand(name: string, config: QueueManagerConfig): string {
  const dr = config.dr!
  // The secondary writes the primary's log verbatim, segment seals included: both sides must
  // have the same segment size, so a non-default one is part of the command (as the timeout).
  const pages =
    dr.segmentBytes === DEFAULT_SEGMENT_BYTES ? '' : ` -lf ${dr.segmentBytes / LOG_FILE_PAGE_BYTES}`
  const timeout =
    dr.syncTimeoutMs === DR_SYNC_TIMEOUT_MS ? '' : ` --dr-sync-timeout-ms ${dr.syncTimeoutMs}`
  return (
    `crtmqm -rr s -rt ${dr.type} -rl ${dr.remoteAddress} -ri ${dr.localAddress} ` +
    `-rn ${dr.self} -rp ${dr.port} -p ${config.port}${pages}${timeout} ${name}`
  )
}

export function requireDr(dr: DrNode, daemon: DaemonContext, name: string): HostedDrQueueManager {
  existingQueueManager(daemon.paths, name)
  const hosted = dr.hosted(name)
  if (hosted === undefined) throw new CommandFailure('DR_NOT_DR', { queueManager: name })
  return hosted
}

export async function startDrQueueManager(
  dr: DrNode,
  daemon: DaemonContext,
  name: string,
): Promise<CommandReply> {
  const hosted = requireDr(dr, daemon, name)
  const reply = new ReplyBuilder()
    .print('QUEUE_MANAGER_STARTING', { queueManager: name })
    .print('INSTALLATION', { installation: INSTALLATION_NAME })
  try {
    await hosted.start()
  } catch (error) {
    if (error instanceof CommandFailure) return reply.failed(error)
    throw error
  }
  const { host, port: listener } = hosted.config
  return reply
    .print('LISTENER_STARTED', { queueManager: name, host, port: listener })
    .print('QUEUE_MANAGER_STARTED', { queueManager: name, version: installationVersion() })
    .done({ queueManager: name, host, port: listener })
}

export async function endDrQueueManager(
  dr: DrNode,
  daemon: DaemonContext,
  name: string,
  mode: EndMode,
): Promise<CommandReply> {
  const hosted = requireDr(dr, daemon, name)
  if (hosted.role !== 'primary' || !hosted.isOpen) {
    throw new CommandFailure('NOT_RUNNING', { queueManager: name })
  }
  const reply = new ReplyBuilder().print('QUEUE_MANAGER_ENDING', { queueManager: name })
  await hosted.end(mode)
  return reply.print('QUEUE_MANAGER_ENDED', { queueManager: name }).done({ queueManager: name })
}

export async function deleteDrQueueManager(
  dr: DrNode,
  daemon: DaemonContext,
  name: string,
): Promise<CommandReply> {
  const hosted = requireDr(dr, daemon, name)
  if (hosted.role === 'primary' && hosted.isOpen) {
    throw new CommandFailure('DELETE_WHILE_RUNNING', { queueManager: name })
  }
  await hosted.stop()
  const paths = queueManagerPaths(daemon.paths, name)
  fs.rmSync(paths.config, { force: true })
  fs.rmSync(paths.root, { recursive: true, force: true })
  dr.forget(name)
  daemon.forget(name)
  return new ReplyBuilder().print('QUEUE_MANAGER_DELETED', { queueManager: name }).done()
}

export async function rdqmdr(
  dr: DrNode,
  daemon: DaemonContext,
  parameters: Parameters,
): Promise<CommandReply> {
  const name = requireValidName(parameters['queueManager'])
  const hosted = requireDr(dr, daemon, name)
  const reply = new ReplyBuilder()
  switch (parameters['action']) {
    case 'primary': {
      const given = await hosted.makePrimary()
      reply.print('DR_MADE_PRIMARY', { queueManager: name })
      if (given !== undefined && given.primaryLsn > given.durableLsn) {
        const size = `${Math.ceil((given.primaryLsn - given.durableLsn) / 1024)}KB`
        reply.print('DR_GAVE_UP', { size, lsn: given.durableLsn, primaryLsn: given.primaryLsn })
      }
      return reply.done()
    }
    case 'secondary':
      await hosted.makeSecondary()
      return reply.print('DR_MADE_SECONDARY', { queueManager: name }).done()
    case 'command':
      return reply
        .print('DR_ISSUE_ON_NODE', { node: remoteNodeOf(hosted) })
        .print('DR_COMMAND', { command: otherSideCommand(name, hosted.config) })
        .done()
    case 'list':
      return listSaved(hosted)
    case 'restored':
      for (const file of divergentFiles(hosted.paths.data)) {
        if ((parameters['files'] as unknown[] | undefined)?.includes(file) === true) {
          markRestored(file)
        }
      }
      return reply.done()
    default:
      throw new CommandFailure('ARGUMENTS_NOT_VALID')
  }
}

function remoteNodeOf(hosted: HostedDrQueueManager): string {
  const { members, self } = hosted.dr
  return members[0] === self ? members[1] : members[0]
}

/** The saved-aside messages with their queue names (from this side's engine). */
function listSaved(hosted: HostedDrQueueManager): CommandReply {
  const names = hosted.queueNames()
  const messages = divergentFiles(hosted.paths.data).flatMap((file) =>
    savedMessages(file).map((saved) => ({
      file,
      lsn: saved.lsn,
      epoch: saved.epoch,
      queue: names.get(saved.queueId) ?? `queue id ${saved.queueId}`,
      descriptor: {
        ...saved.put.descriptor,
        msgId: Buffer.from(saved.put.descriptor.msgId).toString('hex'),
        correlId: Buffer.from(saved.put.descriptor.correlId).toString('hex'),
      },
      body: Buffer.from(saved.put.body).toString('base64'),
      gotHere: saved.gotHere,
    })),
  )
  const { localAddress, remoteAddress } = hosted.dr
  const port = hosted.config.port
  const connName = `${localAddress}(${port}),${remoteAddress}(${port})`
  return { exitCode: 0, output: [], errors: [], data: { messages, connName } }
}

/** rdqmstatus -m QM of a DR queue manager. */
export async function drStatus(hosted: HostedDrQueueManager, json: boolean): Promise<CommandReply> {
  const member = await hosted.memberStatus()
  const view = drStatusView(
    {
      queueManager: hosted.name,
      queueManagerStatus: hosted.status,
      role: hosted.role,
      config: hosted.dr,
      member,
    },
    hosted.progress,
    Date.now(),
  )
  return { exitCode: 0, output: json ? [] : formatDrStatus(view), errors: [], data: view }
}
