/**
 * An HA (replicated data) queue manager as the daemon hosts it: while HA control is enabled the
 * node runs it as a member of its group (ReplicatedQueueManager: journal, replication links on
 * the node's HA_Replication address at the queue manager's replication port, and the client
 * listener on the same address at its port), whichever role the group gives it:
 *
 *   Ended ─open─> Starting ─> Running            this node is the serving primary
 *                        └──> Running elsewhere  a member; another node (or none yet) is primary
 *   member failed ─> Ended unexpectedly (HA control stays enabled; strmqm or a restarted qmqd
 *                    opens it again)
 *   close (endmqm, qmqd stop) ─> Ended normally / Ended immediately
 *
 * It also keeps, for rdqmstatus, when each peer's replication link was last seen up (polled
 * by the daemon's housekeeping) and the last failure (rdqmstatus -a).
 */
import type { Logger } from '../log.js'
import { runMqsc, type MqscRunResult } from '../mqsc/index.js'
import {
  ReplicatedQueueManager,
  type MemberStatus,
} from '../queue-manager/replicated-queue-manager.js'
import type { LogStatus } from '../queue-manager/log-status.js'
import { CommandFailure } from '../daemon/command-failure.js'
import type { EndMode } from '../daemon/hosted-queue-manager.js'
import type { QueueManagerPaths } from '../daemon/node-paths.js'
import type { QueueManagerConfig } from '../daemon/queue-manager-config.js'
import {
  QueueManagerStatus,
  recordState,
  type RecordedState,
} from '../daemon/queue-manager-status.js'
import type { LinkSecurity } from '../security/link-security.js'
import { replicationSettingsOf } from './heartbeat.js'
import { readHaState, writeHaState, type HaMembership } from './membership.js'

export class HostedHaQueueManager {
  private member: ReplicatedQueueManager | undefined
  private opening: Promise<void> | undefined
  private endedStatus: QueueManagerStatus
  private failure: { at: string; message: string } | undefined
  private readonly lastLinked = new Map<string, string>()

  constructor(
    readonly name: string,
    readonly paths: QueueManagerPaths,
    recorded: QueueManagerStatus,
    private readonly logger: Logger,
    /** The group secret for the replication links (HaNode's, read at join or start). */
    private readonly linkSecurity: () => LinkSecurity = () => ({}),
  ) {
    this.endedStatus = recorded
  }

  get status(): QueueManagerStatus {
    if (this.opening !== undefined) return QueueManagerStatus.STARTING
    if (this.member === undefined) return this.endedStatus
    return this.member.serving ? QueueManagerStatus.RUNNING : QueueManagerStatus.RUNNING_ELSEWHERE
  }

  get isMember(): boolean {
    return this.member !== undefined
  }

  get port(): number | undefined {
    return undefined
  }

  get engineFailed(): boolean {
    return false
  }

  get lastFailure(): { at: string; message: string } | undefined {
    return this.failure
  }

  /** Opens the member (HA control enabled); joins an open already under way. */
  open(config: QueueManagerConfig, membership: HaMembership): Promise<void> {
    if (this.member !== undefined) return Promise.resolve()
    this.opening ??= this.openOnce(config, membership).finally(() => {
      this.opening = undefined
    })
    return this.opening
  }

  private async openOnce(config: QueueManagerConfig, membership: HaMembership): Promise<void> {
    const ha = config.ha!
    recordState(this.paths, 'running')
    const member = await ReplicatedQueueManager.open({
      dataDirectory: this.paths.data,
      queueManager: this.name,
      group: this.name,
      self: membership.self,
      members: membership.group.nodes.map((node) => ({
        id: node.name,
        host: node.replicationAddress,
        port: ha.replicationPort,
      })),
      segmentBytes: ha.segmentBytes,
      clientPort: config.port,
      settings: replicationSettingsOf(membership.group.heartbeat),
      logger: this.logger,
      linkSecurity: this.linkSecurity(),
    }).catch((error: unknown) => {
      recordState(this.paths, 'ended-unexpectedly')
      this.endedStatus = QueueManagerStatus.ENDED_UNEXPECTEDLY
      this.noteFailure(error)
      throw new CommandFailure('START_FAILED', {
        queueManager: this.name,
        reason: error instanceof Error ? error.message : String(error),
      })
    })
    const state = readHaState(this.paths)
    if (state.started !== true) writeHaState(this.paths, { ...state, started: true })
    member.on('failed', (error) => void this.memberFailed(member, error))
    this.member = member
    this.logger.info({ node: membership.self }, 'HA queue manager opened as a member')
  }

  private async memberFailed(member: ReplicatedQueueManager, error: Error): Promise<void> {
    if (this.member !== member) return
    this.noteFailure(error)
    this.logger.error({ err: error }, 'HA member failed: closing it')
    await this.closeMember('ended-unexpectedly')
  }

  private noteFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.failure = { at: new Date().toISOString(), message }
  }

  /** The member's status, or undefined when it is not open. */
  async memberStatus(): Promise<MemberStatus | undefined> {
    return this.member?.status()
  }

  /** Called by housekeeping: remembers when each peer's link was last up. */
  async pollLinks(): Promise<void> {
    const status = await this.member?.status()
    if (status === undefined) return
    const now = new Date().toISOString()
    for (const peer of status.links) this.lastLinked.set(peer, now)
  }

  lastLinkedAt(peer: string): string | undefined {
    return this.lastLinked.get(peer)
  }

  transferLeadership(to: string): void {
    this.member?.transferLeadership(to)
  }

  logStatus(): LogStatus | undefined {
    return undefined
  }

  async runScript(text: string): Promise<MqscRunResult> {
    const member = this.member
    if (member === undefined || !member.serving) throw new CommandFailure('NOT_AVAILABLE')
    return runMqsc(member.engine, text, this.name)
  }

  /** Closes the member; HA control is the caller's (endmqm disables it, qmqd stop keeps it). */
  async end(mode: EndMode, ended: RecordedState = endedStateOf(mode)): Promise<void> {
    await this.opening?.catch(() => undefined)
    await this.closeMember(ended)
  }

  private async closeMember(ended: RecordedState): Promise<void> {
    const member = this.member
    if (member === undefined) return
    this.member = undefined
    try {
      await member.close()
    } catch (error) {
      this.logger.error({ err: error }, 'HA member did not close cleanly')
      ended = 'ended-unexpectedly'
    }
    recordState(this.paths, ended)
    this.endedStatus = statusOfEnded(ended)
    this.logger.info({ status: this.endedStatus }, 'HA queue manager member closed')
  }
}

function endedStateOf(mode: EndMode): RecordedState {
  return mode === 'controlled' ? 'ended-normally' : 'ended-immediately'
}

function statusOfEnded(state: RecordedState): QueueManagerStatus {
  if (state === 'ended-normally') return QueueManagerStatus.ENDED_NORMALLY
  if (state === 'ended-immediately') return QueueManagerStatus.ENDED_IMMEDIATELY
  return QueueManagerStatus.ENDED_UNEXPECTEDLY
}
