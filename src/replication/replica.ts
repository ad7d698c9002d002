/**
 * The replication core: one member's replication and election state machine, pure. It takes
 * inputs (ticks, messages, local journal progress, admin requests) through step() and returns
 * effects (messages, hard state to persist, records to write or cut, commit LSN, role changes),
 * like etcd raft's Step/Ready and ra's {State, Effects}. No I/O, no timers, no randomness of its
 * own: the random source is injected, the clock is the count of ticks.
 *
 * The log is the journal. The core keeps a compact view of it: log start, end and durable LSNs
 * (end positions, exclusive) and the epoch history; records themselves stay in the shell.
 * Log matching is by (prevLsn, prevEpoch) on APPEND; a refusal carries the follower's epoch
 * history from its commit point, from which the primary computes the divergence point exactly
 * (a record boundary in both logs), so no back-off by guesswork is needed.
 *
 * Roles: secondary -> candidate (after a pre-vote) -> primary; any -> secondary on a higher
 * epoch. A primary appends EPOCH_START first and serves once it is committed (Raft's no-op:
 * records of earlier epochs commit only through it). Check-quorum deposes a primary that has not
 * heard a majority for the dead time. DR pairs (non-electing policies) change roles only by
 * admin promote and demote.
 */
import { assert, unreachable } from '../assert.js'
import { LOG_START_LSN, MAX_REPLICATION_HISTORY_RUNS } from '../constants.js'
import type { SimulationBug } from './bugs.js'
import {
  EffectType,
  InputType,
  type ReplicaEffect,
  type ReplicaInput,
  type Role,
} from './effects.js'
import {
  grantsVote,
  isAtLeastAsUpToDate,
  randomizedElectionTimeout,
  type LogPosition,
} from './election.js'
import { EpochHistory, divergencePoint, wireHistory, type EpochRun } from './epoch-history.js'
import {
  MessageType,
  type AppendMessage,
  type AppendResponseMessage,
  type CheckpointMessage,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type ReplicaMessage,
  type VoteMessage,
  type VoteResponseMessage,
} from './messages.js'
import { PeerProgress } from './progress.js'
import {
  commitPolicy,
  hasMajority,
  type CommitPolicy,
  type CommitPolicyKind,
  type PeerDurability,
} from './quorum.js'
import {
  appendLimitOf,
  checkSettings,
  DEFAULT_REPLICATION_SETTINGS,
  type ReplicationSettings,
} from './settings.js'

export interface HardState {
  readonly epoch: number
  readonly votedFor: string | undefined
}

/** The local log as recovery found it. */
export interface LogView {
  readonly startLsn: number
  readonly endLsn: number
  readonly history: readonly EpochRun[]
}

export interface ReplicaOptions {
  readonly id: string
  /** Every member of the group, this one included. */
  readonly members: readonly string[]
  readonly policy: CommitPolicyKind
  readonly settings?: ReplicationSettings
  /** Integer in [0, bound): election jitter. */
  readonly random: (bound: number) => number
  readonly hardState: HardState
  readonly log: LogView
  /** An LSN known to be committed (a checkpoint's); default the log start. */
  readonly commitLsn?: number
  /** DR: the administrator made this member the primary (a restart keeps the role): it
   *  promotes itself before it handles anything, so a returning primary never follows the other
   *  side and never has its records cut without a demote. */
  readonly startAsPrimary?: boolean
  /** Simulation only: rules to break on purpose (src/replication/bugs.ts). */
  readonly bugs?: ReadonlySet<SimulationBug>
}

export interface ReplicaStatus {
  readonly id: string
  readonly role: Role
  readonly epoch: number
  readonly primaryId: string | undefined
  readonly votedFor: string | undefined
  readonly commitLsn: number
  readonly endLsn: number
  readonly durableLsn: number
  readonly logStartLsn: number
  readonly acceptingWrites: boolean
  readonly lastEpoch: number
  readonly outOfSyncBytes: number
  /** A checkpoint may hold the records below this: the commit LSN, and for a DR primary no
   *  more than its secondary has (a forced promotion may fork the rest away). */
  readonly checkpointLimitLsn: number
  /** Ticks since each peer was last heard: a primary's followers, a follower's primary (the
   *  HA daemon's WarnTime warning). */
  readonly silentTicks: Readonly<Record<string, number>>
  /** DR: this member is primary and hears the other side claim to be primary too (split
   *  brain). Neither side overwrites the other; the administrator demotes one. */
  readonly partitioned: boolean
  /** Primary: what each peer has durably matched (status and progress displays). */
  readonly peerMatchLsns: readonly { readonly id: string; readonly matchLsn: number }[]
  /** Secondary: the primary's commit LSN as last heard (how far behind this member is). */
  readonly heardCommitLsn: number
}

interface Transfer {
  readonly to: string
  elapsedTicks: number
  timeoutSent: boolean
}

export class Replica {
  readonly id: string
  private readonly members: readonly string[]
  private readonly peers: readonly string[]
  private readonly settings: ReplicationSettings
  private readonly maxAppendBytes: number
  private readonly policy: CommitPolicy
  private readonly random: (bound: number) => number
  private readonly bugs: ReadonlySet<SimulationBug>

  private role: Role = 'secondary'
  private epoch: number
  private votedFor: string | undefined
  private primaryId: string | undefined
  private readonly history: EpochHistory
  private logStartLsn: number
  private endLsn: number
  private durableLsn: number
  private commitLsn: number
  /** Secondary: the local log is known to equal the primary's below this LSN, in this epoch. */
  private verifiedLsn: number
  private nowTick = 0
  private electionElapsed = 0
  private electionTimeout: number
  private heartbeatElapsed = 0
  private preVoting = false
  private readonly votes = new Set<string>()
  private readonly progress = new Map<string, PeerProgress>()
  /** Primary: LSN of the first record of its epoch (-1 until the shell appended it). */
  private epochStartLsn = -1
  private ready = false
  private acceptingWrites = false
  private transfer: Transfer | undefined
  private checkpointLsn = -1
  private retentionFloor = -1
  /** DR: when the other side was last heard claiming to be primary (-1: never). */
  private otherPrimaryHeardTick = -1
  /** DR: the highest epoch heard from the other side (a promotion goes above it). */
  private peerEpoch = 0
  private promoteOnStart: boolean
  private heardCommitLsn = 0
  private effects: ReplicaEffect[] = []

  constructor(options: ReplicaOptions) {
    this.id = options.id
    this.members = [...options.members]
    assert(this.members.includes(this.id), 'replica: a member of its own group')
    assert(new Set(this.members).size === this.members.length, 'replica: member ids distinct')
    this.peers = this.members.filter((member) => member !== this.id)
    this.settings = options.settings ?? DEFAULT_REPLICATION_SETTINGS
    checkSettings(this.settings)
    this.maxAppendBytes = appendLimitOf(this.settings)
    this.policy = commitPolicy(options.policy, this.settings.syncTimeoutTicks)
    assert(this.policy.elects || this.members.length === 2, 'replica: a DR pair has two members')
    this.random = options.random
    this.bugs = options.bugs ?? new Set()
    this.epoch = options.hardState.epoch
    this.votedFor = options.hardState.votedFor
    this.history = new EpochHistory(options.log.history)
    assert(this.history.lastEpoch <= this.epoch, 'replica: no record from a future epoch')
    this.logStartLsn = options.log.startLsn
    this.endLsn = options.log.endLsn
    assert(this.endLsn >= this.logStartLsn, 'replica: the log ends after it starts')
    this.durableLsn = this.endLsn
    this.commitLsn = options.commitLsn ?? this.logStartLsn
    assert(this.commitLsn >= this.logStartLsn, 'replica: commit within the log')
    assert(this.commitLsn <= this.endLsn, 'replica: commit within the log')
    this.verifiedLsn = this.commitLsn
    this.electionTimeout = randomizedElectionTimeout(this.settings, this.random)
    this.promoteOnStart = options.startAsPrimary === true
    assert(!this.promoteOnStart || !this.policy.elects, 'replica: only a DR member starts primary')
  }

  /** Feeds one input and returns the effects, in the order the shell must perform them. */
  step(input: ReplicaInput): ReplicaEffect[] {
    this.effects = []
    // Bookkeeping inputs (a shell reports its checkpoint before it runs) leave it pending.
    const running =
      input.type !== InputType.CHECKPOINT_TAKEN && input.type !== InputType.LOG_RETIRED
    if (this.promoteOnStart && running) {
      this.promoteOnStart = false
      this.promoteNow()
    }
    switch (input.type) {
      case InputType.TICK:
        this.tick()
        break
      case InputType.MESSAGE:
        this.receive(input.message)
        break
      case InputType.LOCAL_APPEND:
        this.localAppend(input.startLsn, input.endLsn, input.epoch)
        break
      case InputType.LOCAL_DURABLE:
        this.localDurable(input.lsn)
        break
      case InputType.CHECKPOINT_TAKEN:
        assert(input.lsn <= this.commitLsn, 'replica: a checkpoint holds committed records only')
        // DR: records past the secondary's match may yet be cut by a forced promotion.
        assert(
          input.lsn <= this.checkpointLimitLsn,
          'replica: a DR primary checkpoints only what its secondary has',
        )
        this.checkpointLsn = Math.max(this.checkpointLsn, input.lsn)
        break
      case InputType.LOG_RETIRED:
        this.logRetired(input.lsn)
        break
      case InputType.TRANSFER_LEADERSHIP:
        this.transferLeadership(input.to)
        break
      case InputType.PROMOTE:
        this.promote()
        break
      case InputType.DEMOTE:
        this.demote()
        break
      default:
        unreachable(input, 'replica input')
    }
    const effects = this.effects
    this.effects = []
    return effects
  }

  status(): ReplicaStatus {
    return {
      id: this.id,
      role: this.role,
      epoch: this.epoch,
      primaryId: this.primaryId,
      votedFor: this.votedFor,
      commitLsn: this.commitLsn,
      endLsn: this.endLsn,
      durableLsn: this.durableLsn,
      logStartLsn: this.logStartLsn,
      acceptingWrites: this.acceptingWrites,
      lastEpoch: this.history.lastEpoch,
      outOfSyncBytes: this.policy.outOfSyncBytes,
      checkpointLimitLsn: this.checkpointLimitLsn,
      silentTicks: this.silentTicks(),
      partitioned: this.partitioned,
      peerMatchLsns: [...this.progress.values()].map((peer) => ({
        id: peer.memberId,
        matchLsn: peer.matchLsn,
      })),
      heardCommitLsn: this.heardCommitLsn,
    }
  }

  private silentTicks(): Record<string, number> {
    const silent: Record<string, number> = {}
    if (this.role === 'primary') {
      for (const progress of this.progress.values()) {
        silent[progress.memberId] = this.nowTick - progress.lastHeardTick
      }
    } else if (this.primaryId !== undefined) {
      silent[this.primaryId] = this.electionElapsed
    }
    return silent
  }

  private get partitioned(): boolean {
    return (
      this.role === 'primary' &&
      this.otherPrimaryHeardTick >= 0 &&
      this.nowTick - this.otherPrimaryHeardTick < this.settings.deadTimeTicks
    )
  }

  get epochHistory(): readonly EpochRun[] {
    return this.history.entries
  }

  // ---- Time ----

  private tick(): void {
    this.nowTick++
    if (this.role === 'primary') {
      this.tickPrimary()
      return
    }
    this.electionElapsed++
    if (this.policy.elects && this.electionElapsed >= this.electionTimeout) this.startPreVote()
  }

  private tickPrimary(): void {
    this.heartbeatElapsed++
    if (this.heartbeatElapsed >= this.settings.heartbeatIntervalTicks) {
      this.heartbeatElapsed = 0
      for (const progress of this.progress.values()) progress.beat()
      this.broadcastHeartbeat()
      this.sendAppends()
    }
    if (this.policy.elects && !this.hearsQuorum()) {
      // Check-quorum: a primary cut off from a majority stops acknowledging at once.
      this.becomeSecondary(this.epoch, undefined)
      return
    }
    if (this.transfer !== undefined) {
      this.transfer.elapsedTicks++
      if (this.transfer.elapsedTicks >= this.settings.transferTimeoutTicks) {
        this.transfer = undefined
        this.setAcceptingWrites(this.ready)
      }
    }
    this.maybeCommit()
  }

  private hearsQuorum(): boolean {
    let heard = 1
    for (const progress of this.progress.values()) {
      if (this.nowTick - progress.lastHeardTick < this.settings.deadTimeTicks) heard++
    }
    return hasMajority(heard, this.members.length)
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0
    this.electionTimeout = randomizedElectionTimeout(this.settings, this.random)
  }

  /** A primary was heard from recently: refuse to help depose it (Raft thesis 4.2.3). */
  private inLease(): boolean {
    if (this.role === 'primary') return true
    return (
      this.primaryId !== undefined && this.electionElapsed < this.settings.electionTimeoutMinTicks
    )
  }

  /**
   * Below this LSN the log equals any primary's. In an HA group that is the commit LSN (leader
   * completeness); in a DR pair a forced promotion can fork even committed records, so only the
   * log start counts (a DR primary checkpoints only what its secondary has, see
   * CHECKPOINT_TAKEN).
   */
  /**
   * DR: what a forced promotion can never fork away. A secondary's records verified against
   * the current primary (a primary can only be superseded by this member, which keeps its
   * log); a primary's records its secondary has. A demoted primary's own tail is neither.
   */
  private get checkpointLimitLsn(): number {
    if (this.policy.elects) return this.commitLsn
    if (this.role !== 'primary') return Math.min(this.commitLsn, this.verifiedLsn)
    let limit = this.commitLsn
    for (const progress of this.progress.values()) limit = Math.min(limit, progress.matchLsn)
    return limit
  }

  private get knownAgreedLsn(): number {
    return this.policy.elects ? this.commitLsn : this.logStartLsn
  }

  // ---- Role changes ----

  private setRole(role: Role, primaryId: string | undefined): void {
    const changed = role !== this.role || primaryId !== this.primaryId
    this.role = role
    this.primaryId = primaryId
    if (changed) {
      this.emit({ type: EffectType.ROLE, role, epoch: this.epoch, primaryId })
    }
  }

  private persistHardState(): void {
    this.emit({ type: EffectType.PERSIST_HARD_STATE, epoch: this.epoch, votedFor: this.votedFor })
  }

  private becomeSecondary(epoch: number, primaryId: string | undefined): void {
    assert(epoch >= this.epoch, 'replica: epochs never go back')
    if (epoch > this.epoch) {
      this.epoch = epoch
      this.votedFor = undefined
      this.persistHardState()
      this.verifiedLsn = this.knownAgreedLsn
    } else if (primaryId !== this.primaryId) {
      this.verifiedLsn = this.knownAgreedLsn
    }
    const wasPrimary = this.role === 'primary'
    this.preVoting = false
    this.progress.clear()
    this.transfer = undefined
    this.resetElectionTimer()
    this.setRole('secondary', primaryId)
    if (wasPrimary) this.setAcceptingWrites(false)
  }

  private becomePrimary(): void {
    assert(this.role === 'candidate' || !this.policy.elects, 'replica: elected from candidate')
    this.preVoting = false
    this.progress.clear()
    for (const peer of this.peers) {
      this.progress.set(peer, new PeerProgress(peer, this.endLsn, this.nowTick))
    }
    this.epochStartLsn = -1
    this.ready = false
    this.heartbeatElapsed = 0
    this.setRole('primary', this.id)
    const previousEpoch = this.history.lastEpoch
    this.emit({ type: EffectType.APPEND_EPOCH_START, epoch: this.epoch, previousEpoch })
    this.broadcastHeartbeat()
  }

  private setAcceptingWrites(accept: boolean): void {
    if (accept === this.acceptingWrites) return
    this.acceptingWrites = accept
    this.emit({ type: EffectType.ACCEPT_WRITES, accept })
  }

  // ---- Elections ----

  private get position(): LogPosition {
    return { lastEpoch: this.history.lastEpoch, endLsn: this.endLsn }
  }

  private startPreVote(): void {
    this.resetElectionTimer()
    this.setRole('candidate', undefined)
    this.preVoting = true
    this.votes.clear()
    this.votes.add(this.id)
    if (hasMajority(this.votes.size, this.members.length)) {
      this.campaign(false)
      return
    }
    const { lastEpoch, endLsn } = this.position
    for (const peer of this.peers) {
      const epoch = this.epoch + 1
      this.send({ type: MessageType.PRE_VOTE, from: this.id, to: peer, epoch, lastEpoch, endLsn })
    }
  }

  private campaign(transfer: boolean): void {
    this.resetElectionTimer()
    this.epoch++
    this.votedFor = this.id
    this.persistHardState()
    this.preVoting = false
    this.verifiedLsn = this.commitLsn
    this.setRole('candidate', undefined)
    this.votes.clear()
    this.votes.add(this.id)
    if (hasMajority(this.votes.size, this.members.length)) {
      this.becomePrimary()
      return
    }
    const { lastEpoch, endLsn } = this.position
    for (const peer of this.peers) {
      const message: VoteMessage = {
        type: MessageType.VOTE,
        from: this.id,
        to: peer,
        epoch: this.epoch,
        lastEpoch,
        endLsn,
        transfer,
      }
      this.send(message)
    }
  }

  private handlePreVote(message: ReplicaMessage & { type: 'preVote' }): void {
    const granted =
      message.epoch > this.epoch && !this.inLease() && isAtLeastAsUpToDate(message, this.position)
    this.send({
      type: MessageType.PRE_VOTE_RESPONSE,
      from: this.id,
      to: message.from,
      epoch: granted ? message.epoch : this.epoch,
      granted,
    })
  }

  private handleVote(message: VoteMessage): void {
    assert(message.epoch === this.epoch, 'replica: a vote request is handled in its epoch')
    const granted =
      this.role !== 'primary' &&
      grantsVote({
        votedFor: this.votedFor,
        candidateId: message.from,
        candidate: message,
        voter: this.position,
        forgetVote: this.bugs.has('vote-twice-in-epoch'),
      })
    if (granted) {
      this.votedFor = message.from
      this.persistHardState()
      this.resetElectionTimer()
    }
    const to = message.from
    this.send({ type: MessageType.VOTE_RESPONSE, from: this.id, to, epoch: this.epoch, granted })
  }

  private handleVoteResponse(message: VoteResponseMessage): void {
    if (this.role !== 'candidate' || !message.granted) return
    const preVote = message.type === MessageType.PRE_VOTE_RESPONSE
    if (preVote !== this.preVoting) return
    if (message.epoch !== (preVote ? this.epoch + 1 : this.epoch)) return
    this.votes.add(message.from)
    if (!hasMajority(this.votes.size, this.members.length)) return
    if (preVote) this.campaign(false)
    else this.becomePrimary()
  }

  // ---- Receiving ----

  private receive(message: ReplicaMessage): void {
    assert(message.to === this.id, 'replica: a message for this member')
    if (!this.members.includes(message.from)) return
    if (!this.policy.elects && !this.admitDr(message)) return
    if (message.epoch > this.epoch && !this.admitHigherEpoch(message)) return
    if (message.epoch < this.epoch && !this.admitLowerEpoch(message)) return
    this.dispatch(message)
  }

  /**
   * DR rules before the epoch ones (Raft's "a higher epoch deposes" would resolve a split brain
   * by itself, cutting one side's acknowledged records):
   * - a primary that hears the other side's primary messages keeps its role and ignores them:
   *   both show Partitioned until the administrator demotes one (`rdqmdr -s`);
   * - a primary that hears its secondary at a higher epoch (a demoted side that had promoted
   *   itself further) promotes itself above that epoch, without stepping down.
   */
  private admitDr(message: ReplicaMessage): boolean {
    this.peerEpoch = Math.max(this.peerEpoch, message.epoch)
    if (this.role !== 'primary' || message.epoch === this.epoch) return true
    if (isFromPrimary(message) && !this.bugs.has('dr-auto-resolve')) {
      this.otherPrimaryHeardTick = this.nowTick
      return false
    }
    if (message.epoch > this.epoch && !this.bugs.has('dr-auto-resolve')) {
      this.repromote()
      return false
    }
    return true
  }

  /** A message from a higher epoch: step up to it, except where Raft says not to. */
  private admitHigherEpoch(message: ReplicaMessage): boolean {
    switch (message.type) {
      case MessageType.PRE_VOTE:
        return true
      case MessageType.PRE_VOTE_RESPONSE:
        if (message.granted) return true
        break
      case MessageType.VOTE:
        if (this.inLease() && !message.transfer) return false
        break
      default:
        break
    }
    const fromPrimary =
      message.type === MessageType.APPEND ||
      message.type === MessageType.HEARTBEAT ||
      message.type === MessageType.CHECKPOINT
    this.becomeSecondary(message.epoch, fromPrimary ? message.from : undefined)
    return true
  }

  /** A message from an older epoch: refuse it, and tell a deposed primary so. */
  private admitLowerEpoch(message: ReplicaMessage): boolean {
    const fromPrimary =
      message.type === MessageType.APPEND ||
      message.type === MessageType.HEARTBEAT ||
      message.type === MessageType.CHECKPOINT
    if (fromPrimary && message.type !== MessageType.CHECKPOINT) {
      if (this.bugs.has('accept-older-epoch-write')) return true
    }
    if (fromPrimary) this.respondAppend(message.from, false)
    else if (message.type === MessageType.PRE_VOTE) this.handlePreVote(message)
    return false
  }

  private dispatch(message: ReplicaMessage): void {
    switch (message.type) {
      case MessageType.PRE_VOTE:
        this.handlePreVote(message)
        break
      case MessageType.VOTE:
        this.handleVote(message)
        break
      case MessageType.PRE_VOTE_RESPONSE:
      case MessageType.VOTE_RESPONSE:
        this.handleVoteResponse(message)
        break
      case MessageType.APPEND:
        this.handleAppend(message)
        break
      case MessageType.HEARTBEAT:
        this.handleHeartbeat(message)
        break
      case MessageType.CHECKPOINT:
        this.handleCheckpoint(message)
        break
      case MessageType.APPEND_RESPONSE:
        this.handleAppendResponse(message)
        break
      case MessageType.HEARTBEAT_RESPONSE:
        this.handleHeartbeatResponse(message)
        break
      case MessageType.CHECKPOINT_RESPONSE:
        this.handleProgressAnswer(message.from, message.matchLsn, message.matchLsn)
        break
      case MessageType.TIMEOUT_NOW:
        if (this.role !== 'primary' && this.policy.elects) this.campaign(true)
        break
      default:
        unreachable(message, 'replica message')
    }
  }

  // ---- Secondary: following the primary's log ----

  /** A message from the primary of this epoch: follow it, and restart the election timer. */
  private followPrimary(primaryId: string): void {
    if (this.role !== 'secondary' || this.primaryId !== primaryId) {
      assert(this.role !== 'primary' || this.bugs.size > 0, 'replica: one primary per epoch')
      this.becomeSecondary(this.epoch, primaryId)
    }
    this.electionElapsed = 0
  }

  private handleAppend(message: AppendMessage): void {
    if (message.epoch === this.epoch) this.followPrimary(message.from)
    this.heardCommitLsn = message.commitLsn
    const matches =
      message.prevLsn >= this.logStartLsn &&
      message.prevLsn <= this.endLsn &&
      this.history.epochAt(message.prevLsn - 1) === message.prevEpoch
    if (!matches) {
      if (message.endLsn <= this.knownAgreedLsn) this.respondAppend(message.from, true)
      else this.respondAppend(message.from, false)
      return
    }
    const fromLsn = this.firstNewLsn(message)
    if (fromLsn < message.endLsn) {
      if (fromLsn < this.endLsn) this.truncate(fromLsn)
      this.emit({ type: EffectType.WRITE, fromLsn, message })
      this.history.append(message.entriesEpoch, fromLsn)
      this.endLsn = message.endLsn
    }
    this.verifiedLsn = Math.min(Math.max(this.verifiedLsn, message.endLsn), this.endLsn)
    this.advanceCommit(Math.min(message.commitLsn, this.verifiedLsn))
    // Only the accept-older-epoch-write bug gets here with an older epoch; it answers in kind.
    this.respondAppend(message.from, true, Math.min(message.epoch, this.epoch))
  }

  /**
   * Where the records of `message` stop being ones this log already has: a run of the same
   * epoch from prevLsn is the same records (log matching), so only what follows is written.
   * A re-sent or reordered APPEND therefore never cuts anything.
   */
  private firstNewLsn(message: AppendMessage): number {
    const from = message.prevLsn
    if (this.bugs.has('truncate-committed')) return from
    if (from >= this.endLsn || this.history.epochAt(from) !== message.entriesEpoch) return from
    return Math.min(message.endLsn, this.endLsn, this.history.runEndAfter(from))
  }

  private truncate(fromLsn: number): void {
    assert(fromLsn < this.endLsn, 'replica: a cut removes something')
    if (!this.bugs.has('truncate-committed')) {
      assert(
        fromLsn >= this.commitLsn || !this.policy.elects,
        'replica: committed records are never cut',
      )
    }
    // DR: a forced promotion can leave committed records on the losing side; they are cut
    // (saved aside) and are no longer committed here.
    if (fromLsn < this.commitLsn) this.commitLsn = fromLsn
    if (this.checkpointLsn > fromLsn) {
      assert(false, `replica: a checkpoint (at ${this.checkpointLsn}) is cut (from ${fromLsn})`)
    }
    this.emit({ type: EffectType.TRUNCATE, fromLsn, endLsn: this.endLsn })
    this.history.truncateFrom(fromLsn)
    this.endLsn = fromLsn
    this.durableLsn = Math.min(this.durableLsn, fromLsn)
    this.verifiedLsn = Math.min(this.verifiedLsn, fromLsn)
  }

  private respondAppend(to: string, success: boolean, epoch = this.epoch): void {
    const response: AppendResponseMessage = {
      type: MessageType.APPEND_RESPONSE,
      from: this.id,
      to,
      epoch,
      success,
      matchLsn: success ? Math.min(this.durableLsn, this.verifiedLsn) : 0,
      verifiedLsn: success ? this.verifiedLsn : 0,
      endLsn: this.endLsn,
      commitLsn: this.commitLsn,
      history: success
        ? []
        : wireHistory(this.history.tailFrom(Math.max(this.knownAgreedLsn - 1, 0))),
    }
    this.send(response)
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    // Only the accept-older-epoch-write bug gets here with an older epoch.
    if (message.epoch === this.epoch) this.followPrimary(message.from)
    this.heardCommitLsn = message.commitLsn
    this.advanceCommit(Math.min(message.commitLsn, this.verifiedLsn))
    this.send({
      type: MessageType.HEARTBEAT_RESPONSE,
      from: this.id,
      to: message.from,
      epoch: Math.min(message.epoch, this.epoch),
      matchLsn: Math.min(this.durableLsn, this.verifiedLsn),
      verifiedLsn: this.verifiedLsn,
    })
  }

  private handleCheckpoint(message: CheckpointMessage): void {
    this.followPrimary(message.from)
    const lastEpoch = message.history[message.history.length - 1]?.epoch ?? 0
    const matches =
      message.lsn <= this.knownAgreedLsn ||
      (message.lsn <= this.endLsn && this.history.epochAt(message.lsn - 1) === lastEpoch)
    if (!matches) {
      // Records below the checkpoint that agree with the primary's log are superseded by it;
      // only a divergent tail is cut (and saved aside).
      const floor = Math.max(this.knownAgreedLsn, this.logStartLsn)
      const agreed = divergencePoint(this.history, this.endLsn, message.history, message.lsn, floor)
      if (this.endLsn > agreed) this.truncate(agreed)
      this.emit({ type: EffectType.INSTALL_CHECKPOINT, message })
      this.history.truncateFrom(0)
      for (const run of message.history) this.history.append(run.epoch, run.startLsn)
      this.logStartLsn = message.lsn
      this.checkpointLsn = message.lsn
      this.endLsn = message.lsn
      this.durableLsn = message.lsn
      this.advanceCommit(message.lsn)
    }
    this.verifiedLsn = Math.max(this.verifiedLsn, message.lsn)
    this.send({
      type: MessageType.CHECKPOINT_RESPONSE,
      from: this.id,
      to: message.from,
      epoch: this.epoch,
      matchLsn: Math.min(this.durableLsn, this.verifiedLsn),
    })
  }

  private advanceCommit(lsn: number): void {
    if (lsn <= this.commitLsn) return
    this.commitLsn = lsn
    this.emit({ type: EffectType.COMMIT, lsn })
    this.updateRetentionFloor()
  }

  // ---- Local journal progress ----

  private localAppend(startLsn: number, endLsn: number, epoch: number): void {
    assert(this.role === 'primary', 'replica: only a primary appends locally')
    assert(epoch === this.epoch, 'replica: a primary writes in its own epoch')
    assert(startLsn === this.endLsn, 'replica: local batches are contiguous')
    assert(endLsn > startLsn, 'replica: a batch holds records')
    if (this.epochStartLsn < 0) {
      this.epochStartLsn = startLsn
      this.history.append(epoch, startLsn)
    } else {
      assert(this.acceptingWrites || this.transfer !== undefined, 'replica: writes refused')
    }
    this.endLsn = endLsn
    this.sendAppends()
    this.maybeCommit()
  }

  private localDurable(lsn: number): void {
    const durable = Math.min(lsn, this.endLsn)
    if (durable <= this.durableLsn) return
    this.durableLsn = durable
    if (this.role === 'primary') {
      this.maybeCommit()
    } else if (this.primaryId !== undefined) {
      this.respondAppend(this.primaryId, true)
    }
  }

  private logRetired(lsn: number): void {
    assert(lsn <= this.commitLsn, 'replica: only committed log is retired')
    if (lsn <= this.logStartLsn) return
    this.logStartLsn = lsn
    this.history.retireBelow(lsn)
  }

  // ---- Primary: replicating and committing ----

  private broadcastHeartbeat(): void {
    for (const peer of this.peers) {
      const commitLsn = this.commitLsn
      this.send({
        type: MessageType.HEARTBEAT,
        from: this.id,
        to: peer,
        epoch: this.epoch,
        commitLsn,
      })
    }
  }

  private sendAppends(): void {
    for (const progress of this.progress.values()) this.sendTo(progress)
  }

  /** Sends what `progress` may have now: ranges of one epoch each, or a checkpoint. */
  private sendTo(progress: PeerProgress): void {
    while (progress.canSend(this.settings.maxInflightBytes)) {
      if (progress.nextLsn < this.logStartLsn) {
        this.sendCheckpoint(progress)
        return
      }
      const from = progress.nextLsn
      if (from >= this.endLsn && progress.mode === 'pipeline') return
      const runEnd = Math.min(this.endLsn, this.history.runEndAfter(from))
      // A member far behind is sent its range in parts, one at a time (sendTo's loop stops on
      // the pause), so no APPEND outgrows the wire's frame.
      const end = Math.min(runEnd, from + this.maxAppendBytes)
      const entriesEpoch = from < end ? this.history.epochAt(from) : this.epoch
      this.emit({
        type: EffectType.SEND_APPEND,
        request: {
          type: MessageType.APPEND,
          from: this.id,
          to: progress.memberId,
          epoch: this.epoch,
          prevLsn: from,
          prevEpoch: this.history.epochAt(from - 1),
          endLsn: end,
          entriesEpoch,
          commitLsn: this.commitLsn,
        },
      })
      if (end < runEnd) progress.sentPart(from, end)
      else progress.sent(from, end)
    }
  }

  private sendCheckpoint(progress: PeerProgress): void {
    assert(this.checkpointLsn >= this.logStartLsn, 'replica: a retired log has a checkpoint')
    const lsn = this.checkpointLsn
    this.emit({
      type: EffectType.SEND_CHECKPOINT,
      to: progress.memberId,
      epoch: this.epoch,
      lsn,
      history: wireHistory(this.history.entries.filter((run) => run.startLsn < lsn)),
    })
    progress.needsCheckpoint()
  }

  private handleAppendResponse(message: AppendResponseMessage): void {
    if (message.success) {
      this.handleProgressAnswer(message.from, message.matchLsn, message.verifiedLsn)
      return
    }
    const progress = this.progressOf(message.from)
    if (progress === undefined) return
    const agreed = divergencePoint(
      this.history,
      this.endLsn,
      message.history,
      message.endLsn,
      // A DR follower's commit LSN may lie on a forked line: only shared epochs count there,
      // else the log's very start (below a retired log start: the checkpoint path).
      this.policy.elects ? message.commitLsn : LOG_START_LSN,
    )
    // A DR secondary rebuilt empty (node replacement) no longer has what it matched; an HA
    // member's durable log is never lost this way, so only a DR pair believes it.
    if (!this.policy.elects && message.endLsn < progress.matchLsn) {
      progress.lost(Math.min(agreed, this.endLsn))
    } else progress.rejected(Math.min(agreed, this.endLsn))
    this.sendTo(progress)
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const progress = this.progressOf(message.from)
    if (progress === undefined) return
    progress.matchLsn = Math.max(progress.matchLsn, message.matchLsn)
    if (progress.mode === 'pipeline') progress.resendFrom(message.verifiedLsn)
    this.maybeCommit()
    this.sendTo(progress)
    this.maybeFinishTransfer()
  }

  private handleProgressAnswer(from: string, matchLsn: number, verifiedLsn: number): void {
    const progress = this.progressOf(from)
    if (progress === undefined) return
    progress.accepted(matchLsn, verifiedLsn)
    this.maybeCommit()
    this.sendTo(progress)
    this.maybeFinishTransfer()
  }

  /** The peer's progress, marking it heard; undefined unless this member is primary. */
  private progressOf(memberId: string): PeerProgress | undefined {
    if (this.role !== 'primary') return undefined
    const progress = this.progress.get(memberId)
    if (progress !== undefined) progress.lastHeardTick = this.nowTick
    return progress
  }

  private maybeCommit(): void {
    if (this.role !== 'primary' || this.epochStartLsn < 0) return
    // PeerProgress has memberId and matchLsn: it is a PeerDurability, no copy needed.
    const peers: PeerDurability[] = []
    for (const progress of this.progress.values()) peers.push(progress)
    const ackAlone =
      this.bugs.has('ack-before-quorum') ||
      (this.bugs.has('sync-acks-before-remote') && this.policy.kind === 'drSync')
    const agreed = ackAlone
      ? this.durableLsn
      : this.policy.commitLsn({ localDurableLsn: this.durableLsn, peers, nowTick: this.nowTick })
    // Records of earlier epochs commit only once this epoch's first record does (Raft 5.4.2).
    if (agreed <= this.epochStartLsn) return
    this.advanceCommit(agreed)
    if (!this.ready) {
      this.ready = true
      this.emit({ type: EffectType.PRIMARY_READY, epoch: this.epoch })
      this.setAcceptingWrites(this.transfer === undefined)
    }
  }

  private updateRetentionFloor(): void {
    let floor = this.commitLsn
    for (const progress of this.progress.values()) floor = Math.min(floor, progress.matchLsn)
    floor = Math.max(floor, this.endLsn - this.settings.retentionMaxBytes, this.logStartLsn)
    floor = Math.min(floor, this.commitLsn)
    if (floor <= this.retentionFloor) return
    this.retentionFloor = floor
    this.emit({ type: EffectType.RETENTION_FLOOR, lsn: floor })
  }

  // ---- Admin requests ----

  private transferLeadership(to: string): void {
    if (this.role !== 'primary') return this.refuse('transfer', 'this member is not the primary')
    if (to === this.id) return
    if (!this.progress.has(to)) return this.refuse('transfer', `${to} is not a member`)
    if (!this.policy.elects) return this.refuse('transfer', 'a DR pair changes roles by promote')
    this.transfer = { to, elapsedTicks: 0, timeoutSent: false }
    this.setAcceptingWrites(false)
    this.maybeFinishTransfer()
  }

  /** The target has every record: tell it to campaign at once (Raft thesis 3.10). */
  private maybeFinishTransfer(): void {
    const transfer = this.transfer
    if (transfer === undefined || transfer.timeoutSent || !this.ready) return
    const progress = this.progress.get(transfer.to)
    if (progress === undefined || progress.matchLsn < this.endLsn) return
    transfer.timeoutSent = true
    const to = transfer.to
    this.send({ type: MessageType.TIMEOUT_NOW, from: this.id, to, epoch: this.epoch })
  }

  private promote(): void {
    if (this.policy.elects) return this.refuse('promote', 'an HA group elects its primary')
    if (this.role === 'primary') return
    const reachable =
      this.primaryId !== undefined && this.electionElapsed < this.settings.deadTimeTicks
    if (reachable && !this.bugs.has('promote-while-primary-reachable')) {
      return this.refuse('promote', `${this.primaryId} is primary and reachable`)
    }
    // Just started: a primary on the other side would have been heard by now.
    if (this.nowTick < this.settings.deadTimeTicks && this.primaryId === undefined) {
      return this.refuse('promote', 'the other side is not known yet, try again shortly')
    }
    this.promoteNow()
  }

  private promoteNow(): void {
    // No vote in a DR pair: each side promotes into epochs of its own (its index modulo the
    // pair), so two sides promoted apart never share an epoch (one primary per epoch), and above
    // any epoch heard from the other side, which then follows.
    const index = this.members.indexOf(this.id)
    this.epoch = Math.max(this.epoch, this.peerEpoch) + 1
    while (this.epoch % this.members.length !== index) this.epoch++
    this.votedFor = this.id
    this.persistHardState()
    this.otherPrimaryHeardTick = -1
    this.role = 'candidate'
    this.becomePrimary()
  }

  /** DR: the secondary is at a higher epoch than this primary: go above it, keeping the log. */
  private repromote(): void {
    this.becomeSecondary(this.epoch, undefined)
    this.promoteNow()
  }

  private demote(): void {
    if (this.policy.elects) return this.refuse('demote', 'an HA group elects its primary')
    if (this.role !== 'primary') return this.refuse('demote', 'this member is not the primary')
    this.otherPrimaryHeardTick = -1
    this.becomeSecondary(this.epoch, undefined)
  }

  private refuse(request: string, reason: string): void {
    this.emit({ type: EffectType.REFUSED, request, reason })
  }

  // ---- Output ----

  private send(message: ReplicaMessage): void {
    if (message.type === MessageType.APPEND_RESPONSE || message.type === MessageType.CHECKPOINT) {
      assert(message.history.length <= MAX_REPLICATION_HISTORY_RUNS, 'replica: history fits')
    }
    this.emit({ type: EffectType.SEND, message })
  }

  private emit(effect: ReplicaEffect): void {
    this.effects.push(effect)
  }
}

function isFromPrimary(message: ReplicaMessage): boolean {
  return (
    message.type === MessageType.APPEND ||
    message.type === MessageType.HEARTBEAT ||
    message.type === MessageType.CHECKPOINT
  )
}
