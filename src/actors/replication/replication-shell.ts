/**
 * The replication worker's shell around the pure core (src/replication/replica.ts), without the
 * thread: it feeds the core its inputs (ticks, peer messages, final local batches, the local
 * durable LSN) and performs the effects in order. Effects that change the queue manager (write,
 * cut, epoch start, roles) go to the main thread as ReplicationEvents; the commit LSN goes to
 * shared memory. Modelled on the simulator's shell (test/sim/sim-node.ts).
 *
 * Cuts and the durable LSN: while a cut the main thread performs is pending, the journal's
 * durable end may still describe records being cut, so it is not fed to the core until the main
 * thread says the cut is done.
 */
import { trace } from '../../runtime/path-trace.js'
import { randomInt } from 'node:crypto'
import { AssertionError } from '../../assert.js'
import {
  MAX_CHECKPOINT_CHUNK_BYTES,
  REPLICATION_BATCH_CACHE_BYTES,
  REPLICATION_CHECKPOINT_RESEND_BYTES_PER_MS,
  REPLICATION_CHECKPOINT_RESEND_MS,
  REPLICATION_RETAIN_MAX_BYTES,
} from '../../constants.js'
import type { Logger } from '../../log.js'
import {
  EffectType,
  InputType,
  type ReplicaEffect,
  type ReplicaInput,
} from '../../replication/effects.js'
import type { AppendMessage, ReplicaMessage } from '../../replication/messages.js'
import { Replica } from '../../replication/replica.js'
import { DEFAULT_REPLICATION_SETTINGS } from '../../replication/settings.js'
import { LinkMessageType, type WireReplicaMessage } from '../../wire/replication-protocol.js'
import { recordEpoch, recordLsn } from '../journal/record-header.js'
import type { CommitBlock } from './commit-block.js'
import { saveHardState } from './hard-state-file.js'
import { LogSource, recordsFrom } from './log-source.js'
import { buildBundle } from './checkpoint-bundle.js'
import { CheckpointAssembly, checkpointChunks } from './checkpoint-assembly.js'
import type { ReplicationEvent, ReplicationWorkerData } from './messages.js'
import type { PeerLinks } from './peer-links.js'
import type { VerbatimFeed } from './verbatim-feed.js'

export interface ShellPorts {
  readonly links: Pick<PeerLinks, 'send'>
  readonly commit: CommitBlock
  /** A follower's records to the journal worker, worker to worker (verbatim-feed.ts). */
  readonly feed: Pick<VerbatimFeed, 'write' | 'cutPending' | 'cutDone'>
  readonly logger: Logger
  post(event: ReplicationEvent): void
  /** The journal's durable end LSN now (its control block). */
  readDurable(): number
}

export class ReplicationShell {
  readonly replica: Replica
  private readonly source: LogSource
  private cutsPending = 0
  private lastDurable = 0
  private wasPrimary = false
  private readonly assembly = new CheckpointAssembly()
  /** The last bundle built (a checkpoint is sent to every member that needs it, maybe twice). */
  private bundle: { readonly lsn: number; readonly bytes: Uint8Array } | undefined
  private readonly checkpointSent = new Map<string, { lsn: number; atMs: number }>()
  /**
   * A checkpoint is being installed (the member then reopens): the core already counts it
   * durable, but it is not on disk yet, so nothing more is said to the peers. Had the primary
   * heard "match at the checkpoint" from a member that then died before the install, it would
   * never send that member the checkpoint again.
   */
  private silenced = false
  /** The reason of the last REFUSED effect during an admin request. */
  private refusal: string | undefined

  constructor(
    private readonly data: ReplicationWorkerData,
    private readonly ports: ShellPorts,
  ) {
    this.replica = new Replica({
      id: data.self,
      members: data.members.map((member) => member.id),
      policy: data.policy,
      random: (bound) => randomInt(bound),
      hardState: data.hardState,
      log: data.log,
      commitLsn: data.commitLsn,
      ...(data.startAsPrimary === true ? { startAsPrimary: true } : {}),
      settings: {
        ...DEFAULT_REPLICATION_SETTINGS,
        ...data.settings,
        retentionMaxBytes: data.retainMaxBytes ?? REPLICATION_RETAIN_MAX_BYTES,
      },
      bugs: new Set(data.testOnlyBugs ?? []),
    })
    if (data.checkpointLsn !== undefined) {
      this.replica.step({ type: InputType.CHECKPOINT_TAKEN, lsn: data.checkpointLsn })
    }
    this.source = new LogSource(
      data.journalDirectory,
      data.segmentBytes,
      REPLICATION_BATCH_CACHE_BYTES,
    )
  }

  tick(): void {
    this.step({ type: InputType.TICK })
  }

  receive(message: WireReplicaMessage): void {
    if (message.type === LinkMessageType.CHECKPOINT_CHUNK) {
      const whole = this.assembly.accept(message)
      if (whole !== undefined) this.step({ type: InputType.MESSAGE, message: whole })
      return
    }
    this.step({ type: InputType.MESSAGE, message: message as ReplicaMessage })
  }

  /** The journal's durable end moved (or may have): tell the core, unless a cut is pending. */
  durable(lsn: number): void {
    trace('durable-seen', lsn)
    this.lastDurable = lsn
    if (this.cutsPending > 0) return
    this.step({ type: InputType.LOCAL_DURABLE, lsn })
  }

  cutDone(): void {
    this.ports.feed.cutDone()
    this.cutsPending--
    if (this.cutsPending === 0) this.durable(this.lastDurable)
  }

  transfer(to: string): void {
    this.step({ type: InputType.TRANSFER_LEADERSHIP, to })
  }

  /** A DR admin request: the core's refusal reason, or undefined when it was done. */
  admin(request: 'promote' | 'demote'): string | undefined {
    this.refusal = undefined
    this.step({ type: request === 'promote' ? InputType.PROMOTE : InputType.DEMOTE })
    const refusal = this.refusal
    this.refusal = undefined
    return refusal
  }

  /**
   * A final local batch from the journal worker. Only a primary's batches of its own epoch count:
   * batches of a deposed primary are cut by the main thread (they were never sent). A batch
   * after a gap (the ring was full) reports the gap with it; the files hold the gap by now.
   */
  localBatch(bytes: Uint8Array): void {
    trace('local-batch', recordLsn(bytes, 0))
    const status = this.replica.status()
    const epoch = recordEpoch(bytes, 0)
    if (status.role !== 'primary' || epoch !== status.epoch) return
    const startLsn = recordLsn(bytes, 0)
    if (startLsn < status.endLsn) return
    const { endLsn } = this.source.add(bytes)
    this.step({ type: InputType.LOCAL_APPEND, startLsn: status.endLsn, endLsn, epoch })
    // The journal may have made the batch durable before this thread took it from the ring:
    // that durable end was clamped to the core's log end then, so it is given again now.
    this.durable(this.ports.readDurable())
  }

  /** The main thread wrote a checkpoint of the committed state below `lsn`. */
  checkpointTaken(lsn: number): void {
    this.step({ type: InputType.CHECKPOINT_TAKEN, lsn })
  }

  /** The main thread retired the segments below `lsn`. */
  logRetired(lsn: number): void {
    this.source.forgetBelow(lsn)
    this.step({ type: InputType.LOG_RETIRED, lsn })
  }

  close(): void {
    this.source.close()
  }

  private step(input: ReplicaInput): void {
    let effects: ReplicaEffect[]
    try {
      effects = this.replica.step(input)
    } catch (error) {
      if (error instanceof AssertionError) {
        this.ports.logger.fatal({ err: error, input: input.type }, 'replication core assertion')
      }
      throw error
    }
    const tracing = this.ports.logger.isLevelEnabled('trace')
    for (const effect of effects) {
      if (tracing && (effect.type !== 'send' || effect.message.type !== 'heartbeat')) {
        this.ports.logger.trace({ effect: describe(effect) }, 'effect')
      }
      this.perform(effect)
    }
  }

  private perform(effect: ReplicaEffect): void {
    const { links, post } = this.ports
    if (this.silenced && isSend(effect)) return
    switch (effect.type) {
      case EffectType.SEND:
        links.send(effect.message as WireReplicaMessage)
        break
      case EffectType.SEND_APPEND:
        for (const part of this.source.appendParts(effect.request)) links.send(part)
        break
      case EffectType.SEND_CHECKPOINT:
        this.sendCheckpoint(effect)
        break
      case EffectType.PERSIST_HARD_STATE:
        saveHardState(this.data.hardStatePath, effect)
        break
      case EffectType.WRITE:
        this.write(effect.fromLsn, effect.message)
        break
      case EffectType.TRUNCATE:
        this.cutsPending++
        this.ports.feed.cutPending()
        this.source.truncateFrom(effect.fromLsn)
        post({ type: 'truncate', fromLsn: effect.fromLsn, epoch: this.replica.status().epoch })
        break
      case EffectType.INSTALL_CHECKPOINT:
        // The main thread replaces the log and restarts the member from the checkpoint; until
        // then the journal's durable end describes the old log.
        this.cutsPending++
        this.silenced = true
        this.source.clear()
        post({
          type: 'install-checkpoint',
          lsn: effect.message.lsn,
          history: effect.message.history,
          bundle: effect.message.payload,
        })
        break
      case EffectType.APPEND_EPOCH_START:
        post({ type: 'epoch-start', epoch: effect.epoch, previousEpoch: effect.previousEpoch })
        break
      case EffectType.COMMIT:
        trace('commit', effect.lsn)
        this.ports.commit.publish(effect.lsn)
        break
      case EffectType.ROLE:
        this.role(effect)
        break
      case EffectType.PRIMARY_READY:
        post({ type: 'primary-ready', epoch: effect.epoch })
        break
      case EffectType.ACCEPT_WRITES:
        post({ type: 'accept-writes', accept: effect.accept })
        break
      case EffectType.RETENTION_FLOOR:
        post({ type: 'retention-floor', lsn: effect.lsn })
        break
      case EffectType.REFUSED:
        this.refusal = effect.reason
        post({ type: 'refused', request: effect.request, reason: effect.reason })
        break
    }
  }

  /**
   * Streams the checkpoint at `effect.lsn` with the records its messages point at, in chunks.
   * The core asks again on every heartbeat until the peer answers; a transfer of the same
   * checkpoint to the same peer is not restarted before REPLICATION_CHECKPOINT_RESEND_MS.
   */
  private sendCheckpoint(effect: Extract<ReplicaEffect, { type: 'sendCheckpoint' }>): void {
    const now = performance.now()
    const last = this.checkpointSent.get(effect.to)
    const waitMs =
      REPLICATION_CHECKPOINT_RESEND_MS +
      (this.bundle?.bytes.length ?? 0) / REPLICATION_CHECKPOINT_RESEND_BYTES_PER_MS
    if (last?.lsn === effect.lsn && now - last.atMs < waitMs) return
    if (this.bundle?.lsn !== effect.lsn) {
      const bytes = buildBundle(this.data.checkpointDirectory, effect.lsn, this.source)
      if (bytes === undefined) {
        this.ports.logger.warn({ lsn: effect.lsn }, 'checkpoint to send is gone; retrying')
        return
      }
      this.bundle = { lsn: effect.lsn, bytes }
    }
    this.checkpointSent.set(effect.to, { lsn: effect.lsn, atMs: now })
    const head = { from: this.data.self, to: effect.to, epoch: effect.epoch, lsn: effect.lsn }
    const message = { ...head, history: effect.history }
    const chunks = checkpointChunks(message, this.bundle.bytes, MAX_CHECKPOINT_CHUNK_BYTES)
    for (const chunk of chunks) this.ports.links.send(chunk)
    this.ports.logger.info(
      { to: effect.to, lsn: effect.lsn, bytes: this.bundle.bytes.length },
      'checkpoint sent',
    )
  }

  private write(fromLsn: number, message: AppendMessage): void {
    const records = recordsFrom(message.payload, message.prevLsn, fromLsn)
    this.source.truncateFrom(fromLsn)
    this.source.add(records)
    // To the journal worker first (the ack path), then to the main thread for the engine.
    this.ports.feed.write(records)
    this.ports.post({ type: 'write', fromLsn, records })
    trace('verbatim-fed', fromLsn)
  }

  private role(effect: Extract<ReplicaEffect, { type: 'role' }>): void {
    const wasPrimary = this.wasPrimary
    this.wasPrimary = effect.role === 'primary'
    const deposed = wasPrimary && effect.role !== 'primary'
    // Before any commit that follows this role change (see commit-block.ts).
    this.ports.commit.setServingEpoch(effect.role === 'primary' ? effect.epoch : 0)
    if (deposed) {
      this.cutsPending++
      this.ports.feed.cutPending()
    }
    this.ports.post({
      type: 'role',
      role: effect.role,
      epoch: effect.epoch,
      primaryId: effect.primaryId,
      logEndLsn: this.replica.status().endLsn,
      deposed,
    })
  }
}

function isSend(effect: ReplicaEffect): boolean {
  return (
    effect.type === EffectType.SEND ||
    effect.type === EffectType.SEND_APPEND ||
    effect.type === EffectType.SEND_CHECKPOINT
  )
}

function describe(effect: ReplicaEffect): unknown {
  if (effect.type === EffectType.SEND) {
    const { payload: _payload, ...rest } = effect.message as { payload?: unknown }
    return { type: effect.type, message: rest }
  }
  if (effect.type === EffectType.WRITE) {
    const { payload: _payload, ...rest } = effect.message
    return { type: effect.type, fromLsn: effect.fromLsn, message: rest }
  }
  return effect
}
