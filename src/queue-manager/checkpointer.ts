/**
 * Checkpoints bound recovery time and let the log be trimmed.
 *
 * A checkpoint at LSN c is the engine's persistent state after every record below c. Taking one:
 * snapshot the engine (synchronous, so the state is exactly "records below the log end"), wait
 * until the log is durable up to c, then write the file through the side-work pool (temporary
 * name, fsync, rename, directory fsync). The file name carries c and the retention floor f =
 * min(c, oldest message still referenced): recovery from this checkpoint needs segments from f on.
 * Segments wholly below the smallest floor of the kept checkpoints are retired.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { CHECKPOINTS_KEPT } from '../constants.js'
import { isQmqError } from '../errors.js'
import type { Logger } from '../log.js'
import type { EngineSnapshot } from '../queue/snapshot.js'
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js'
import { listSegments, retireSegment } from '../actors/journal/segment-files.js'
import type { SideWorkPool } from '../side-work/pool.js'
import type { DataPaths } from './data-directory.js'

const SPARE_SEGMENTS_KEPT = 2

export interface CheckpointName {
  readonly file: string
  readonly lsn: number
  readonly floorLsn: number
}

export function checkpointFileName(lsn: number, floorLsn: number): string {
  const hex = (value: number): string => value.toString(16).padStart(16, '0')
  return `checkpoint-${hex(lsn)}-${hex(floorLsn)}.qckp`
}

/** Checkpoint files, newest first. */
export function listCheckpoints(directory: string): CheckpointName[] {
  const found: CheckpointName[] = []
  for (const file of fs.readdirSync(directory)) {
    const match = /^checkpoint-([0-9a-f]{16})-([0-9a-f]{16})\.qckp$/.exec(file)
    if (match?.[1] === undefined || match[2] === undefined) continue
    found.push({ file, lsn: parseInt(match[1], 16), floorLsn: parseInt(match[2], 16) })
  }
  return found.sort((left, right) => right.lsn - left.lsn)
}

export interface LoadedCheckpoint {
  readonly name: CheckpointName
  readonly snapshot: EngineSnapshot
}

/** The newest checkpoint that decodes; corrupt ones are logged and passed over. */
export function loadLatestCheckpoint(
  directory: string,
  logger: Logger,
): LoadedCheckpoint | undefined {
  for (const name of listCheckpoints(directory)) {
    try {
      const snapshot = decodeCheckpoint(fs.readFileSync(join(directory, name.file)))
      return { name, snapshot }
    } catch (error) {
      if (!isQmqError(error)) throw error
      logger.error({ file: name.file, err: error }, 'checkpoint unreadable, trying an older one')
    }
  }
  return undefined
}

export interface CheckpointSource {
  /** Log end: the state covers every record below it. */
  endLsn(): number
  waitDurable(lsn: number): Promise<void>
  snapshot(): EngineSnapshot
  oldestLiveLsn(): number
  /** Segment about to be retired: close anything reading it. */
  forgetSegment(segmentIndex: number): void
  /** Replicated: segments at or above this are kept too (what the group still needs). */
  retainFloorLsn?(): number
  /** Replicated: before the file is written (the epoch history beside it); may refuse. */
  beforeWrite?(lsn: number, file: string): Promise<void>
  /** Replicated: the checkpoint is on disk; segments below `retiredLsn` are gone. */
  written?(lsn: number, retiredLsn: number): void
  /** Retired segments kept for reuse (default 2). A replicated member keeps none: its sender
   *  may still hold a retired segment open, and a recycled file would change under it. */
  readonly sparesKept?: number
}

export class Checkpointer {
  private running: Promise<void> | undefined
  private lastLsn: number
  private lastFloor: number
  private retainedFloor: number

  constructor(
    private readonly paths: DataPaths,
    private readonly segmentBytes: number,
    private readonly sideWork: SideWorkPool,
    private readonly source: CheckpointSource,
    private readonly logger: Logger,
    startLsn: number,
    startFloorLsn: number = startLsn,
  ) {
    this.lastLsn = startLsn
    this.lastFloor = startFloorLsn
    const kept = listCheckpoints(paths.checkpoints).slice(0, CHECKPOINTS_KEPT)
    this.retainedFloor = Math.min(startFloorLsn, ...kept.map((name) => name.floorLsn))
  }

  get lastCheckpointLsn(): number {
    return this.lastLsn
  }

  /** Floor of the newest checkpoint: recovery from it needs the log from here on. */
  get lastFloorLsn(): number {
    return this.lastFloor
  }

  /** Smallest floor of the kept checkpoints: segments below it have been retired. */
  get retainedFloorLsn(): number {
    return this.retainedFloor
  }

  /** Bytes of log written since the last checkpoint. */
  logSinceCheckpoint(): number {
    return this.source.endLsn() - this.lastLsn
  }

  /** Takes a checkpoint unless one is running (then waits for that one). */
  take(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** A checkpoint whose snapshot is taken after this call (a running one may predate it). */
  async takeFresh(): Promise<void> {
    if (this.running !== undefined) await this.running.catch(() => undefined)
    return this.take()
  }

  private async run(): Promise<void> {
    const lsn = this.source.endLsn()
    const snapshot = this.source.snapshot()
    const floorLsn = Math.min(lsn, this.source.oldestLiveLsn())
    if (lsn > 0) await this.source.waitDurable(lsn - 1)
    const bytes = encodeCheckpoint(snapshot)
    const name = checkpointFileName(lsn, floorLsn)
    await this.source.beforeWrite?.(lsn, name)
    await this.sideWork.writeFileDurably({ directory: this.paths.checkpoints, name, bytes })
    this.lastLsn = lsn
    this.lastFloor = floorLsn
    this.logger.info({ lsn, floorLsn, bytes: bytes.length }, 'checkpoint written')
    const retiredLsn = this.trim()
    this.source.written?.(lsn, retiredLsn)
  }

  /**
   * Deletes checkpoints beyond the kept count, then retires segments no checkpoint needs (nor,
   * replicated, the group). Returns the LSN below which the log is now retired.
   */
  private trim(): number {
    const kept = listCheckpoints(this.paths.checkpoints)
    for (const old of kept.slice(CHECKPOINTS_KEPT)) {
      fs.unlinkSync(join(this.paths.checkpoints, old.file))
      fs.rmSync(join(this.paths.checkpoints, `${old.file}.epochs`), { force: true })
    }
    let floor = Math.min(...kept.slice(0, CHECKPOINTS_KEPT).map((name) => name.floorLsn))
    this.retainedFloor = floor
    floor = Math.min(floor, this.source.retainFloorLsn?.() ?? floor)
    const floorSegment = Math.floor(floor / this.segmentBytes)
    const sparesKept = this.source.sparesKept ?? SPARE_SEGMENTS_KEPT
    let retiredLsn = 0
    for (const index of listSegments(this.paths.journal).segments) {
      if (index >= floorSegment) break
      this.source.forgetSegment(index)
      retireSegment(this.paths.journal, index, sparesKept)
      retiredLsn = (index + 1) * this.segmentBytes
    }
    return retiredLsn
  }
}
