/**
 * One queue manager as the daemon runs it: its QueueManager (journal, engine) and its TCP
 * listener, with MQ's start and end semantics and the status dspmq shows.
 *
 *   Ended ─start─> Starting ─> Running ─end(controlled)─> Quiescing ─> Ended normally
 *                     │          └─────end(immediate)──> Ending immediately ─> Ended immediately
 *                     └─ failure (port in use, recovery error) ─> back to the earlier status
 *   Running ── journal failed ──> Ended unexpectedly (found by the daemon's housekeeping)
 *
 * A controlled end (endmqm, endmqm -w) quiesces the engine, so new connections and new calls
 * fail with 2161 as MQ's FAIL_IF_QUIESCING calls do, then gives connected applications up to
 * CONTROLLED_END_WAIT_MS to disconnect before the listener closes them. An immediate end (-i)
 * closes every connection at once; their units of work are backed out. Both end with a final
 * checkpoint, so the next start replays nothing. An immediate end asked for during a controlled
 * one cuts the wait short.
 */
import { CONTROLLED_END_WAIT_MS, DAEMON_POLL_INTERVAL_MS } from '../constants.js'
import { ErrorCode, isQmqError } from '../errors.js'
import type { Logger } from '../log.js'
import { runMqsc, formatTranscript, type MqscRunResult } from '../mqsc/index.js'
import { QueueManager, type RecoveryReport } from '../queue-manager/queue-manager.js'
import type { LogStatus } from '../queue-manager/log-status.js'
import { QueueManagerServer, type ServerOptions } from '../server/server.js'
import { FileClientGuard } from '../security/client-guard.js'
import { readServerTls } from '../security/listener-policy.js'
import { securityPaths } from '../security/security-files.js'
import { join } from 'node:path'
import { CommandFailure } from './command-failure.js'
import type { QueueManagerPaths } from './node-paths.js'
import type { QueueManagerConfig } from './queue-manager-config.js'
import { QueueManagerStatus, recordState, type RecordedState } from './queue-manager-status.js'

export type EndMode = 'controlled' | 'immediate'

export interface StartReport {
  readonly recovery: RecoveryReport
  readonly host: string
  readonly port: number
}

interface Running {
  readonly queueManager: QueueManager
  readonly server: QueueManagerServer
}

export class HostedQueueManager {
  private current: Running | undefined
  private startup: Promise<StartReport> | undefined
  private ending: Promise<void> | undefined
  private cutWaitShort: (() => void) | undefined

  constructor(
    readonly name: string,
    readonly paths: QueueManagerPaths,
    private statusValue: QueueManagerStatus,
    private readonly logger: Logger,
  ) {}

  get status(): QueueManagerStatus {
    return this.statusValue
  }

  /** The listener's port while running (it may differ from the configured one only if 0). */
  get port(): number | undefined {
    return this.current?.server.port
  }

  get engineFailed(): boolean {
    return this.current?.queueManager.engine.failed ?? false
  }

  start(config: QueueManagerConfig): Promise<StartReport> {
    const startup = this.startOnce(config)
    this.startup = startup
    return startup
  }

  private async startOnce(config: QueueManagerConfig): Promise<StartReport> {
    const previous = this.statusValue
    this.statusValue = QueueManagerStatus.STARTING
    let queueManager: QueueManager | undefined
    try {
      // Before anything opens: a daemon that dies from here on leaves "Ended unexpectedly".
      recordState(this.paths, 'running')
      queueManager = await QueueManager.open({
        dataDirectory: this.paths.data,
        logger: this.logger,
      })
      const server = await QueueManagerServer.listen({
        queueManager,
        host: config.host,
        port: config.port,
        admin: (text) => this.administer(queueManager!, text),
        logger: this.logger.child({ component: 'server' }),
        ...listenerSecurity(this.paths, config, this.logger),
      })
      this.current = { queueManager, server }
      this.statusValue = QueueManagerStatus.RUNNING
      return { recovery: queueManager.recovery, host: server.host, port: server.port }
    } catch (error) {
      await queueManager?.close().catch(() => undefined)
      this.statusValue = previous
      try {
        recordState(this.paths, recordedStateOf(previous))
      } catch (recordError) {
        this.logger.error({ err: recordError }, 'could not record the status after a failed start')
      }
      throw startFailure(this.name, this.paths, config, error)
    }
  }

  /** The queue manager and its listener while Running (metrics and the web console read them). */
  get running():
    { readonly queueManager: QueueManager; readonly server: QueueManagerServer } | undefined {
    return this.statusValue === QueueManagerStatus.RUNNING ? this.current : undefined
  }

  /** The running queue manager's log figures (dspmq -o log); undefined unless Running. */
  logStatus(): LogStatus | undefined {
    if (this.current === undefined || this.statusValue !== QueueManagerStatus.RUNNING) {
      return undefined
    }
    return this.current.queueManager.logStatus()
  }

  /** Runs MQSC against the running queue manager (runmqsc and the wire's ADMIN request). */
  async runScript(text: string): Promise<MqscRunResult> {
    if (this.current === undefined || this.statusValue !== QueueManagerStatus.RUNNING) {
      throw new CommandFailure('NOT_AVAILABLE')
    }
    const queueManager = this.current.queueManager
    return runMqsc(queueManager.engine, text, this.name, {
      logStatus: () => queueManager.logStatus(),
    })
  }

  /** Resolves when ended; a second call joins the first (an immediate one hurries it). */
  end(mode: EndMode, ended = endedStateOf(mode)): Promise<void> {
    if (mode === 'immediate') this.cutWaitShort?.()
    this.ending ??= this.endOnce(mode, ended).finally(() => {
      this.ending = undefined
      this.cutWaitShort = undefined
    })
    return this.ending
  }

  private async endOnce(mode: EndMode, ended: RecordedState): Promise<void> {
    // An end asked for while starting waits for the start to finish (or fail) first.
    await this.startup?.catch(() => undefined)
    const running = this.current
    if (running === undefined) return
    const { queueManager, server } = running
    this.statusValue =
      mode === 'controlled' ? QueueManagerStatus.QUIESCING : QueueManagerStatus.ENDING_IMMEDIATELY
    this.logger.info({ mode }, 'queue manager ending')
    if (mode === 'controlled') {
      queueManager.engine.quiesce()
      const immediate = await this.waitForDisconnects(server)
      if (immediate) this.statusValue = QueueManagerStatus.ENDING_IMMEDIATELY
      await server.close({ graceful: !immediate })
    } else {
      await server.close({ graceful: false })
    }
    try {
      await queueManager.close()
    } catch (error) {
      this.logger.error({ err: error }, 'queue manager did not close cleanly')
      ended = 'ended-unexpectedly'
    }
    this.current = undefined
    this.startup = undefined
    this.statusValue = statusOfEnded(ended)
    recordState(this.paths, ended)
    this.logger.info({ status: this.statusValue }, 'queue manager ended')
  }

  /** True if an immediate end cut the wait short. */
  private async waitForDisconnects(server: QueueManagerServer): Promise<boolean> {
    const deadline = Date.now() + CONTROLLED_END_WAIT_MS
    let immediate = false
    const hurried = new Promise<void>((resolve) => {
      this.cutWaitShort = () => {
        immediate = true
        resolve()
      }
    })
    while (server.connectionCount > 0 && Date.now() < deadline && !immediate) {
      await Promise.race([hurried, delay(DAEMON_POLL_INTERVAL_MS)])
    }
    return immediate
  }

  private async administer(
    queueManager: QueueManager,
    text: string,
  ): Promise<{ lines: string[]; failedCount: number }> {
    const run = await runMqsc(queueManager.engine, text, this.name, {
      logStatus: () => queueManager.logStatus(),
    })
    return { lines: formatTranscript(run, this.name), failedCount: run.commandsFailed }
  }
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

function endedStateOf(mode: EndMode): RecordedState {
  return mode === 'controlled' ? 'ended-normally' : 'ended-immediately'
}

function statusOfEnded(state: RecordedState): QueueManagerStatus {
  switch (state) {
    case 'ended-normally':
      return QueueManagerStatus.ENDED_NORMALLY
    case 'ended-immediately':
      return QueueManagerStatus.ENDED_IMMEDIATELY
    case 'ended-unexpectedly':
      return QueueManagerStatus.ENDED_UNEXPECTEDLY
    case 'running':
      return QueueManagerStatus.RUNNING
  }
}

function recordedStateOf(status: QueueManagerStatus): RecordedState {
  if (status === QueueManagerStatus.ENDED_NORMALLY) return 'ended-normally'
  if (status === QueueManagerStatus.ENDED_UNEXPECTEDLY) return 'ended-unexpectedly'
  return 'ended-immediately'
}

/** A start failure as the message strmqm prints. */
function startFailure(
  name: string,
  paths: QueueManagerPaths,
  config: QueueManagerConfig,
  error: unknown,
): CommandFailure {
  if (isQmqError(error) && error.code === ErrorCode.DATA_DIRECTORY_LOCKED) {
    const pid = String(error.details['pid'] ?? 'unknown')
    return new CommandFailure('DATA_IN_USE', { pid, directory: paths.data }, { cause: error })
  }
  if (isQmqError(error) && error.details['errno'] === 'EADDRINUSE') {
    return new CommandFailure('PORT_IN_USE', { port: config.port, queueManager: name })
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new CommandFailure('START_FAILED', { queueManager: name, reason }, { cause: error })
}

/**
 * The listener's TLS (ssl/ in the queue manager's directory), its guard (security/: users,
 * authorities, CHCKCLNT) and whether plain TCP may face the network (SECURITY.md).
 */
export function listenerSecurity(
  paths: QueueManagerPaths,
  config: QueueManagerConfig,
  logger: Logger,
): Pick<ServerOptions, 'tls' | 'guard' | 'allowPlaintext'> {
  return {
    tls: readServerTls(join(paths.root, 'ssl')),
    guard: new FileClientGuard({
      paths: securityPaths(paths.root),
      logger: logger.child({ component: 'security' }),
    }),
    allowPlaintext: config.allowPlaintext === true || process.env['QMQ_ALLOW_PLAINTEXT'] === '1',
  }
}
