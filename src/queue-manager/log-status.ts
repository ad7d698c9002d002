/**
 * The log's state for operators (DISPLAY QMSTATUS, dspmq): what is on disk, where the log ends,
 * and how far back restart recovery reaches. MQ's names for the same ideas: CURRLOG (current),
 * RECLOG (oldest log needed for restart recovery), LOGINUSE (share of the log in use).
 */
import fs from 'node:fs'
import type { CompactionStats } from '../compaction/log-compactor.js'
import { listSegments, segmentPath } from '../actors/journal/segment-files.js'
import { join } from 'node:path'

export interface LogStatus {
  /** Bytes of segment files on disk, spares for recycling included. */
  readonly logBytesOnDisk: number
  readonly segments: number
  readonly spareSegments: number
  readonly segmentBytes: number
  /** Next LSN to be written (CURRLOG). */
  readonly currentLsn: number
  readonly durableLsn: number
  /** LSN of the newest checkpoint. */
  readonly checkpointLsn: number
  /** Oldest LSN restart recovery from the newest checkpoint needs (RECLOG). */
  readonly recoveryFloorLsn: number
  /** Oldest LSN kept (the smallest floor of the kept checkpoints). */
  readonly retainedFloorLsn: number
  /** Put LSN of the oldest persistent message on any queue, or -1 if there is none. */
  readonly oldestLiveLsn: number
  /** Log between the retained floor and the current LSN. */
  readonly logBytesInUse: number
  /** Undefined when compaction is off. */
  readonly compaction: CompactionStats | undefined
}

export interface LogStatusInputs {
  readonly journalDirectory: string
  readonly segmentBytes: number
  readonly currentLsn: number
  readonly durableLsn: number
  readonly checkpointLsn: number
  readonly recoveryFloorLsn: number
  readonly retainedFloorLsn: number
  readonly oldestLiveLsn: number
  readonly compaction: CompactionStats | undefined
}

export function readLogStatus(inputs: LogStatusInputs): LogStatus {
  const { journalDirectory, segmentBytes } = inputs
  const listing = listSegments(journalDirectory)
  let logBytesOnDisk = 0
  for (const index of listing.segments) {
    logBytesOnDisk += fileBytes(segmentPath(journalDirectory, index))
  }
  for (const spare of listing.spares) logBytesOnDisk += fileBytes(join(journalDirectory, spare))
  return {
    logBytesOnDisk,
    segments: listing.segments.length,
    spareSegments: listing.spares.length,
    segmentBytes,
    currentLsn: inputs.currentLsn,
    durableLsn: inputs.durableLsn,
    checkpointLsn: inputs.checkpointLsn,
    recoveryFloorLsn: inputs.recoveryFloorLsn,
    retainedFloorLsn: inputs.retainedFloorLsn,
    oldestLiveLsn: Number.isFinite(inputs.oldestLiveLsn) ? inputs.oldestLiveLsn : -1,
    logBytesInUse: inputs.currentLsn - inputs.retainedFloorLsn,
    compaction: inputs.compaction,
  }
}

/** A segment retired between listing and stat counts as gone. */
function fileBytes(path: string): number {
  try {
    return fs.statSync(path).size
  } catch {
    return 0
  }
}
