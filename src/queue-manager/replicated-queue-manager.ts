/**
 * A queue manager whose journal is replicated to a group (issue 7): the queue engine and its
 * local journal as in QueueManager, plus the replication actor (src/actors/replication/), and
 * the glue that performs the core's effects on this thread, in the order the worker sent them:
 *
 *   write        follower: append the primary's records verbatim; apply them to the hot
 *                standby engine once committed (the commit LSN is in shared memory)
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
 * Not built yet (see docs/architecture.md): checkpoints and log retirement on a replicated
 * queue manager (so no checkpoint catch-up is ever needed: the whole log is kept), log
 * compaction, and restarting a failed replication worker in place.
 */
import { EventEmitter } from 'node:events'
import { LOG_START_LSN } from '../constants.js'
import { ErrorCode, MQError, QmqError, Reason } from '../errors.js'
import { childLogger, type Logger } from '../log.js'
import { JournalHandle } from '../actors/journal/handle.js'
import { decodeRecord, readRecordHeader } from '../actors/journal/journal-record.js'
import { recordLength } from '../actors/journal/record-header.js'
import { RecordType, type JournalRecord } from '../actors/journal/record-types.js'
import { recoverLog } from '../actors/journal/recovery.js'
import { preallocateSegment } from '../actors/journal/segment-files.js'
import { ReplicationHandle } from '../actors/replication/handle.js'
import type { MemberAddress, ReplicationEvent } from '../actors/replication/messages.js'
import { Supervisor } from '../actors/supervisor/supervisor.js'
import { FramedRing } from '../ring/framed-ring.js'
import { REPLICATION_BATCH_RING_BYTES } from '../constants.js'
import type { Role } from '../replication/effects.js'
import type { SimulationBug } from '../replication/bugs.js'
import type { EpochRun } from '../replication/epoch-history.js'
import type { ReplicaStatus } from '../replication/replica.js'
import { QueueEngine, type Connection } from '../queue/engine.js'
import { DEFAULT_DEAD_LETTER_QUEUE_NAME } from '../queue/queue-attributes.js'
import { QueueManagerServer } from '../server/server.js'
import { SideWorkPool } from '../side-work/pool.js'
import { loadHardState } from '../actors/replication/hard-state-file.js'
import { CommitJournalPort } from './commit-journal-port.js'
import {
  createDataDirectory,
  dataPaths,
  lockDataDirectory,
  readMeta,
  type DataPaths,
  type QueueManagerMeta,
} from './data-directory.js'
import { saveDivergentTail } from './divergent-tail.js'
import { SerialOps } from './serial-ops.js'
import { join } from 'node:path'
import fs from 'node:fs'

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
  /** Local queues a new primary defines if they are missing (convenience for tests, demos). */
  readonly queues?: readonly string[]
  readonly logger?: Logger
  /** Test only (chaos suite's known-bad run): rules the replication core breaks on purpose. */
  readonly testOnlyBugs?: readonly SimulationBug[]
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
  readonly replica: ReplicaStatus
  readonly links: string[]
}

export interface ReplicatedEvents {
  role: [role: Role, epoch: number, primaryId: string | undefined]
  serving: [serving: boolean]
  divergent: [file: string]
  failed: [error: Error]
}

/** Queues from the options are for tests and benchmarks: deep enough for any run. */
const CONVENIENCE_QUEUE_MAX_DEPTH = 999_999_999

interface PendingRecord {
  readonly lsn: number
  readonly end: number
  readonly record: JournalRecord
}

interface RecoveredLog {
  readonly engine: QueueEngine
  readonly endLsn: number
  readonly history: EpochRun[]
  readonly lastEpoch: number
}

export class ReplicatedQueueManager extends EventEmitter<ReplicatedEvents> {
  engine!: QueueEngine
  role: Role = 'secondary'
  epoch = 0
  primaryId: string | undefined
  private port!: CommitJournalPort
  private pending: PendingRecord[] = []
  private appliedEnd = LOG_START_LSN
  private live = false
  private acceptWrites = false
  private lastCommit = 0
  private readonly ops: SerialOps
  private replication!: ReplicationHandle
  private server: QueueManagerServer | undefined
  private closing: Promise<void> | undefined

  private constructor(
    readonly meta: QueueManagerMeta,
    private readonly options: ReplicatedOpenOptions,
    private readonly paths: DataPaths,
    private readonly journal: JournalHandle,
    private readonly supervisor: Supervisor,
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
    const recovered = replayLog(paths, meta, () => placeholder.port!)
    preallocateSegment(
      paths.journal,
      Math.floor(recovered.endLsn / meta.segmentBytes),
      meta.segmentBytes,
    )
    const supervisor = new Supervisor(logger.child({ actor: 'supervisor' }))
    const sideWork = new SideWorkPool()
    const batchRing = FramedRing.create(REPLICATION_BATCH_RING_BYTES)
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
    member.startReplication(recovered, batchRing.sharedBuffer)
    void member.watchCommits()
    if (options.clientPort !== undefined && options.clientPort > 0) await member.listen()
    logger.info({ endLsn: recovered.endLsn, history: recovered.history }, 'member started')
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
      appliedLsn: this.live ? this.journal.endLsn : this.appliedEnd,
      replica: status,
      links,
    }
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
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
    this.emit('failed', error instanceof Error ? error : new Error(String(error)))
  }

  // ---- Start ----

  private adopt(
    recovered: RecoveredLog,
    placeholder: { port: CommitJournalPort | undefined },
  ): void {
    this.port = new CommitJournalPort(this.journal, () => this.replication.commit.commitLsn)
    placeholder.port = this.port
    this.engine = recovered.engine
    this.appliedEnd = recovered.endLsn
  }

  private startReplication(recovered: RecoveredLog, batchRingBuffer: SharedArrayBuffer): void {
    const { options, meta, paths } = this
    this.replication = new ReplicationHandle({
      queueManager: meta.name,
      group: options.group,
      self: options.self,
      members: options.members,
      policy: 'majority',
      hardStatePath: join(paths.root, 'replication.json'),
      hardState: loadHardState(join(paths.root, 'replication.json')),
      journalDirectory: paths.journal,
      segmentBytes: meta.segmentBytes,
      log: { startLsn: LOG_START_LSN, endLsn: recovered.endLsn, history: recovered.history },
      commitLsn: LOG_START_LSN,
      journalControlBuffer: this.journal.controlBuffer,
      batchRingBuffer,
      testOnlyBugs: options.testOnlyBugs,
    })
    this.replication.on('event', (event) => this.onEvent(event))
    this.replication.on('failed', (error) => this.fail(error))
  }

  private async listen(): Promise<void> {
    const self = this.options.members.find((member) => member.id === this.options.self)!
    // Served as itself: a session reads `engine` at connect, so a rebuilt engine is picked up.
    this.server = await QueueManagerServer.listen({
      queueManager: this,
      host: self.host,
      port: this.options.clientPort!,
      logger: this.logger.child({ component: 'server' }),
    })
  }

  /** Commits, as the worker publishes them: acknowledge (primary), apply (hot standby). */
  private async watchCommits(): Promise<void> {
    const commit = this.replication.commit
    while (this.closing === undefined) {
      const sequence = commit.sequence
      const lsn = commit.commitLsn
      if (lsn > this.lastCommit) {
        this.lastCommit = lsn
        this.port.committed(lsn)
        if (!this.live) this.applyCommitted(lsn)
      }
      await commit.waitPast(sequence)
    }
  }

  // ---- Effects, in order ----

  private onEvent(event: ReplicationEvent): void {
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
        this.ops.run(() => this.primaryReady())
        break
      case 'accept-writes':
        this.ops.run(() => this.setAcceptWrites(event.accept))
        break
      case 'refused':
        this.logger.warn({ request: event.request, reason: event.reason }, 'request refused')
        break
      case 'status':
      case 'closed':
        break
    }
  }

  private async write(fromLsn: number, records: Uint8Array): Promise<void> {
    if (this.journal.endLsn > fromLsn) await this.cutTo(fromLsn)
    if (this.journal.endLsn !== fromLsn) {
      throw new QmqError(
        ErrorCode.RECORD_INVALID,
        `follower write at ${fromLsn} but the journal ends at ${this.journal.endLsn}`,
      )
    }
    this.journal.appendVerbatim(records)
    this.logger.trace({ fromLsn, bytes: records.length }, 'follower records appended')
    let lsn = fromLsn
    for (let offset = 0; offset < records.length;) {
      const length = recordLength(records, offset)
      const check = readRecordHeader(records, offset, length, lsn)
      if (check.kind !== 'ok') throw new QmqError(ErrorCode.RECORD_INVALID, `bad record at ${lsn}`)
      const record = decodeRecord(records, offset, check.header)
      lsn = check.header.lsn
      const end = record.type === RecordType.SEGMENT_SEAL ? record.nextLsn : lsn + length
      this.pending.push({ lsn, end, record })
      lsn = end
      offset += length
    }
    this.applyCommitted(this.replication.commit.commitLsn)
  }

  private async truncate(fromLsn: number): Promise<void> {
    try {
      if (this.journal.endLsn > fromLsn) await this.cutTo(fromLsn)
      this.pending = this.pending.filter((entry) => entry.lsn < fromLsn)
      if (this.appliedEnd > fromLsn) this.rebuildEngine('log cut below the applied records')
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
    this.pending.push({ lsn, end: this.journal.endLsn, record })
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

  private async primaryReady(): Promise<void> {
    this.applyCommitted(this.replication.commit.commitLsn)
    if (this.pending.length > 0) {
      throw new QmqError(ErrorCode.RECORD_INVALID, 'primary ready with records not applied')
    }
    this.live = true
    // ACCEPT_WRITES follows PRIMARY_READY in the same step; the core accepts this epoch's own
    // recovery records (backouts, default objects) either way.
    this.port.writable = true
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

  // ---- The hot standby engine ----

  private applyCommitted(commitLsn: number): void {
    let applied = 0
    for (const entry of this.pending) {
      if (entry.end > commitLsn) break
      this.engine.apply(entry.record, entry.lsn)
      this.appliedEnd = entry.end
      applied++
    }
    if (applied > 0) this.pending.splice(0, applied)
  }

  /** A new engine from the log (as recovery builds it): every record in the log applied. */
  private rebuildEngine(because: string): void {
    this.port.close(because)
    this.engine.quiesce()
    this.port = new CommitJournalPort(this.journal, () => this.replication.commit.commitLsn)
    const recovered = replayLog(this.paths, this.meta, () => this.port)
    this.engine = recovered.engine
    this.appliedEnd = recovered.endLsn
    this.pending = []
    this.logger.info({ because, endLsn: recovered.endLsn }, 'engine rebuilt from the log')
  }
}

/** Replays the whole log into a new engine; returns it with the log end and epoch history. */
function replayLog(
  paths: DataPaths,
  meta: QueueManagerMeta,
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
  const history: EpochRun[] = []
  const replay = recoverLog(paths.journal, meta.segmentBytes, LOG_START_LSN, (record, header) => {
    if (history.at(-1)?.epoch !== header.epoch) {
      history.push({ epoch: header.epoch, startLsn: header.lsn })
    }
    engine.apply(record, header.lsn)
  })
  return { engine, endLsn: replay.endLsn, history, lastEpoch: replay.lastEpoch }
}
