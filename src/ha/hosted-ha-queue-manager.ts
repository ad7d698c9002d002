/**
 * An HA (replicated data) queue manager as the daemon hosts it: while HA control is enabled the
 * node runs it as a member of its group (ReplicatedQueueManager: journal, replication links on
 * the node's HA_Replication address at the queue manager's replication port, and the client
 * listener on the same address at its port), whichever role the group gives it:
 *
 *   Ended ─open─> Starting ─> Running            this node is the serving primary
 *                        └──> Running elsewhere  a member; another node (or none yet) is primary
 *                        └──> Ended unexpectedly  a member that hears no peer (after InitDead
 *                                 from its open): it has no quorum, acknowledges nothing, and
 *                                 rejoins as a secondary when a peer is heard again
 *   member failed, or its open failed ─> Ended unexpectedly, and a failed-start ban on this node
 *                    (ha.json `blocked`: not opened again here until rdqmadm -r clears it)
 *   checkpoint install (a member too far behind the retained log): the member closes itself
 *                    after staging the primary's checkpoint; it is reopened here at once, and
 *                    shows Running elsewhere meanwhile (rdqmstatus: Synchronization in progress)
 *   close (endmqm, qmqd stop) ─> Ended normally / Ended immediately
 *
 * Every role change runs the node's lifecycle hooks (lifecycle-hooks.ts). A heartbeat watch
 * (every WarnTime / 2) logs a warning when a peer has been silent past WarnTime. It also keeps,
 * for rdqmstatus, when each peer's replication link was last seen up and samples of its durable
 * LSN (polled by the daemon's housekeeping), and the last failure (rdqmstatus -a).
 */
import { HA_HEARTBEAT_WATCH_MIN_MS } from '../constants.js'
import type { Logger } from '../log.js'
import { REPLICATION_TICK_MS } from '../replication/settings.js'
import { runMqsc, type MqscRunResult } from '../mqsc/index.js'
import {
  ReplicatedQueueManager,
  type MemberStatus,
} from '../queue-manager/replicated-queue-manager.js'
import type { LogStatus } from '../queue-manager/log-status.js'
import { CommandFailure } from '../daemon/command-failure.js'
import { listenerSecurity, type EndMode } from '../daemon/hosted-queue-manager.js'
import type { QueueManagerPaths } from '../daemon/node-paths.js'
import type { QueueManagerConfig } from '../daemon/queue-manager-config.js'
import {
  QueueManagerStatus,
  recordState,
  type RecordedState,
} from '../daemon/queue-manager-status.js'
import { RoleChanges } from '../ops/role-changes.js'
import type { LinkSecurity } from '../security/link-security.js'
import { replicationSettingsOf } from './heartbeat.js'
import { HookRunner, type FloatingAddress, type HookRole } from './lifecycle-hooks.js'
import { readHaState, updateHaState, type HaMembership } from './membership.js'
import { LsnSamples } from './sync-progress.js'

interface OpenRequest {
  readonly config: QueueManagerConfig
  readonly membership: HaMembership
}

export class HostedHaQueueManager {
  private member: ReplicatedQueueManager | undefined
  private opening: Promise<void> | undefined
  private endedStatus: QueueManagerStatus
  private failure: { at: string; message: string } | undefined
  private readonly lastLinked = new Map<string, string>()
  /** Elections and failovers this node's member saw (the status source's HA part). */
  readonly roleChanges = new RoleChanges()
  /** What the last open was given: a checkpoint install reopens with the same. */
  private request: OpenRequest | undefined
  /** Set by open, cleared by end: an install finishing after an end does not reopen. */
  private wanted = false
  private installing: { lsn: number; since: string } | undefined
  private openedAtMs = 0
  private isolated = false
  private readonly late = new Set<string>()
  private watch: NodeJS.Timeout | undefined
  private readonly hooks: HookRunner
  readonly samples = new LsnSamples()

  constructor(
    readonly name: string,
    readonly paths: QueueManagerPaths,
    recorded: QueueManagerStatus,
    private readonly logger: Logger,
    home: string,
    /** The group secret for the replication links (HaNode's, read at join or start). */
    private readonly linkSecurity: () => LinkSecurity = () => ({}),
  ) {
    this.endedStatus = recorded
    this.hooks = new HookRunner(home, logger)
  }

  get status(): QueueManagerStatus {
    if (this.installing !== undefined) return QueueManagerStatus.RUNNING_ELSEWHERE
    if (this.opening !== undefined) return QueueManagerStatus.STARTING
    if (this.member === undefined) return this.endedStatus
    if (this.member.serving) return QueueManagerStatus.RUNNING
    if (this.isolated) return QueueManagerStatus.ENDED_UNEXPECTEDLY
    return QueueManagerStatus.RUNNING_ELSEWHERE
  }

  get isMember(): boolean {
    return this.member !== undefined || this.installing !== undefined
  }

  /** The checkpoint being installed here, if one is (rdqmstatus). */
  get checkpointInstall(): { lsn: number; since: string } | undefined {
    return this.installing
  }

  get port(): number | undefined {
    return undefined
  }

  /** Never a plain running queue manager: the status source takes a member's part from HA. */
  get running(): undefined {
    return undefined
  }

  get engineFailed(): boolean {
    return false
  }

  get lastFailure(): { at: string; message: string } | undefined {
    return this.failure
  }

  /** Lifecycle hooks queued so far have run (tests). */
  hooksIdle(): Promise<void> {
    return this.hooks.idle()
  }

  /** Opens the member (HA control enabled); joins an open already under way. */
  open(config: QueueManagerConfig, membership: HaMembership): Promise<void> {
    this.wanted = true
    this.request = { config, membership }
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
        ...(ha.testOnlyVia?.[node.name] ? { via: ha.testOnlyVia[node.name] } : {}),
      })),
      segmentBytes: ha.segmentBytes,
      clientPort: config.port,
      settings: replicationSettingsOf(membership.group.heartbeat),
      ...(ha.checkpointIntervalBytes === undefined
        ? {}
        : { checkpointIntervalBytes: ha.checkpointIntervalBytes }),
      ...(ha.retainMaxBytes === undefined ? {} : { retainMaxBytes: ha.retainMaxBytes }),
      logger: this.logger,
      linkSecurity: this.linkSecurity(),
      // The same listener rules as a single-node queue manager's: ssl/, security/ and
      // allowPlaintext (or QMQ_ALLOW_PLAINTEXT=1) on a non-loopback HA_Replication address.
      clientSecurity: () => listenerSecurity(this.paths, config, this.logger),
    }).catch((error: unknown) => this.openFailed(error))
    if (readHaState(this.paths).started !== true) updateHaState(this.paths, { started: true })
    this.wire(member, membership)
    this.member = member
    this.openedAtMs = Date.now()
    this.isolated = false
    this.samples.restart()
    this.startWatch(member, membership)
    this.roleChanged(member, membership, 'secondary')
    this.logger.info({ node: membership.self }, 'HA queue manager opened as a member')
  }

  private openFailed(error: unknown): never {
    recordState(this.paths, 'ended-unexpectedly')
    this.endedStatus = QueueManagerStatus.ENDED_UNEXPECTEDLY
    this.noteFailure(error)
    this.ban(error)
    throw new CommandFailure('START_FAILED', {
      queueManager: this.name,
      reason: error instanceof Error ? error.message : String(error),
    })
  }

  /** A failed-start ban on this node (rdqmadm -r clears it). */
  private ban(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error)
    updateHaState(this.paths, { blocked: { at: new Date().toISOString(), reason } })
    this.logger.error({ reason }, 'HA queue manager banned from this node until rdqmadm -r')
  }

  private wire(member: ReplicatedQueueManager, membership: HaMembership): void {
    member.on('failed', (error) => void this.memberFailed(member, error))
    this.roleChanges.opened(member.epoch, member.primaryId)
    member.on('role', (_role, epoch, primary) => this.roleChanges.observe(epoch, primary))
    member.on('serving', (serving) =>
      this.roleChanged(member, membership, serving ? 'primary' : 'secondary'),
    )
    member.on('installing', (lsn) => {
      this.installing = { lsn, since: new Date().toISOString() }
      this.logger.info({ lsn }, 'checkpoint catch-up: installing the primary checkpoint')
    })
    member.on('installed', (lsn) => void this.reopenAfterInstall(member, lsn))
  }

  /** The member closed itself after staging a checkpoint: open it again from it. */
  private async reopenAfterInstall(member: ReplicatedQueueManager, lsn: number): Promise<void> {
    if (this.member !== member) {
      this.installing = undefined
      return
    }
    this.member = undefined
    clearInterval(this.watch)
    const request = this.request!
    try {
      if (!this.wanted) {
        recordState(this.paths, 'ended-immediately')
        this.endedStatus = QueueManagerStatus.ENDED_IMMEDIATELY
        return
      }
      this.logger.info({ lsn }, 'checkpoint installed: reopening the member')
      await this.open(request.config, request.membership)
    } catch (error) {
      this.logger.error({ err: error }, 'HA member did not reopen after its checkpoint install')
    } finally {
      this.installing = undefined
    }
  }

  private roleChanged(member: ReplicatedQueueManager, membership: HaMembership, role: HookRole) {
    this.hooks.changed({
      queueManager: this.name,
      node: membership.self,
      role,
      epoch: member.epoch,
      floating: readHaState(this.paths).floatingIp,
    })
  }

  /**
   * Every WarnTime / 2: a peer silent past WarnTime is logged (once, until heard again), and
   * a member that hears no peer within DeadTime counts as isolated (not before InitDead has
   * passed since it opened: its peers may still be starting).
   */
  private startWatch(member: ReplicatedQueueManager, membership: HaMembership): void {
    const heartbeat = membership.group.heartbeat
    const period = Math.max(HA_HEARTBEAT_WATCH_MIN_MS, Math.floor(heartbeat.warntimeMs / 2))
    clearInterval(this.watch)
    this.watch = setInterval(() => {
      if (this.member !== member) return
      void member
        .status()
        .then((status) => this.watched(status, membership))
        .catch(() => undefined)
    }, period)
    this.watch.unref()
  }

  private watched(status: MemberStatus, membership: HaMembership): void {
    const heartbeat = membership.group.heartbeat
    const settled = Date.now() - this.openedAtMs >= heartbeat.initdeadMs
    let heard = 0
    for (const node of membership.group.nodes) {
      if (node.name === membership.self) continue
      const silentMs = (status.replica.silentTicks[node.name] ?? Infinity) * REPLICATION_TICK_MS
      if (silentMs < heartbeat.deadtimeMs) heard++
      const known = status.replica.silentTicks[node.name] !== undefined
      if (known && silentMs > heartbeat.warntimeMs && settled && !this.late.has(node.name)) {
        this.late.add(node.name)
        this.logger.warn({ peer: node.name, silentMs }, 'heartbeat late (WarnTime passed)')
      } else if (silentMs <= heartbeat.warntimeMs && this.late.delete(node.name)) {
        this.logger.info({ peer: node.name }, 'heartbeat heard again')
      }
    }
    const isolated = settled && !status.serving && heard === 0
    if (isolated !== this.isolated) {
      this.logger.warn({ isolated }, isolated ? 'no quorum: no peer heard' : 'a peer heard again')
    }
    this.isolated = isolated
  }

  private async memberFailed(member: ReplicatedQueueManager, error: Error): Promise<void> {
    if (this.member !== member) return
    this.noteFailure(error)
    this.ban(error)
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

  /** Called by housekeeping: when each peer's link was last up, and a durable-LSN sample. */
  async pollLinks(): Promise<void> {
    const status = await this.member?.status()
    if (status === undefined) return
    const now = new Date().toISOString()
    for (const peer of status.links) this.lastLinked.set(peer, now)
    this.samples.add(Date.now(), status.replica.durableLsn)
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

  /** rdqmint changed the floating address: the serving node moves to the new one at once. */
  floatingChanged(previous: FloatingAddress | undefined): void {
    const member = this.member
    if (member === undefined || !member.serving) return
    this.hooks.floatingMoved(previous, readHaState(this.paths).floatingIp)
  }

  /** Closes the member; HA control is the caller's (endmqm disables it, qmqd stop keeps it). */
  async end(mode: EndMode, ended: RecordedState = endedStateOf(mode)): Promise<void> {
    this.wanted = false
    await this.opening?.catch(() => undefined)
    await this.closeMember(ended)
  }

  private async closeMember(ended: RecordedState): Promise<void> {
    const member = this.member
    if (member === undefined) return
    this.member = undefined
    clearInterval(this.watch)
    try {
      await member.close()
    } catch (error) {
      this.logger.error({ err: error }, 'HA member did not close cleanly')
      ended = 'ended-unexpectedly'
    }
    recordState(this.paths, ended)
    this.endedStatus = statusOfEnded(ended)
    const membership = this.request?.membership
    if (membership !== undefined) this.roleChanged(member, membership, 'ended')
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
