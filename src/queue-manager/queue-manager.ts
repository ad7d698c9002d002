/**
 * A queue manager: the queue engine (state and MQ semantics) joined to its journal actor, with
 * recovery at open, periodic checkpoints, and an orderly close.
 *
 * Open: lock the data directory, load the newest checkpoint, replay the log after it through
 * the engine's apply (the same function live operations use), truncate a torn tail, start the
 * journal worker at the log end, roll back units of work that were in flight at the crash.
 */
import {
  CHECKPOINT_INTERVAL_BYTES,
  CHECKPOINT_INTERVAL_MS,
  LOG_START_LSN,
  MAINTENANCE_POLL_MS,
} from '../constants.js'
import { childLogger, type Logger } from '../log.js'
import { JournalHandle } from '../actors/journal/handle.js'
import type { JournalStats, SegmentIoWrapper } from '../actors/journal/messages.js'
import { recoverLog, type TornTail } from '../actors/journal/recovery.js'
import { listSegments, preallocateSegment, segmentPath } from '../actors/journal/segment-files.js'
import { Supervisor } from '../actors/supervisor/supervisor.js'
import type { JournalRecord, MessagePutRecord } from '../actors/journal/record-types.js'
import type { JournalPort } from '../queue/journal-port.js'
import { QueueEngine, type Connection, type RelocationCandidate } from '../queue/engine.js'
import { DEFAULT_DEAD_LETTER_QUEUE_NAME } from '../queue/queue-attributes.js'
import { SideWorkPool } from '../side-work/pool.js'
import { Checkpointer, loadLatestCheckpoint } from './checkpointer.js'
import { LogCompactor } from '../compaction/log-compactor.js'
import { readLogStatus, type LogStatus } from './log-status.js'
import {
  createDataDirectory,
  dataPaths,
  lockDataDirectory,
  readMeta,
  type DataPaths,
  type QueueManagerMeta,
} from './data-directory.js'
import { ErrorCode, QmqError } from '../errors.js'

export interface OpenOptions {
  readonly dataDirectory: string
  /** Create the data directory if it does not exist yet (with this name). */
  readonly create?: {
    readonly name: string
    readonly segmentBytes?: number
    /** crtmqm -u: DEADQ of the new queue manager (default SYSTEM.DEAD.LETTER.QUEUE). */
    readonly deadLetterQueue?: string
  }
  readonly logger?: Logger
  readonly now?: () => number
  readonly ringBytes?: number
  /** Run the journal worker on a wrapped SegmentIo (tests inject disk faults with it). */
  readonly segmentIoWrapper?: SegmentIoWrapper
  /** Checkpoint after this much log (default CHECKPOINT_INTERVAL_BYTES). */
  readonly checkpointIntervalBytes?: number
  /** How often checkpoints and compaction are considered (default MAINTENANCE_POLL_MS). */
  readonly maintenancePollMs?: number
  /** Copy-forward log compaction (default on); off only to show the unbounded log in tests. */
  readonly compaction?: boolean
}

export interface RecoveryReport {
  readonly checkpointLsn: number | undefined
  readonly replayedRecords: number
  readonly endLsn: number
  readonly tornTail: TornTail | undefined
  readonly rolledBackUnitsOfWork: number
  readonly durationMs: number
}

/**
 * Until the journal worker runs (during replay) the engine must not append; reads of message
 * bodies go to the log files directly once it does.
 */
class JournalProxy implements JournalPort {
  target: JournalHandle | undefined
  append(record: JournalRecord): number {
    return this.require().append(record)
  }
  waitDurable(lsn: number): Promise<void> {
    return this.require().waitDurable(lsn)
  }
  readPut(putLsn: number): MessagePutRecord {
    return this.require().readPut(putLsn)
  }
  private require(): JournalHandle {
    if (this.target === undefined) {
      throw new QmqError(ErrorCode.JOURNAL_CLOSED, 'journal not started')
    }
    return this.target
  }
}

export class QueueManager {
  private checkpointTimer: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined

  private constructor(
    readonly meta: QueueManagerMeta,
    readonly engine: QueueEngine,
    readonly recovery: RecoveryReport,
    private readonly paths: DataPaths,
    private readonly journal: JournalHandle,
    private readonly supervisor: Supervisor,
    private readonly sideWork: SideWorkPool,
    private readonly checkpointer: Checkpointer,
    private readonly releaseLock: () => void,
    private readonly logger: Logger,
    private readonly checkpointIntervalBytes: number,
    private readonly compactor: LogCompactor | undefined,
    private readonly maintenancePollMs: number,
  ) {}

  get name(): string {
    return this.meta.name
  }

  static async open(options: OpenOptions): Promise<QueueManager> {
    const started = performance.now()
    const paths = dataPaths(options.dataDirectory)
    if (options.create !== undefined && !existsMeta(paths)) {
      createDataDirectory(paths.root, options.create.name, options.create.segmentBytes)
    }
    const meta = readMeta(paths.root)
    const logger = options.logger ?? childLogger({ qm: meta.name })
    const releaseLock = lockDataDirectory(paths.root)
    try {
      return await QueueManager.recover(options, paths, meta, logger, releaseLock, started)
    } catch (error) {
      releaseLock()
      throw error
    }
  }

  private static async recover(
    options: OpenOptions,
    paths: DataPaths,
    meta: QueueManagerMeta,
    logger: Logger,
    releaseLock: () => void,
    started: number,
  ): Promise<QueueManager> {
    const proxy = new JournalProxy()
    const engine = new QueueEngine({
      journal: proxy,
      queueManagerName: meta.name,
      now: options.now,
    })
    const checkpoint = loadLatestCheckpoint(paths.checkpoints, logger)
    if (checkpoint !== undefined) engine.restore(checkpoint.snapshot)
    const fromLsn = checkpoint?.name.lsn ?? firstLsn(paths, meta.segmentBytes)
    if (checkpoint !== undefined) {
      assertSegmentsFrom(paths, meta.segmentBytes, checkpoint.name.floorLsn, fromLsn)
    }
    const replay = recoverLog(paths.journal, meta.segmentBytes, fromLsn, (record, header) =>
      engine.apply(record, header.lsn),
    )
    if (replay.tornTail !== undefined) {
      logger.warn({ ...replay.tornTail }, 'torn journal tail truncated (unacknowledged writes)')
    }
    ensureSegment(paths, meta.segmentBytes, replay.endLsn)
    const supervisor = new Supervisor(logger.child({ actor: 'supervisor' }))
    const sideWork = new SideWorkPool()
    const journal = startJournal(options, paths, meta, logger, supervisor, sideWork, replay.endLsn)
    proxy.target = journal
    await Promise.race([journal.ready(), supervisorFailure(supervisor)])
    const rolledBack = await finishRecovery(engine, options)
    const checkpointIntervalBytes = options.checkpointIntervalBytes ?? CHECKPOINT_INTERVAL_BYTES
    const { checkpointer, compactor } = startMaintenance(
      { options, paths, meta, logger, sideWork, engine, journal },
      checkpoint?.name,
      checkpointIntervalBytes,
    )
    const recovery: RecoveryReport = {
      checkpointLsn: checkpoint?.name.lsn,
      replayedRecords: replay.recordCount,
      endLsn: replay.endLsn,
      tornTail: replay.tornTail,
      rolledBackUnitsOfWork: rolledBack,
      durationMs: performance.now() - started,
    }
    logger.info(
      { ...recovery, tornTail: recovery.tornTail !== undefined },
      'queue manager recovered',
    )
    const queueManager = new QueueManager(
      meta,
      engine,
      recovery,
      paths,
      journal,
      supervisor,
      sideWork,
      checkpointer,
      releaseLock,
      logger,
      checkpointIntervalBytes,
      compactor,
      options.maintenancePollMs ?? MAINTENANCE_POLL_MS,
    )
    queueManager.startCheckpointTimer()
    return queueManager
  }

  connect(): Connection {
    return this.engine.connect()
  }

  checkpoint(): Promise<void> {
    return this.checkpointer.take()
  }

  journalStats(): Promise<JournalStats | undefined> {
    return this.journal.stats()
  }

  /** The epoch stamped into new records (raised by replication, never lowered). */
  get epoch(): number {
    return this.journal.epoch
  }

  get journalEndLsn(): number {
    return this.journal.endLsn
  }

  /**
   * The log as DISPLAY QMSTATUS and dspmq show it: bytes and segments on disk, current LSN,
   * checkpoint, the oldest LSN restart recovery needs, and what compaction has done.
   */
  logStatus(): LogStatus {
    return readLogStatus({
      journalDirectory: this.paths.journal,
      segmentBytes: this.meta.segmentBytes,
      currentLsn: this.journal.endLsn,
      durableLsn: this.journal.durableLsn,
      checkpointLsn: this.checkpointer.lastCheckpointLsn,
      recoveryFloorLsn: this.checkpointer.lastFloorLsn,
      retainedFloorLsn: this.checkpointer.retainedFloorLsn,
      oldestLiveLsn: this.engine.oldestLiveLsn(),
      compaction: this.compactor?.stats(),
    })
  }

  /** Runs a compaction pass now if one is due (tests; the maintenance timer polls the same). */
  compactLog(): Promise<void> {
    return this.compactor?.poll() ?? Promise.resolve()
  }

  /** Quiesce, checkpoint (so the next start replays nothing), stop the journal, unlock. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    clearInterval(this.checkpointTimer)
    await this.compactor?.stop()
    this.engine.quiesce()
    try {
      await this.checkpointer.take()
    } catch (error) {
      this.logger.error({ err: error }, 'final checkpoint failed; recovery will replay the log')
    }
    await this.journal.close()
    await this.supervisor.stopAll()
    await this.sideWork.close()
    this.releaseLock()
    this.logger.info({ endLsn: this.journal.endLsn }, 'queue manager closed')
  }

  private startCheckpointTimer(): void {
    const periodMs = Math.min(this.maintenancePollMs, CHECKPOINT_INTERVAL_MS)
    let lastCheckpointMs = Date.now()
    this.checkpointTimer = setInterval(() => {
      if (!this.engine.failed) this.compactor?.poll()
      const due =
        this.checkpointer.logSinceCheckpoint() >= this.checkpointIntervalBytes ||
        (Date.now() - lastCheckpointMs >= CHECKPOINT_INTERVAL_MS &&
          this.checkpointer.logSinceCheckpoint() > 0)
      if (!due) return
      lastCheckpointMs = Date.now()
      this.checkpointer.take().catch((error: unknown) => {
        this.logger.error({ err: error }, 'checkpoint failed')
      })
    }, periodMs)
    this.checkpointTimer.unref()
  }
}

/**
 * With the journal running: back out units of work the crash cut off, create the default
 * objects of a new queue manager (or of one created before they existed), remove what expired
 * while the queue manager was down and start the expiry sweeper. Returns the units backed out.
 */
async function finishRecovery(engine: QueueEngine, options: OpenOptions): Promise<number> {
  const rolledBack = await engine.rollBackIncompleteUnitsOfWork()
  await engine.ensureDefaultObjects(
    options.create?.deadLetterQueue ?? DEFAULT_DEAD_LETTER_QUEUE_NAME,
  )
  engine.startExpirySweeper()
  return rolledBack
}

function startJournal(
  options: OpenOptions,
  paths: DataPaths,
  meta: QueueManagerMeta,
  logger: Logger,
  supervisor: Supervisor,
  sideWork: SideWorkPool,
  startLsn: number,
): JournalHandle {
  return JournalHandle.start({
    directory: paths.journal,
    segmentBytes: meta.segmentBytes,
    startLsn,
    epoch: meta.epoch,
    supervisor,
    sideWork,
    logger: logger.child({ actor: 'journal' }),
    ringBytes: options.ringBytes,
    segmentIoWrapper: options.segmentIoWrapper,
  })
}

/** Rejects if an actor fails for good (its restart budget spent) before it ever became ready. */
function supervisorFailure(supervisor: Supervisor): Promise<never> {
  return new Promise((_resolve, reject) =>
    supervisor.once('actor-failed', (_name, error) => reject(error)),
  )
}

function existsMeta(paths: DataPaths): boolean {
  try {
    readMeta(paths.root)
    return true
  } catch {
    return false
  }
}

/**
 * Without a checkpoint the log starts at LOG_START_LSN in segment 0 (a later first segment means
 * lost segments).
 */
function firstLsn(paths: DataPaths, segmentBytes: number): number {
  const first = listSegments(paths.journal).segments[0]
  if (first !== undefined && first !== 0) {
    throw new QmqError(
      ErrorCode.JOURNAL_SEGMENT_MISSING,
      `no checkpoint and the log starts at segment ${first}: segment 0 is missing`,
      { segmentBytes },
    )
  }
  return LOG_START_LSN
}

/** Messages in the checkpoint live in segments from its floor on: all of them must be there. */
function assertSegmentsFrom(
  paths: DataPaths,
  segmentBytes: number,
  floorLsn: number,
  replayLsn: number,
): void {
  const present = new Set(listSegments(paths.journal).segments)
  const last = Math.floor(replayLsn / segmentBytes)
  for (let index = Math.floor(floorLsn / segmentBytes); index < last; index++) {
    if (present.has(index)) continue
    const file = segmentPath(paths.journal, index)
    throw new QmqError(
      ErrorCode.JOURNAL_SEGMENT_MISSING,
      `segment ${file} is missing (it holds messages of the checkpoint at LSN ${replayLsn})`,
      { file, lsn: index * segmentBytes },
    )
  }
}

/** The segment where the next record goes must exist before the first fdatasync. */
function ensureSegment(paths: DataPaths, segmentBytes: number, endLsn: number): void {
  preallocateSegment(paths.journal, Math.floor(endLsn / segmentBytes), segmentBytes)
}

function checkpointSource(engine: QueueEngine, journal: JournalHandle) {
  return {
    endLsn: () => journal.endLsn,
    waitDurable: (lsn: number) => journal.waitDurable(lsn),
    snapshot: () => engine.snapshot(),
    oldestLiveLsn: () => engine.oldestLiveLsn(),
    forgetSegment: (index: number) => journal.forgetSegment(index),
  }
}

function compactionPort(engine: QueueEngine, journal: JournalHandle, checkpointer: Checkpointer) {
  return {
    endLsn: () => journal.endLsn,
    checkpointFloorLsn: () => checkpointer.lastFloorLsn,
    scan: (belowLsn: number) => engine.relocationCandidates(belowLsn),
    relocate: (candidate: RelocationCandidate) => engine.relocate(candidate),
    waitDurable: (lsn: number) => journal.waitDurable(lsn),
    checkpoint: () => checkpointer.takeFresh(),
    pause: (milliseconds: number) =>
      new Promise<void>((resolve) => setTimeout(resolve, milliseconds)),
  }
}

interface MaintenanceParts {
  readonly options: OpenOptions
  readonly paths: DataPaths
  readonly meta: QueueManagerMeta
  readonly logger: Logger
  readonly sideWork: SideWorkPool
  readonly engine: QueueEngine
  readonly journal: JournalHandle
}

/** The checkpointer, and the compactor that keeps its floor near the log end. */
function startMaintenance(
  parts: MaintenanceParts,
  checkpoint: { readonly lsn: number; readonly floorLsn: number } | undefined,
  checkpointIntervalBytes: number,
): { checkpointer: Checkpointer; compactor: LogCompactor | undefined } {
  const { options, paths, meta, logger, sideWork, engine, journal } = parts
  const checkpointer = new Checkpointer(
    paths,
    meta.segmentBytes,
    sideWork,
    checkpointSource(engine, journal),
    logger,
    checkpoint?.lsn ?? LOG_START_LSN,
    checkpoint?.floorLsn ?? LOG_START_LSN,
  )
  const compactor =
    options.compaction === false
      ? undefined
      : new LogCompactor(
          compactionPort(engine, journal, checkpointer),
          checkpointIntervalBytes,
          logger.child({ actor: 'compactor' }),
        )
  return { checkpointer, compactor }
}
