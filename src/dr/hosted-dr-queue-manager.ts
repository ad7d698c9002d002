/**
 * A DR queue manager as the daemon hosts it: one side of a pair, a ReplicatedQueueManager with
 * the pair's policy (drAsync or drSync), no election; roles change only by rdqmdr.
 *
 *   secondary   the member runs while qmqd runs (it receives the primary's log and keeps a hot
 *               standby engine), no client listener; status "Ended immediately" as RDQM's DR
 *               secondary; strmqm refuses it
 *   primary     ended until strmqm opens the member with startAsPrimary (it promotes itself
 *               before it hears anything, so it never follows the other side) and the client
 *               listener; endmqm closes the member
 *
 * rdqmdr -p asks the running secondary's core to promote (refused while the other side's primary
 * is reachable), then closes the member: the side is now primary, ended, and strmqm starts it.
 * rdqmdr -s (queue manager ended) reopens the member as secondary: it follows the primary, and
 * any records after the fork point are cut and saved aside (divergent/<epoch>-<lsn>.qlog).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DR_START_TIMEOUT_MS } from '../constants.js'
import type { Logger } from '../log.js'
import {
  ReplicatedQueueManager,
  type MemberStatus,
} from '../queue-manager/replicated-queue-manager.js'
import { runMqsc, type MqscRunResult } from '../mqsc/index.js'
import { REPLICATION_TICK_MS, DEFAULT_REPLICATION_SETTINGS } from '../replication/settings.js'
import { CommandFailure } from '../daemon/command-failure.js'
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import type { QueueManagerPaths } from '../daemon/node-paths.js'
import type { DrQueueManagerConfig, QueueManagerConfig } from '../daemon/queue-manager-config.js'
import { QueueManagerStatus, recordState } from '../daemon/queue-manager-status.js'
import { readDrState, writeDrState, type DrRole } from './dr-state.js'
import { DrSyncProgress } from './dr-sync-progress.js'

export class HostedDrQueueManager {
  private member: ReplicatedQueueManager | undefined
  private opening: Promise<void> | undefined
  private endedStatus: QueueManagerStatus = QueueManagerStatus.ENDED_NORMALLY
  readonly progress = new DrSyncProgress()

  constructor(
    readonly name: string,
    readonly paths: QueueManagerPaths,
    readonly config: QueueManagerConfig,
    private readonly logger: Logger,
  ) {}

  get dr(): DrQueueManagerConfig {
    return this.config.dr!
  }

  get role(): DrRole {
    return readDrState(this.paths).role
  }

  get status(): QueueManagerStatus {
    if (this.role === 'secondary') return QueueManagerStatus.ENDED_IMMEDIATELY
    if (this.opening !== undefined) return QueueManagerStatus.STARTING
    if (this.member === undefined) return this.endedStatus
    return this.member.serving ? QueueManagerStatus.RUNNING : QueueManagerStatus.STARTING
  }

  get port(): number | undefined {
    return this.member?.serving === true ? this.config.port : undefined
  }

  /** Never a plain running queue manager: its role comes from the DR contributor. */
  get running(): undefined {
    return undefined
  }

  get engineFailed(): boolean {
    return false
  }

  logStatus(): undefined {
    return undefined
  }

  get isOpen(): boolean {
    return this.member !== undefined
  }

  async memberStatus(): Promise<MemberStatus | undefined> {
    return this.member?.status()
  }

  /** At qmqd start: a secondary always runs; a primary that was started comes back. */
  async resume(): Promise<void> {
    const state = readDrState(this.paths)
    if (state.role === 'secondary') await this.open(false)
    else if (state.started) await this.open(true)
  }

  /** strmqm: only a primary starts; it serves once its epoch start is committed. */
  async start(): Promise<void> {
    if (this.role === 'secondary') {
      throw new CommandFailure('DR_SECONDARY_CANNOT_START', { queueManager: this.name })
    }
    if (this.member !== undefined) throw new CommandFailure('RUNNING', { queueManager: this.name })
    writeDrState(this.paths, { role: 'primary', started: true })
    await this.open(true)
    const deadline = Date.now() + DR_START_TIMEOUT_MS
    const serving = (): boolean => this.member?.serving === true
    while (this.isOpen && !serving() && Date.now() < deadline) await sleep(20)
    if (!serving()) {
      throw new CommandFailure('START_FAILED', {
        queueManager: this.name,
        reason: 'the DR primary did not start serving in time',
      })
    }
  }

  /** endmqm (primary) or qmqd stop: closes the member. */
  async end(mode: EndMode): Promise<void> {
    await this.opening?.catch(() => undefined)
    if (this.role === 'primary') writeDrState(this.paths, { role: 'primary', started: false })
    this.endedStatus =
      mode === 'controlled'
        ? QueueManagerStatus.ENDED_NORMALLY
        : QueueManagerStatus.ENDED_IMMEDIATELY
    await this.closeMember()
    recordState(this.paths, mode === 'controlled' ? 'ended-normally' : 'ended-immediately')
  }

  /** qmqd stop: closes the member whatever the role, keeping `started` for the next start. */
  async stop(): Promise<void> {
    await this.opening?.catch(() => undefined)
    await this.closeMember()
  }

  /**
   * rdqmdr -p: the core refuses while the other side's primary is reachable. Returns what this
   * side gives up: the primary's commit LSN as last heard against this side's durable log end.
   * A secondary is a consistent prefix at every moment (a checkpoint install in flight keeps the
   * previous log until its commit point), so nothing needs reverting: promoting keeps that prefix.
   */
  async makePrimary(): Promise<{ durableLsn: number; primaryLsn: number } | undefined> {
    if (this.role === 'primary') return undefined
    if (this.member === undefined) await this.open(false)
    const member = this.member!
    const before = (await member.status()).replica
    // Just opened, the core cannot yet know whether the other side is a reachable primary: it
    // refuses for its first dead time; asking again after that gives the real answer.
    const deadTimeMs = DEFAULT_REPLICATION_SETTINGS.deadTimeTicks * REPLICATION_TICK_MS
    const deadline = Date.now() + 4 * deadTimeMs
    let refusal = await member.promote()
    while (refusal !== undefined && /not known yet/.test(refusal) && Date.now() < deadline) {
      await sleep(deadTimeMs / 4)
      refusal = await member.promote()
    }
    if (refusal !== undefined) {
      throw new CommandFailure('DR_PROMOTE_REFUSED', { queueManager: this.name, reason: refusal })
    }
    writeDrState(this.paths, { role: 'primary', started: false })
    this.endedStatus = QueueManagerStatus.ENDED_IMMEDIATELY
    await this.closeMember()
    return { durableLsn: before.durableLsn, primaryLsn: before.heardCommitLsn }
  }

  /** rdqmdr -s: the queue manager must be ended; the member then follows the other side. */
  async makeSecondary(): Promise<void> {
    if (this.role === 'secondary') return
    if (this.member !== undefined || this.opening !== undefined) {
      throw new CommandFailure('DR_MUST_BE_ENDED', { queueManager: this.name })
    }
    writeDrState(this.paths, { role: 'secondary', started: false })
    await this.open(false)
  }

  async runScript(text: string): Promise<MqscRunResult> {
    const member = this.member
    if (member === undefined || !member.serving) throw new CommandFailure('NOT_AVAILABLE')
    return runMqsc(member.engine, text, this.name)
  }

  /** Queue ids to names, from this side's engine (saved-aside records name queues by id). */
  queueNames(): Map<number, string> {
    const names = new Map<number, string>()
    const member = this.member
    if (member === undefined) return names
    for (const queue of member.engine.snapshot().queues) {
      names.set(queue.queueId, queue.attributes.name)
    }
    return names
  }

  /** The serving primary's engine (rdqmdr -r puts saved-aside messages on it). */
  servingMember(): ReplicatedQueueManager | undefined {
    return this.member?.serving === true ? this.member : undefined
  }

  private open(asPrimary: boolean): Promise<void> {
    if (this.member !== undefined) return Promise.resolve()
    this.opening ??= this.openOnce(asPrimary).finally(() => {
      this.opening = undefined
    })
    return this.opening
  }

  private async openOnce(asPrimary: boolean): Promise<void> {
    const { dr } = this
    const tickMs = REPLICATION_TICK_MS
    if (asPrimary) recordState(this.paths, 'running')
    const member = await ReplicatedQueueManager.open({
      dataDirectory: this.paths.data,
      queueManager: this.name,
      group: `dr:${this.name}`,
      self: dr.self,
      members: dr.members.map((id) => ({
        id,
        host: id === dr.self ? dr.localAddress : dr.remoteAddress,
        port: dr.port,
        ...(id !== dr.self && dr.testOnlyVia !== undefined ? { via: dr.testOnlyVia } : {}),
      })),
      segmentBytes: dr.segmentBytes,
      ...(dr.checkpointIntervalBytes === undefined
        ? {}
        : { checkpointIntervalBytes: dr.checkpointIntervalBytes }),
      ...(dr.retainMaxBytes === undefined ? {} : { retainMaxBytes: dr.retainMaxBytes }),
      clientPort: asPrimary ? this.config.port : 0,
      policy: dr.type === 's' ? 'drSync' : 'drAsync',
      startAsPrimary: asPrimary,
      settings: {
        ...DEFAULT_REPLICATION_SETTINGS,
        syncTimeoutTicks: Math.max(1, Math.round(dr.syncTimeoutMs / tickMs)),
      },
      logger: this.logger,
    }).catch((error: unknown) => {
      if (asPrimary) recordState(this.paths, 'ended-unexpectedly')
      this.endedStatus = QueueManagerStatus.ENDED_UNEXPECTEDLY
      throw new CommandFailure('START_FAILED', {
        queueManager: this.name,
        reason: error instanceof Error ? error.message : String(error),
      })
    })
    member.on('failed', (error) => {
      this.logger.error({ err: error }, 'DR member failed: closing it')
      this.endedStatus = QueueManagerStatus.ENDED_UNEXPECTEDLY
      void this.closeMember()
    })
    // A checkpoint install closes the member: reopen it from the installed checkpoint.
    member.on('installed', () => {
      if (this.member !== member) return
      this.member = undefined
      void this.open(asPrimary).catch((error: unknown) => {
        this.logger.error({ err: error }, 'DR member did not reopen after a checkpoint install')
      })
    })
    this.member = member
    this.logger.info({ role: asPrimary ? 'primary' : 'secondary' }, 'DR member opened')
  }

  private async closeMember(): Promise<void> {
    const member = this.member
    if (member === undefined) return
    this.member = undefined
    try {
      await member.close()
    } catch (error) {
      this.logger.error({ err: error }, 'DR member did not close cleanly')
    }
    this.progress.reset()
  }
}
