/**
 * A queue manager whose journal is replicated to a group (issue 7): the queue engine and its
 * local journal as in QueueManager, plus the replication actor (src/actors/replication/), and
 * the glue that performs the core's effects on this thread, in the order the worker sent them:
 *
 *   write        follower: the worker already handed the primary's records to the journal
 *                worker (verbatim ring); adopt them into the journal's log end and apply them
 *                to the hot standby engine once committed (the commit LSN is in shared memory)
 *   truncate     cut an uncommitted divergent tail, saved aside (divergent-tail.ts); rebuild the
 *                engine if it had applied any of it
 *   epoch-start  new primary: raise the journal epoch, append EPOCH_START
 *   primary-ready  the epoch start committed: apply what is left, back out open units of work,
 *                serve (clients connect; the engine appends through CommitJournalPort)
 *   role         a deposed primary stops acknowledging at once (the port fails its waiters),
 *                drops its client connections, cuts what it appended that was never sent, and
 *                rebuilds its engine from the log
 *
 * A member that is not the serving primary refuses client connections with 2543
 * (MQRC_STANDBY_Q_MGR), so a client with a connection-name list moves on to the next address.
 *
 *   install-checkpoint  follower far behind: the primary's checkpoint replaces the log
 *                (checkpoint-install.ts), then the member closes and emits 'installed'; its host
 *                reopens it, and recovery starts from the installed checkpoint
 *   retention-floor  the lowest LSN the group still needs: no segment at or above it retires
 *
 * Checkpoints: every member checkpoints its own engine at a committed LSN (a primary at its log
 * end once that commits, a standby at its applied LSN), with the epoch history below it beside
 * the file; segments retire below the kept checkpoints' floors and the group's retention floor.
 *
 * Not built yet (see docs/architecture.md): log compaction on a replicated queue manager. A
 * failed replication worker fails the member (fail-stop, see its handle.ts).
 */
import { trace } from '../runtime/path-trace.js'
import { EventEmitter } from 'node:events'
import {
  CHECKPOINT_INTERVAL_BYTES,
  CHECKPOINT_INTERVAL_MS,
  LOG_START_LSN,
  MAINTENANCE_POLL_MS,
} from '../constants.js'
import { ErrorCode, MQError, QmqError, Reason } from '../errors.js'
import { childLogger, type Logger } from '../log.js'
import { JournalHandle } from '../actors/journal/handle.js'
import { RecordType, type JournalRecord } from '../actors/journal/record-types.js'
import { recoverLog } from '../actors/journal/recovery.js'
import { preallocateSegment } from '../actors/journal/segment-files.js'
import { ReplicationHandle } from '../actors/replication/handle.js'
import type { MemberAddress, ReplicationEvent } from '../actors/replication/messages.js'
import { Supervisor } from '../actors/supervisor/supervisor.js'
import { FramedRing } from '../ring/framed-ring.js'
import { REPLICATION_BATCH_RING_BYTES, REPLICATION_VERBATIM_RING_BYTES } from '../constants.js'
import type { Role } from '../replication/effects.js'
import type { ReplicationSettings } from '../replication/settings.js'
import type { SimulationBug } from '../replication/bugs.js'
import type { CommitPolicyKind } from '../replication/quorum.js'
import type { EpochRun } from '../replication/epoch-history.js'
import type { ReplicaStatus } from '../replication/replica.js'
import { QueueEngine, type Connection } from '../queue/engine.js'
import { DEFAULT_DEAD_LETTER_QUEUE_NAME } from '../queue/queue-attributes.js'
import { QueueManagerServer } from '../server/server.js'
import { SideWorkPool } from '../side-work/pool.js'
import { loadHardState } from '../actors/replication/hard-state-file.js'
import { CommitJournalPort, lateCommitView } from './commit-journal-port.js'
import {
  createDataDirectory,
  dataPaths,
  lockDataDirectory,
  readMeta,
  type DataPaths,
  type QueueManagerMeta,
} from './data-directory.js'
import { saveDivergentTail } from './divergent-tail.js'
import { Checkpointer, loadLatestCheckpoint, type CheckpointName } from './checkpointer.js'
import {
  finishInstall,
  readCheckpointEpochs,
  stageInstall,
  writeCheckpointEpochs,
} from './checkpoint-install.js'
import { SerialOps } from './serial-ops.js'
import { StandbyRecords } from './standby-records.js'
import { join } from 'node:path'
import fs from 'node:fs'
import type { LinkSecurity } from '../security/link-security.js'
import { readServerTls } from '../security/listener-policy.js'

export interface ReplicatedOpenOptions {
  readonly dataDirectory: string
  readonly queueManager: string
  /** The HA group's name (HELLO checks it). */
  readonly group: string
  readonly self: string
  readonly members: readonly MemberAddress[]
  readonly segmentBytes?: number
  /** Client listener of this member (0: none). */
  readonly clientPort?: number
  /** Log between checkpoints (default CHECKPOINT_INTERVAL_BYTES). */
  readonly checkpointIntervalBytes?: number
  /** How far behind its log end a primary keeps log for a slow member (default
   *  REPLICATION_RETAIN_MAX_BYTES); past it, that member gets the checkpoint path. */
  readonly retainMaxBytes?: number
  /** Local queues a new primary defines if they are missing (convenience for tests, demos). */
  readonly queues?: readonly string[]
  readonly logger?: Logger
  /** The core's timing (an HA group's heartbeat settings from rdqm.ini); defaults if absent. */
  readonly settings?: ReplicationSettings
  /** Shared secret and TLS for the replication links (src/security/link-security.ts). */
  readonly linkSecurity?: LinkSecurity
  /** key.pem, cert.pem (and ca.pem, crl.pem) for TLS on the client listener. */
  readonly clientTlsDirectory?: string
  /** Test only (chaos suite's known-bad run): rules the replication core breaks on purpose. */
  readonly testOnlyBugs?: readonly SimulationBug[]
  /** 'majority' (HA group, default) or a DR pair's 'drAsync' / 'drSync' (two members). */
  readonly policy?: CommitPolicyKind
  /** DR: this side is primary by the administrator's choice (it promotes itself at start). */
  readonly startAsPrimary?: boolean
}

export interface MemberStatus {
  readonly node: string
  readonly role: Role
  readonly epoch: number
  readonly primaryId: string | undefined
  readonly serving: boolean
  readonly commitLsn: number
  readonly journalEndLsn: number
  readonly appliedLsn: number
  readonly checkpointLsn: number
  readonly retainedFloorLsn: number
  readonly replica: ReplicaStatus
  readonly links: string[]
}

export interface ReplicatedEvents {
  role: [role: Role, epoch: number, primaryId: string | undefined]
  serving: [serving: boolean]
  divergent: [file: string]
  /** A checkpoint is being installed: the member will close itself and emit 'installed'. */
  installing: [lsn: number]
  /** A checkpoint was installed and the member closed itself: reopen it (same options). */
  installed: [lsn: number]
  failed: [error: Error]
}

/** Queues from the options are for tests and benchmarks: deep enough for any run. */
const CONVENIENCE_QUEUE_MAX_DEPTH = 999_999_999

interface RecoveredLog {
  readonly engine: QueueEngine
  readonly endLsn: number
  readonly history: EpochRun[]
  readonly lastEpoch: number
  readonly checkpoint: CheckpointName | undefined
}

export class ReplicatedQueueManager extends EventEmitter<ReplicatedEvents> {
  engine!: QueueEngine
  role: Role = 'secondary'
  epoch = 0
  primaryId: string | undefined
  private port!: CommitJournalPort
  /** The worker's commit block, read late: the port exists before the worker starts. */
  private readonly commitView = lateCommitView(() => this.replication.commit)
  private readonly standby = new StandbyRecords(LOG_START_LSN)
  private live = false
  private acceptWrites = false
  private lastCommit = 0
  private readonly ops: SerialOps
  private replication!: ReplicationHandle
  private server: QueueManagerServer | undefined
  private closing: Promise<void> | undefined
  private checkpointer!: Checkpointer
  private checkpointTimer: NodeJS.Timeout | undefined
  private retentionFloor = LOG_START_LSN
  private installing = false

  private constructor(
    readonly meta: QueueManagerMeta,
    private readonly options: ReplicatedOpenOptions,
    private readonly paths: DataPaths,
    private readonly journal: JournalHandle,
    readonly supervisor: Supervisor,
    private readonly sideWork: SideWorkPool,
    private readonly releaseLock: () => void,
    private readonly logger: Logger,
  ) {
    super()
    this.ops = new SerialOps((error) => this.fail(error))
  }

  get name(): string {
    return this.meta.name
  }

  /** Serving clients: the primary, ready, accepting writes. */
  get serving(): boolean {
    return this.live && this.acceptWrites
  }

  static async open(options: ReplicatedOpenOptions): Promise<ReplicatedQueueManager> {
    const paths = dataPaths(options.dataDirectory)
    if (!fs.existsSync(paths.meta)) {
      createDataDirectory(paths.root, options.queueManager, options.segmentBytes)
    }
    const meta = readMeta(paths.root)
    const logger = options.logger ?? childLogger({ qm: meta.name, node: options.self })
    const releaseLock = lockDataDirectory(paths.root)
    try {
      finishInstall(paths)
      return await ReplicatedQueueManager.start(options, paths, meta, logger, releaseLock)
    } catch (error) {
      releaseLock()
      throw error
    }
  }

  private static async start(
    options: ReplicatedOpenOptions,
    paths: DataPaths,
    meta: QueueManagerMeta,
    logger: Logger,
    releaseLock: () => void,
  ): Promise<ReplicatedQueueManager> {
    const placeholder = { port: undefined as CommitJournalPort | undefined }
    const recovered = replayLog(paths, meta, logger, () => placeholder.port!)
    preallocateSegment(
      paths.journal,
      Math.floor(recovered.endLsn / meta.segmentBytes),
      meta.segmentBytes,
    )
    const supervisor = new Supervisor(logger.child({ actor: 'supervisor' }))
    const sideWork = new SideWorkPool()
    const batchRing = FramedRing.create(REPLICATION_BATCH_RING_BYTES)
    const verbatimRing = FramedRing.create(REPLICATION_VERBATIM_RING_BYTES)
    const journal = JournalHandle.start({
      directory: paths.journal,
      segmentBytes: meta.segmentBytes,
      startLsn: recovered.endLsn,
      epoch: recovered.lastEpoch,
      recoveredEpoch: recovered.lastEpoch,
      supervisor,
      sideWork,
      logger: logger.child({ actor: 'journal' }),
      batchRingBuffer: batchRing.sharedBuffer,
      verbatimRingBuffer: verbatimRing.sharedBuffer,
    })
    await journal.ready()
    const member = new ReplicatedQueueManager(
      meta,
      options,
      paths,
      journal,
      supervisor,
      sideWork,
      releaseLock,
      logger,
    )
    member.adopt(recovered, placeholder)
    member.startReplication(recovered, batchRing.sharedBuffer, verbatimRing.sharedBuffer)
    await member.replication.ready()
    member.startCheckpoints(recovered.checkpoint)
    void member.watchCommits()
    if (options.clientPort !== undefined && options.clientPort > 0) await member.listen()
    const checkpointLsn = recovered.checkpoint?.lsn
    logger.info({ endLsn: recovered.endLsn, checkpointLsn, history: recovered.history }, 'started')
    return member
  }

  connect(): Connection {
    if (!this.serving) {
      const primary = this.primaryId === undefined ? 'no primary yet' : `primary ${this.primaryId}`
      throw new MQError(
        Reason.STANDBY_Q_MGR,
        `${this.name} on ${this.options.self} is a standby (${primary})`,
      )
    }
    return this.engine.connect()
  }

  transferLeadership(to: string): void {
    this.replication.transferLeadership(to)
  }

  /** DR: make this side primary (refused while the other side's primary is reachable). */
  promote(): Promise<string | undefined> {
    return this.replication.promote()
  }

  /** DR: step down to secondary (its records after a fork are cut aside when it follows). */
  demote(): Promise<string | undefined> {
    return this.replication.demote()
  }

  async status(): Promise<MemberStatus> {
    const { status, links } = await this.replication.status()
    return {
      node: this.options.self,
      role: this.role,
      epoch: this.epoch,
      primaryId: this.primaryId,
      serving: this.serving,
      commitLsn: this.replication.commit.commitLsn,
      journalEndLsn: this.journal.endLsn,
      appliedLsn: this.live ? this.journal.endLsn : this.standby.appliedEnd,
      checkpointLsn: this.checkpointer.lastCheckpointLsn,
      retainedFloorLsn: this.checkpointer.retainedFloorLsn,
      replica: status,
      links,
    }
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    clearInterval(this.checkpointTimer)
    await this.server?.close({ graceful: false })
    this.server = undefined
    await this.replication.close()
    this.port.close('queue manager closing')
    this.engine.quiesce()
    await this.journal.close()
    await this.supervisor.stopAll()
    await this.sideWork.close()
    this.releaseLock()
    this.logger.info({ endLsn: this.journal.endLsn }, 'member closed')
  }

  private fail(error: unknown): void {
    this.logger.error({ err: error }, 'replicated queue manager failed')
    // Fail-stop: nothing is acknowledged after a failure (its commit LSN may no longer move).
    this.port?.close('replicated queue manager failed')
    this.live = false
    this.acceptWrites = false
    this.emit('failed', error instanceof Error ? error : new Error(String(error)))
  }

  // ---- Start ----

  private adopt(
    recovered: RecoveredLog,
    placeholder: { port: CommitJournalPort | undefined },
  ): void {
    this.port = new CommitJournalPort(this.journal, this.commitView)
    placeholder.port = this.port
    this.engine = recovered.engine
    this.standby.reset(recovered.endLsn)
  }

  private startReplication(
    recovered: RecoveredLog,
    batchRingBuffer: SharedArrayBuffer,
    verbatimRingBuffer: SharedArrayBuffer,
  ): void {
    const { options, meta, paths } = this
    const startLsn = recovered.checkpoint?.lsn ?? LOG_START_LSN
    this.replication = ReplicationHandle.start({
      supervisor: this.supervisor,
      logger: this.logger.child({ actor: 'replication' }),
      queueManager: meta.name,
      group: options.group,
      self: options.self,
      members: options.members,
      policy: options.policy ?? 'majority',
      ...(options.startAsPrimary === true ? { startAsPrimary: true } : {}),
      hardStatePath: join(paths.root, 'replication.json'),
      hardState: loadHardState(join(paths.root, 'replication.json')),
      journalDirectory: paths.journal,
      segmentBytes: meta.segmentBytes,
      // From a checkpoint the log below it may be retired or sparse (an installed one): the
      // core serves appends from the checkpoint on, and sends older needs the checkpoint.
      log: { startLsn, endLsn: recovered.endLsn, history: recovered.history },
      commitLsn: startLsn,
      checkpointLsn: recovered.checkpoint?.lsn,
      retainMaxBytes: options.retainMaxBytes,
      checkpointDirectory: paths.checkpoints,
      journalControlBuffer: this.journal.controlBuffer,
      batchRingBuffer,
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      verbatimRingBuffer,
      journalRingBuffer: this.journal.ringBuffer,
      linkSecurity: options.linkSecurity,
      testOnlyBugs: options.testOnlyBugs,
    })
    this.replication.on('event', (event) => this.onEvent(event))
    this.replication.on('failed', (error) => this.fail(error))
  }

  private async listen(): Promise<void> {
    const self = this.options.members.find((member) => member.id === this.options.self)!
    const tlsDirectory = this.options.clientTlsDirectory
    // Served as itself: a session reads `engine` at connect, so a rebuilt engine is picked up.
    this.server = await QueueManagerServer.listen({
      queueManager: this,
      host: self.host,
      port: this.options.clientPort!,
      logger: this.logger.child({ component: 'server' }),
      tls: tlsDirectory === undefined ? undefined : readServerTls(tlsDirectory),
    })
  }

  /** Commits, as the worker publishes them: acknowledge (primary), apply (hot standby). */
  private async watchCommits(): Promise<void> {
    const commit = this.replication.commit
    while (this.closing === undefined) {
      const sequence = commit.sequence
      const lsn = commit.commitLsn
      // Every wake, not only a moved LSN: a change of serving epoch alone closes the port.
      this.port.committed()
      if (lsn > this.lastCommit) {
        this.lastCommit = lsn
        if (!this.live) this.applyCommitted(lsn)
      }
      await commit.waitPast(sequence)
    }
  }

  // ---- Effects, in order ----

  private onEvent(event: ReplicationEvent): void {
    // After an install the member closes and reopens from the checkpoint; what the core says
    // meanwhile is about a log that is being replaced (the reopened core hears it again).
    if (this.installing) return
    switch (event.type) {
      case 'write':
        this.ops.run(() => this.write(event.fromLsn, event.records))
        break
      case 'truncate':
        this.ops.run(() => this.truncate(event.fromLsn))
        break
      case 'epoch-start':
        this.ops.run(() => this.appendEpochStart(event.epoch, event.previousEpoch))
        break
      case 'role':
        this.ops.run(() => this.roleChanged(event))
        break
      case 'primary-ready':
        this.ops.run(() => this.primaryReady(event.epoch))
        break
      case 'accept-writes':
        this.ops.run(() => this.setAcceptWrites(event.accept))
        break
      case 'install-checkpoint':
        this.installing = true
        this.emit('installing', event.lsn)
        this.ops.run(() => this.installCheckpoint(event.lsn, event.history, event.bundle))
        break
      case 'retention-floor':
        this.retentionFloor = event.lsn
        break
      case 'refused':
        this.logger.warn({ request: event.request, reason: event.reason }, 'request refused')
        break
    }
  }

  private write(fromLsn: number, records: Uint8Array): void {
    trace('adopt', fromLsn)
    // A cut the core asked for before these records was done first (the worker held them).
    if (this.journal.endLsn !== fromLsn) {
      throw new QmqError(
        ErrorCode.RECORD_INVALID,
        `follower write at ${fromLsn} but the journal ends at ${this.journal.endLsn}`,
      )
    }
    this.journal.adoptVerbatim(records)
    this.logger.trace({ fromLsn, bytes: records.length }, 'follower records adopted')
    this.standby.addVerbatim(fromLsn, records)
    this.applyCommitted(this.replication.commit.commitLsn)
  }

  private async truncate(fromLsn: number): Promise<void> {
    try {
      if (this.journal.endLsn > fromLsn) await this.cutTo(fromLsn)
      this.standby.dropFrom(fromLsn)
      if (this.standby.appliedEnd > fromLsn) this.rebuildEngine('log cut below the applied records')
    } finally {
      this.replication.cutDone()
    }
  }

  /** Cuts the journal at `fromLsn` and keeps the cut records in the divergent directory. */
  private async cutTo(fromLsn: number): Promise<void> {
    const cut = await this.journal.truncateFrom(fromLsn)
    const file = saveDivergentTail(this.paths.root, cut)
    if (file === undefined) return
    this.logger.warn({ fromLsn, endLsn: cut.endLsn, file }, 'divergent tail cut and saved aside')
    this.emit('divergent', file)
  }

  private appendEpochStart(epoch: number, previousEpoch: number): void {
    this.journal.setEpoch(epoch)
    const record: JournalRecord = { type: RecordType.EPOCH_START, previousEpoch }
    const lsn = this.journal.append(record)
    this.standby.add(lsn, this.journal.endLsn, record)
  }

  private async roleChanged(event: Extract<ReplicationEvent, { type: 'role' }>): Promise<void> {
    this.role = event.role
    this.epoch = event.epoch
    this.primaryId = event.primaryId
    this.logger.info({ role: event.role, epoch: event.epoch, primary: event.primaryId }, 'role')
    this.emit('role', event.role, event.epoch, event.primaryId)
    if (!event.deposed) return
    try {
      this.port.close('deposed: no longer the primary')
      this.live = false
      this.acceptWrites = false
      this.emit('serving', false)
      await this.dropClients()
      if (this.journal.endLsn > event.logEndLsn) await this.cutTo(event.logEndLsn)
      this.rebuildEngine('deposed')
    } finally {
      this.replication.cutDone()
    }
  }

  private async dropClients(): Promise<void> {
    if (this.server === undefined) return
    await this.server.close({ graceful: false })
    this.server = undefined
    await this.listen()
  }

  private async primaryReady(epoch: number): Promise<void> {
    this.applyCommitted(this.replication.commit.commitLsn)
    if (this.standby.waiting > 0) {
      throw new QmqError(ErrorCode.RECORD_INVALID, 'primary ready with records not applied')
    }
    this.live = true
    // ACCEPT_WRITES follows PRIMARY_READY in the same step; the core accepts this epoch's own
    // recovery records (backouts, default objects) either way.
    this.port.serve(epoch)
    const engine = this.engine
    const backedOut = await engine.rollBackIncompleteUnitsOfWork()
    await engine.ensureDefaultObjects(DEFAULT_DEAD_LETTER_QUEUE_NAME)
    for (const name of this.options.queues ?? []) {
      if (engine.listQueues(name).length === 0) {
        await engine.defineQueue({ name, maxDepth: CONVENIENCE_QUEUE_MAX_DEPTH })
      }
    }
    engine.startExpirySweeper()
    this.logger.info({ epoch: this.epoch, backedOut }, 'primary ready: serving')
    this.emit('serving', this.serving)
  }

  private setAcceptWrites(accept: boolean): void {
    this.acceptWrites = accept
    if (this.live) this.port.writable = accept
    if (this.live) this.emit('serving', this.serving)
  }

  // ---- Checkpoints, retirement, checkpoint install ----

  /** The LSN a checkpoint taken now would hold: committed records only (see waitDurable). */
  private checkpointEnd(): number {
    return this.live ? this.journal.endLsn : this.standby.appliedEnd
  }

  private startCheckpoints(checkpoint: CheckpointName | undefined): void {
    const source = {
      endLsn: () => this.checkpointEnd(),
      // A primary's engine holds records not yet committed: its checkpoint waits for the commit
      // (and fails if it is deposed first). A standby applied committed records only; they must
      // be durable here before a checkpoint stands for them.
      waitDurable: (lsn: number) =>
        this.live ? this.port.waitDurable(lsn) : this.journal.waitDurable(lsn),
      snapshot: () => this.engine.snapshot(),
      oldestLiveLsn: () => this.engine.oldestLiveLsn(),
      forgetSegment: (index: number) => this.journal.forgetSegment(index),
      retainFloorLsn: () => this.retentionFloor,
      beforeWrite: async (lsn: number, file: string) => {
        const { history, status } = await this.replication.status()
        if (this.closing !== undefined) throw new QmqError(ErrorCode.RECORD_INVALID, 'closing')
        // DR: records the secondary lacks may be forked away by a forced promotion; a
        // checkpoint holds none of them (the core asserts it). Retried at the next interval.
        if (lsn > status.checkpointLimitLsn) {
          throw new QmqError(ErrorCode.RECORD_INVALID, `checkpoint at ${lsn} waits for the DR peer`)
        }
        const below = history.filter((run) => run.startLsn < lsn)
        writeCheckpointEpochs(this.paths.checkpoints, file, below)
      },
      written: (lsn: number, retiredLsn: number) => {
        this.replication.checkpointTaken(lsn)
        if (retiredLsn > LOG_START_LSN) this.replication.logRetired(retiredLsn)
      },
      sparesKept: 0,
    }
    const startLsn = checkpoint?.lsn ?? LOG_START_LSN
    this.checkpointer = new Checkpointer(
      this.paths,
      this.meta.segmentBytes,
      this.sideWork,
      source,
      this.logger,
      startLsn,
      checkpoint?.floorLsn ?? startLsn,
    )
    const intervalBytes = this.options.checkpointIntervalBytes ?? CHECKPOINT_INTERVAL_BYTES
    let lastMs = Date.now()
    this.checkpointTimer = setInterval(
      () => {
        const since = this.checkpointer.logSinceCheckpoint()
        const due =
          since >= intervalBytes || (since > 0 && Date.now() - lastMs >= CHECKPOINT_INTERVAL_MS)
        if (!due || this.closing !== undefined) return
        // A standby that replayed its own log at start (or was rebuilt) holds records not yet
        // known committed: its state is checkpointed once the commit LSN has passed them.
        if (!this.live && this.standby.appliedEnd > this.lastCommit) return
        lastMs = Date.now()
        this.checkpointer.take().catch((error: unknown) => {
          this.logger.warn({ err: error }, 'checkpoint not taken')
        })
      },
      Math.min(MAINTENANCE_POLL_MS, Math.max(50, intervalBytes / 65_536)),
    )
    this.checkpointTimer.unref()
  }

  /** Checkpoint catch-up: stage and commit the primary's checkpoint, then close to reopen. */
  private async installCheckpoint(
    lsn: number,
    history: readonly EpochRun[],
    bundle: Uint8Array,
  ): Promise<void> {
    // A checkpoint of the old state still running fails at beforeWrite (closing), or is older
    // than this one and deleted when the install is finished.
    clearInterval(this.checkpointTimer)
    const installed = stageInstall(this.paths, this.meta.segmentBytes, lsn, history, bundle)
    this.logger.info({ ...installed, bytes: bundle.length }, 'checkpoint installed: reopening')
    await this.close()
    this.emit('installed', lsn)
  }

  // ---- The hot standby engine ----

  private applyCommitted(commitLsn: number): void {
    this.standby.applyCommitted(this.engine, commitLsn)
  }

  /** A new engine from the log (as recovery builds it): every record in the log applied. */
  private rebuildEngine(because: string): void {
    this.port.close(because)
    this.engine.quiesce()
    this.port = new CommitJournalPort(this.journal, this.commitView)
    const recovered = replayLog(this.paths, this.meta, this.logger, () => this.port)
    this.engine = recovered.engine
    this.standby.reset(recovered.endLsn)
    this.logger.info({ because, endLsn: recovered.endLsn }, 'engine rebuilt from the log')
  }
}

/**
 * A new engine from the newest checkpoint and the log after it (the whole log without one);
 * returns it with the log end and the epoch history (the checkpoint's runs, then the log's).
 */
function replayLog(
  paths: DataPaths,
  meta: QueueManagerMeta,
  logger: Logger,
  port: () => CommitJournalPort,
): RecoveredLog {
  const engine = new QueueEngine({
    journal: {
      append: (record) => port().append(record),
      waitDurable: (lsn) => port().waitDurable(lsn),
      readPut: (lsn) => port().readPut(lsn),
    },
    queueManagerName: meta.name,
  })
  const checkpoint = loadLatestCheckpoint(paths.checkpoints, logger)
  if (checkpoint !== undefined) engine.restore(checkpoint.snapshot)
  const fromLsn = checkpoint?.name.lsn ?? LOG_START_LSN
  const history: EpochRun[] =
    checkpoint === undefined ? [] : readCheckpointEpochs(paths.checkpoints, checkpoint.name.file)
  const replay = recoverLog(paths.journal, meta.segmentBytes, fromLsn, (record, header) => {
    if (history.at(-1)?.epoch !== header.epoch) {
      history.push({ epoch: header.epoch, startLsn: header.lsn })
    }
    engine.apply(record, header.lsn)
  })
  const lastEpoch = Math.max(replay.lastEpoch, history.at(-1)?.epoch ?? 0)
  return { engine, endLsn: replay.endLsn, history, lastEpoch, checkpoint: checkpoint?.name }
}
