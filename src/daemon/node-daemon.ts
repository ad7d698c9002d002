/**
 * qmqd: one per node. It owns the node directory (QMQ_HOME), hosts any number of queue
 * managers, each with its own journal and TCP listener, and answers the control socket that the
 * MQ-style commands talk to.
 *
 * Start: take the node's daemon lock (daemon-lock.ts: it dies with its holder), record queue
 * managers a dead predecessor left running as "Ended unexpectedly", listen on the control
 * socket. Queue managers are not started automatically, neither those that were running when
 * the daemon stopped: as with MQ, strmqm starts them (a service unit can run strmqm after qmqd
 * is up). HA queue managers with HA control enabled are the exception: the HA side (src/ha/)
 * opens them as members of their group again, as RDQM's Pacemaker does.
 * Stop: `qmqd stop` is refused while queue managers run, naming them; `qmqd stop -f` ends each
 * immediately and names it. SIGTERM and SIGINT (a service manager) end every running queue
 * manager immediately (units of work backed out, final checkpoint), each logged. Then the
 * control socket closes and the lock is released.
 * Housekeeping every DAEMON_HOUSEKEEPING_INTERVAL_MS: a queue manager whose journal failed is
 * ended ("Ended unexpectedly"); a pid file that is gone or names another process (QMQ_HOME
 * deleted) stops the daemon, so no daemon outlives its node directory.
 */
import fs from 'node:fs'
import { DAEMON_HOUSEKEEPING_INTERVAL_MS } from '../constants.js'
import { childLogger, type Logger } from '../log.js'
import type { DaemonContext } from './daemon-context.js'
import { ControlServer, type CommandHandler } from './control-server.js'
import { logToRollingFiles } from './daemon-log.js'
import { acquireDaemonLock, holdsDaemonLock, type DaemonLock } from './daemon-lock.js'
import { HaNode } from '../ha/ha-node.js'
import { haCommands } from '../ha/ha-commands.js'
import type { HostedHaQueueManager } from '../ha/hosted-ha-queue-manager.js'
import { nodeCommands } from '../ha/node-commands.js'
import { HostedQueueManager } from './hosted-queue-manager.js'
import { DrNode } from '../dr/dr-node.js'
import { drDaemonCommands } from '../dr/dr-daemon-commands.js'
import type { HostedDrQueueManager } from '../dr/hosted-dr-queue-manager.js'
import { installationVersion } from './installation.js'
import { lifecycleCommands } from './lifecycle-commands.js'
import { queueManagerPaths, type NodePaths } from './node-paths.js'
import { listQueueManagerNames } from './queue-manager-config.js'
import { queryCommands } from './query-commands.js'
import { isActiveStatus, recordedStatus, settleAbandonedRecord } from './queue-manager-status.js'
import { CommandFailure, ReplyBuilder, failureReply } from './command-failure.js'
import type { CommandReply } from './control-protocol.js'
import { OpsServers } from '../ops/ops-servers.js'
import { OPS_DISABLED, type OpsSettings } from '../ops/ops-settings.js'

export class NodeDaemon implements DaemonContext {
  private readonly queueManagers = new Map<string, HostedQueueManager>()
  private control: ControlServer | undefined
  private housekeeping: NodeJS.Timeout | undefined
  private serialTail: Promise<unknown> = Promise.resolve()
  private commandTable: Map<string, CommandHandler> = new Map()
  /** Status source, metrics endpoint and web console (src/ops/, src/console/). */
  readonly ops: OpsServers = new OpsServers(this)
  private stopping: Promise<void> | undefined
  private resolveStopped!: () => void
  readonly ha: HaNode
  readonly dr: DrNode
  /** Resolves once the daemon has stopped (by command, signal or lost node directory). */
  readonly stopped = new Promise<void>((resolve) => {
    this.resolveStopped = resolve
  })

  private constructor(
    readonly paths: NodePaths,
    readonly logger: Logger,
    private readonly lock: DaemonLock,
  ) {
    this.ha = new HaNode(paths, logger.child({ component: 'ha' }), () =>
      nodeCommands(this.ha, (work) => this.serialize(work)),
    )
    this.dr = new DrNode(paths, logger.child({ component: 'dr' }))
  }

  /** `logToFiles`: a background daemon's rolling log files, set up only once the lock is held. */
  static async start(
    paths: NodePaths,
    options: { logToFiles?: boolean; ops?: OpsSettings } = {},
  ): Promise<NodeDaemon> {
    fs.mkdirSync(paths.queueManagers, { recursive: true, mode: 0o700 })
    fs.mkdirSync(paths.logs, { recursive: true, mode: 0o700 })
    const lock = await acquireDaemonLock(paths)
    if (options.logToFiles === true) logToRollingFiles(paths)
    const logger = childLogger({ component: 'qmqd', home: paths.home })
    const daemon = new NodeDaemon(paths, logger, lock)
    try {
      daemon.settleAbandoned()
      daemon.commandTable = daemon.handlers()
      daemon.control = await ControlServer.listen(paths.socket, daemon.commandTable, logger)
      await daemon.ha.start()
      await daemon.dr.start()
      await daemon.ops.start(options.ops ?? OPS_DISABLED, daemon.consoleCommands())
    } catch (error) {
      await daemon.control?.close()
      await lock.release()
      throw error
    }
    daemon.housekeeping = setInterval(() => daemon.keepHouse(), DAEMON_HOUSEKEEPING_INTERVAL_MS)
    logger.info({ pid: process.pid, version: installationVersion() }, 'qmqd started')
    return daemon
  }

  hosted(name: string): HostedQueueManager {
    let hosted = this.queueManagers.get(name)
    if (hosted === undefined) {
      const paths = queueManagerPaths(this.paths, name)
      const logger = childLogger({ qm: name })
      hosted = new HostedQueueManager(name, paths, recordedStatus(paths), logger)
      this.queueManagers.set(name, hosted)
    }
    return hosted
  }

  knownHosted(
    name: string,
  ): HostedQueueManager | HostedHaQueueManager | HostedDrQueueManager | undefined {
    return this.queueManagers.get(name) ?? this.ha.knownHosted(name) ?? this.dr.hosted(name)
  }

  forget(name: string): void {
    this.queueManagers.delete(name)
    this.dr.forget(name)
    this.ha.forget(name)
  }

  serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.serialTail.then(work)
    this.serialTail = result.catch(() => undefined)
    return result
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce()
    return this.stopping
  }

  private async stopOnce(): Promise<void> {
    this.logger.info('qmqd stopping: ending running queue managers immediately')
    clearInterval(this.housekeeping)
    const ends = [...this.queueManagers.values()].map((hosted) =>
      hosted.end('immediate').catch((error: unknown) => {
        this.logger.error({ err: error, qm: hosted.name }, 'queue manager did not end cleanly')
      }),
    )
    await Promise.all(ends)
    await this.ops.close()
    await this.ha.stop()
    await this.dr.stop()
    await this.control?.close()
    if (holdsDaemonLock(this.paths)) fs.rmSync(this.paths.socket, { force: true })
    await this.lock.release()
    this.logger.info('qmqd stopped')
    this.resolveStopped()
  }

  private handlers(): Map<string, CommandHandler> {
    const table: Map<string, CommandHandler> = new Map<string, CommandHandler>([
      ['ping', () => ({ exitCode: 0, output: [], errors: [], data: this.identity() })],
      ['stop', (parameters) => this.stopCommand(parameters)],
    ])
    table.set('commands', () => ({ exitCode: 0, output: [...table.keys()].sort(), errors: [] }))
    for (const [name, handler] of lifecycleCommands(this)) table.set(name, handler)
    for (const [name, handler] of queryCommands(this)) table.set(name, handler)
    for (const [name, handler] of haCommands(this)) table.set(name, handler)
    for (const [name, handler] of this.ops.commands()) table.set(name, handler)
    // After the HA ones: rdqmstatus of a DR queue manager is answered here, others go on to HA.
    for (const [name, handler] of drDaemonCommands(this, table)) table.set(name, handler)
    return table
  }

  /** The console runs the CLI's own command handlers, so it refuses what the CLI refuses. */
  private consoleCommands() {
    return {
      has: (command: string) => this.commandTable.has(command),
      run: async (command: string, parameters: Record<string, unknown>) => {
        try {
          return await this.commandTable.get(command)!(parameters)
        } catch (error) {
          return failureReply(error)
        }
      },
    }
  }

  identity(): { pid: number; home: string; version: string } {
    return { pid: process.pid, home: this.paths.home, version: installationVersion() }
  }

  /**
   * qmqd stop: refused while queue managers run (an administrator is told which, rather than
   * finding them ended); with force, ends each immediately and names it, then stops. Answers
   * first, then stops: the reply must leave before the socket closes.
   */
  private async stopCommand(parameters: Readonly<Record<string, unknown>>): Promise<CommandReply> {
    const hostedAll = [...this.queueManagers.values(), ...this.ha.all(), ...this.dr.all()]
    const active = hostedAll.filter((hosted) => isActiveStatus(hosted.status))
    if (active.length > 0 && parameters['force'] !== true) {
      const queueManagers = active.map((hosted) => `'${hosted.name}'`).join(', ')
      throw new CommandFailure('DAEMON_QUEUE_MANAGERS_RUNNING', { queueManagers })
    }
    const reply = new ReplyBuilder()
    for (const hosted of active) {
      reply.print('QUEUE_MANAGER_ENDING', { queueManager: hosted.name })
      this.logger.info({ qm: hosted.name }, 'qmqd stop -f: ending the queue manager immediately')
      await hosted.end('immediate')
      reply.print('QUEUE_MANAGER_ENDED', { queueManager: hosted.name })
    }
    setImmediate(() => void this.stop())
    return reply.done(this.identity())
  }

  private settleAbandoned(): void {
    for (const name of listQueueManagerNames(this.paths)) {
      if (settleAbandonedRecord(queueManagerPaths(this.paths, name))) {
        this.logger.warn({ qm: name }, 'queue manager was running when qmqd last ended')
      }
    }
  }

  private keepHouse(): void {
    if (!holdsDaemonLock(this.paths)) {
      this.logger.error('pid file gone or taken over (QMQ_HOME deleted?): qmqd stopping')
      void this.stop()
      return
    }
    void this.ha.keepHouse()
    for (const hosted of this.queueManagers.values()) {
      if (!hosted.engineFailed) continue
      this.logger.error({ qm: hosted.name }, 'journal failed: ending the queue manager')
      void hosted.end('immediate', 'ended-unexpectedly').catch((error: unknown) => {
        this.logger.error({ err: error, qm: hosted.name }, 'ending a failed queue manager failed')
      })
    }
  }
}
